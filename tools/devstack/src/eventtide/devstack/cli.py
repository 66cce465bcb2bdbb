"""``eventtide dev``: local infrastructure for developers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``dev`` command group to the root CLI."""
    dev = typer.Typer(help="Developer tools: local infrastructure.", no_args_is_help=True)
    app.add_typer(dev, name="dev")
