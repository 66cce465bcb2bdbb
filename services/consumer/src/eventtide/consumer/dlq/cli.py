"""``eventtide dlq list | show | replay``: look at dead letters and resubmit fixed ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from eventtide.consumer.dlq.replay import replay
from eventtide.core.db import DbSettings, make_engine
from eventtide.core.db.deadletters import get_dead_letter, list_dead_letters
from eventtide.core.events import validation_context
from eventtide.core.kafka import EventProducer, ProducerTuning, producer_config
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import core_settings

console = Console()


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
        engine = make_engine(DbSettings().database_url)
        with engine.connect() as conn:
            letters = list_dead_letters(conn, limit=limit, include_replayed=all_)
        engine.dispose()
        table = Table("id", "created", "source", "kind", "rule", "field", "message", "replayed")
        for letter in letters:
            table.add_row(
                str(letter.id),
                f"{letter.created_at:%Y-%m-%d %H:%M:%S}",
                f"{letter.source_topic}/{letter.source_partition}@{letter.source_offset}",
                letter.kind,
                letter.rule,
                letter.field,
                letter.message[:60],
                letter.replay_result or "",
            )
        console.print(table)

    @dlq.command("show")
    def show_command(letter_id: int) -> None:
        """One dead letter in full, payload included."""
        engine = make_engine(DbSettings().database_url)
        with engine.connect() as conn:
            letter = get_dead_letter(conn, letter_id)
        engine.dispose()
        if letter is None:
            console.print(f"no dead letter {letter_id}")
            raise typer.Exit(code=1)
        for name in ("id", "created_at", "source_topic", "source_partition", "source_offset",
                     "kind", "field", "rule", "message", "details", "replayed_at",
                     "replay_result"):  # fmt: skip
            console.print(f"[bold]{name}[/]: {getattr(letter, name)}", highlight=False)
        payload = letter.payload or b""
        console.print(f"[bold]key[/]: {letter.message_key!r}", highlight=False)
        console.print(f"[bold]payload[/] ({len(payload)} bytes):", highlight=False)
        console.print(payload[:65536].decode(errors="replace"), highlight=False, markup=False)

    @dlq.command("replay")
    def replay_command(
        ids: Annotated[list[int] | None, typer.Argument(help="Default: every pending one.")] = None,
    ) -> None:
        """Validate pending dead letters again; resubmit those that pass and mark them."""
        core = core_settings()
        engine = make_engine(DbSettings().database_url)
        tuning = ProducerTuning(client_id="eventtide-dlq")
        config = producer_config(core.kafka_bootstrap_servers, tuning) | kafka_security(core)
        producer = EventProducer(config, core.events_topic)
        context = validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s))
        report = replay(engine, producer, ids=ids, context=context)
        engine.dispose()
        console.print(f"resubmitted {len(report.resubmitted)}: {report.resubmitted}")
        for letter_id, reason in report.still_invalid.items():
            console.print(f"still invalid {letter_id}: {reason}", highlight=False)
