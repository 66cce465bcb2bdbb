"""``eventtide schema``: publish the event schema for other teams and tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``schema`` command group to the root CLI."""
    schema = typer.Typer(help="The event schema.", no_args_is_help=True)

    @schema.command("export")
    def export(
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
        ] = None,
    ) -> None:
        """Print the events' JSON Schema (draft 2020-12)."""
        import orjson

        from eventtide.core.events.schema import event_json_schema  # the models load on use

        text = orjson.dumps(event_json_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        if output is None:
            typer.echo(text.decode())
        else:
            output.write_bytes(text + b"\n")
            typer.echo(f"wrote {output}", err=True)

    app.add_typer(schema, name="schema")
