"""Replay dead letters: validate again, resubmit what passes now, mark what was resubmitted.

A dead letter usually waits for a reader upgrade (an unknown schema version) or a fix
upstream. Replaying sends the event to the events topic again; the consumer stores it
once (``event_id`` is unique), so replaying twice is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from eventtide.core.db.deadletters import mark_replayed, pending_dead_letters
from eventtide.core.db.rows import Unstorable, event_row
from eventtide.core.events import Rejection
from eventtide.core.kafka import EventProducer, decode


@dataclass
class ReplayReport:
    """Ids resubmitted, and those still refused with the reason."""

    resubmitted: list[int] = field(default_factory=list)
    still_invalid: dict[int, str] = field(default_factory=dict)


def replay(
    engine: Engine,
    producer: EventProducer,
    *,
    ids: Sequence[int] | None = None,
    context: Mapping[str, Any] | None = None,
    flush_timeout_s: float = 30.0,
) -> ReplayReport:
    """Resubmit pending dead letters that now validate; mark them once Kafka acknowledged."""
    report = ReplayReport()
    with engine.connect() as conn:
        letters = pending_dead_letters(conn, ids)
    for letter in letters:
        result = decode(letter.payload, context)
        if isinstance(result, Rejection):
            report.still_invalid[letter.id] = str(result)
            continue
        row = event_row(result)
        if isinstance(row, Unstorable):
            report.still_invalid[letter.id] = f"unstorable: {row.message} [{row.rule}]"
            continue
        producer.send(result)
        report.resubmitted.append(letter.id)
    if producer.flush(flush_timeout_s):
        raise RuntimeError("Kafka did not acknowledge every resubmitted event; nothing marked")
    with engine.begin() as conn:
        for letter_id in report.resubmitted:
            mark_replayed(conn, letter_id, "resubmitted")
    return report
