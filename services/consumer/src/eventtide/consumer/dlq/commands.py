"""What ``eventtide dlq list | show | replay`` do; imported only when one of them runs."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from eventtide.consumer.dlq.replay import replay
from eventtide.core.db import DbSettings, make_engine
from eventtide.core.db.deadletters import get_dead_letter, list_dead_letters
from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.clients import make_producer
from eventtide.core.settings import core_settings

console = Console()


def list_letters(*, limit: int, include_replayed: bool) -> None:
    """The newest dead letters: where from, the reason, whether replayed."""
    engine = make_engine(DbSettings().database_url)
    with engine.connect() as conn:
        letters = list_dead_letters(conn, limit=limit, include_replayed=include_replayed)
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


def show_letter(letter_id: int) -> bool:
    """One dead letter in full, payload included; False when there is none."""
    engine = make_engine(DbSettings().database_url)
    with engine.connect() as conn:
        letter = get_dead_letter(conn, letter_id)
    engine.dispose()
    if letter is None:
        console.print(f"no dead letter {letter_id}")
        return False
    for name in ("id", "created_at", "source_topic", "source_partition", "source_offset",
                 "kind", "field", "rule", "message", "details", "replayed_at",
                 "replay_result"):  # fmt: skip
        console.print(f"[bold]{name}[/]: {getattr(letter, name)}", highlight=False)
    payload = letter.payload or b""
    console.print(f"[bold]key[/]: {letter.message_key!r}", highlight=False)
    console.print(f"[bold]payload[/] ({len(payload)} bytes):", highlight=False)
    console.print(payload[:65536].decode(errors="replace"), highlight=False, markup=False)
    return True


def replay_letters(ids: list[int] | None) -> None:
    """Validate pending dead letters again; resubmit those that pass and mark them."""
    core = core_settings()
    engine = make_engine(DbSettings().database_url)
    tuning = ProducerTuning(client_id="eventtide-dlq")
    producer = make_producer(core.events_topic, tuning, core)
    context = core.validation_context()
    report = replay(engine, producer, ids=ids, context=context)
    engine.dispose()
    console.print(f"resubmitted {len(report.resubmitted)}: {report.resubmitted}")
    for letter_id, reason in report.still_invalid.items():
        console.print(f"still invalid {letter_id}: {reason}", highlight=False)
