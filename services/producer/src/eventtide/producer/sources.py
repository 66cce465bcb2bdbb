"""Where the events to send come from: the simulation, a JSONL file of eventtide events,
or another analytics tool's event export (read by the contracts' export readers).

Both yield validated events (as models, or already encoded for Kafka) or
:class:`Rejected` inputs, so the send loop treats them alike and an invalid line never
stops a run. The simulation's data-quality incidents add :class:`Corrupt` messages:
bytes that are meant to be invalid and are sent as they are, for the consumer to
dead-letter. A replayed file never produces them: its invalid lines are rejected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventtide.core.events import (
    CURRENT_SCHEMA_VERSION,
    AnyEvent,
    Rejection,
)
from eventtide.core.events.contracts.export_files import exported_events, native_events, where
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.core.kafka import WireMessage, encode_data
from eventtide.core.kafka.codec import TYPE_HEADERS, VERSION_HEADERS
from eventtide.producer.generator import Simulation
from eventtide.producer.generator.malformed import Malformed


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that failed validation and where it was (``line 12``, ``event 40``)."""

    where: str
    rejection: Rejection

    def __str__(self) -> str:
        return f"{self.where}: {self.rejection}"


@dataclass(frozen=True, slots=True)
class Corrupt:
    """A deliberately malformed message, sent unvalidated (a data-quality incident)."""

    message: WireMessage
    defect: str


Item = AnyEvent | WireMessage | Corrupt | Rejected


def simulated(simulation: Simulation, context: Mapping[str, Any] | None = None) -> Iterator[Item]:
    """The simulation's events, each validated like any client's, encoded for Kafka.

    :func:`encode_data` validates each dict by the same rules as :func:`validate_event`
    and writes that same dict, so the model it becomes is never serialized again.
    """
    for number, raw in enumerate(simulation.stream(), start=1):
        if type(raw) is Malformed:
            yield corrupt(raw)
            continue
        result = encode_data(raw, context)
        yield Rejected(f"event {number}", result) if isinstance(result, Rejection) else result


def corrupt(malformed: Malformed) -> Corrupt:
    """The message a broken client sends: its bytes, keyed by user, headers as it claims."""
    headers: list[tuple[str, str | bytes | None]] = [VERSION_HEADERS[CURRENT_SCHEMA_VERSION]]
    claimed = TYPE_HEADERS.get(malformed.event_type)
    if claimed is not None:
        headers.insert(0, claimed)
    message = WireMessage(
        malformed.event_type, malformed.user_id.encode(), malformed.value, headers
    )
    return Corrupt(message, malformed.defect)


def from_jsonl(path: Path, context: Mapping[str, Any] | None = None) -> Iterator[Item]:
    """One event per line of a JSONL export (:func:`export_lines`: gzipped, zipped or a
    folder of files); blank lines are skipped."""
    for place, event in native_events(path, context):
        yield Rejected(where(place), event) if isinstance(event, Rejection) else event


def from_export(
    path: Path,
    file_format: str,
    context: Mapping[str, Any] | None = None,
    hints: TableHints | None = None,
) -> Iterator[Item]:
    """The events of another tool's export (:func:`exported_events`; ``hints``: what the
    user said of a table), a refused line with its place."""
    for place, event in exported_events(path, file_format, context, hints):
        yield Rejected(where(place), event) if isinstance(event, Rejection) else event
