"""Event histories from where events live: event dicts, and files of eventtide's JSONL
or of another tool's export (later: the database).

A file is read line by line through the same validation as every other input
(``eventtide produce --from-file [--format]`` reads the same files), so an evaluation
never trains on an event the platform would have refused; refused lines are counted and
reported, not silently dropped. Identity events (identify, alias) say who a user is,
not that they did anything: they are not activity here, but they join each person's
ids, so a customer's anonymous visits and signed-in orders are one history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eventtide.core.events import IDENTITY_TYPES, AnyEvent, Rejection
from eventtide.core.events.contracts.export_files import exported_events, native_events, where
from eventtide.core.events.contracts.format_check import NATIVE
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.core.identity import Link, link_from_event, resolve
from eventtide.ml.features import PURCHASE
from eventtide.ml.history import EventLog

Row = tuple[str, float, str, float]


def row_of(event: Mapping[str, Any]) -> Row | None:
    """(user, time, name, amount) of one event dict; ``None`` for identity events."""
    name = str(event["event_type"])
    if name in IDENTITY_TYPES:
        return None
    occurred = event["occurred_at"]
    stamp = (
        occurred.timestamp()
        if isinstance(occurred, datetime)
        else datetime.fromisoformat(occurred).timestamp()
    )
    properties = event.get("properties") or {}
    amount = float(properties.get("amount", 0.0)) if name == PURCHASE else 0.0
    return str(event["user_id"]), stamp, name, amount


def from_event_dicts(events: Iterable[Mapping[str, Any]]) -> EventLog:
    """An event log from dicts shaped like the wire format (as the generator emits them)."""
    return EventLog.from_rows(row for row in map(row_of, events) if row is not None)


@dataclass
class FileReport:
    """What reading a file found: its lines, and its events valid and refused."""

    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    first_rejections: list[str] = field(default_factory=list)


def read_file(
    path: Path, file_format: str = NATIVE, hints: TableHints | None = None
) -> tuple[EventLog, FileReport]:
    """Every valid event of a file (eventtide's JSONL, or another tool's export as
    ``eventtide produce --format`` reads it; ``hints``: what the user said of a
    table), each user's by person, and a report of what was refused."""
    report = FileReport()
    return _history(_events(path, file_format, hints), report), report


def _events(
    path: Path, file_format: str, hints: TableHints | None
) -> Iterator[tuple[str, AnyEvent | Rejection]]:
    if file_format == NATIVE:
        read = native_events(path)
    else:
        read = exported_events(path, file_format, hints=hints)
    for place, event in read:
        yield where(place), event


def _history(events: Iterator[tuple[str, AnyEvent | Rejection]], report: FileReport) -> EventLog:
    """The activity of the events, each row's user the person its ids resolve to (an
    export's anonymous device and the user it signed in as are one customer)."""
    rows: list[Row] = []
    links: list[Link] = []
    last_place = ""
    for place, event in events:
        if place != last_place:
            report.lines, last_place = report.lines + 1, place
        if isinstance(event, Rejection):
            report.rejected += 1
            if len(report.first_rejections) < 5:
                report.first_rejections.append(f"{place}: {event}")
            continue
        report.accepted += 1
        dumped = event.model_dump()
        link = link_from_event(
            event.event_type, event.user_id, dumped["properties"], event.occurred_at,
            event.event_id,
        )  # fmt: skip
        if link is not None:
            links.append(link)
        elif (row := row_of(dumped)) is not None:
            rows.append(row)
    if links:
        person = resolve(links).person
        rows = [(person(user), at, name, amount) for user, at, name, amount in rows]
    return EventLog.from_rows(rows)
