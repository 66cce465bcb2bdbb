"""``eventtide dlq list | show | replay``: look at dead letters and resubmit fixed ones.

Registration stays cheap (every ``eventtide`` run registers every command): the
database and Kafka imports live in :mod:`eventtide.consumer.dlq.commands`, loaded on use.
"""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``dlq`` command group to the root CLI."""
    dlq = typer.Typer(help="Dead letters: list, show, replay.", no_args_is_help=True)
    app.add_typer(dlq, name="dlq")

    @dlq.command("list")
    def list_command(
        limit: Annotated[int, typer.Option(min=1)] = 50,
        all_: Annotated[bool, typer.Option("--all", help="Include replayed ones.")] = False,
    ) -> None:
        """The newest dead letters: where from, the reason, whether replayed."""
        from eventtide.consumer.dlq.commands import list_letters

        list_letters(limit=limit, include_replayed=all_)

    @dlq.command("show")
    def show_command(letter_id: int) -> None:
        """One dead letter in full, payload included."""
        from eventtide.consumer.dlq.commands import show_letter

        if not show_letter(letter_id):
            raise typer.Exit(code=1)

    @dlq.command("replay")
    def replay_command(
        ids: Annotated[list[int] | None, typer.Argument(help="Default: every pending one.")] = None,
    ) -> None:
        """Validate pending dead letters again; resubmit those that pass and mark them."""
        from eventtide.consumer.dlq.commands import replay_letters

        replay_letters(ids)
