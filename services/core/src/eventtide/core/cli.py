"""The one ``eventtide`` command. Each installed package contributes its subcommands.

Packages register through the ``eventtide.commands`` entry-point group: each entry
point is a ``register(app)`` function, so a container that installs only one service
gets only that service's commands, and no package imports another to build the CLI.

Failures are answered here, once, for every subcommand: click reports usage errors
(exit 2); anything a command raises is turned by :func:`eventtide.core.failures.explain`
into one line naming the setting or service and how to fix it, with exit 2 for
configuration and 1 for runtime failures. ``--debug`` (or ``EVENTTIDE_DEBUG=1``) shows
the traceback instead.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from typing import Annotated

import typer

from eventtide.core.failures import explain

COMMAND_GROUP = "eventtide.commands"
DEBUG_VARIABLE = "EVENTTIDE_DEBUG"


def debug_enabled() -> bool:
    """True when ``--debug`` or ``EVENTTIDE_DEBUG`` asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}


def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help=f"Show the full traceback when a command fails (also: {DEBUG_VARIABLE}=1).",
        ),
    ] = False,
) -> None:
    """eventtide: real-time user analytics on Kafka, PostgreSQL and Kubernetes."""
    if debug:
        # In the environment so child processes (`dev run`'s services) inherit it.
        os.environ[DEBUG_VARIABLE] = "1"


def build_app() -> typer.Typer:
    """The root Typer app with every installed package's commands attached."""
    app = typer.Typer(
        name="eventtide",
        help="eventtide: real-time user analytics on Kafka, PostgreSQL and Kubernetes.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        # Plain help for the root: Typer's Rich formatter loads rich.markdown and
        # markdown-it (0.4-0.6 s measured), more than the rest of `eventtide --help`.
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        register = entry.load()
        register(app)
    return app


def run(args: list[str] | None = None) -> int:
    """Run the CLI on ``args`` and return the exit code; failures become one line.

    click answers usage errors itself (message and exit 2) and turns ``typer.Exit``
    into ``SystemExit``; everything else a command raises arrives here.
    """
    command = typer.main.get_command(build_app())
    try:
        command.main(args=args, prog_name="eventtide", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except Exception as error:
        if debug_enabled():
            raise
        failure = explain(error)
        typer.echo(f"error: {failure.message}", err=True)
        return failure.code
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


def leaf_commands(app: typer.Typer | None = None) -> list[str]:
    """Every runnable subcommand, as ``"api keys create"``; cheap (commands load on use)."""
    names: list[str] = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            names.append(" ".join(path))
            return
        for name, child in children.items():
            walk(child, [*path, name])

    walk(typer.main.get_command(app or build_app()), [])
    return sorted(names)
