"""Event histories from where events live: event dicts, JSONL files (later: the database).

A JSONL file is read line by line through the same validation as every other input
(``eventtide produce --from-file`` reads the same format), so an evaluation never
trains on an event the platform would have refused; rejected lines are counted and
reported, not silently dropped. Identity events (identify, alias) say who a user is,
not that they did anything, so they are not activity here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eventtide.core.events import IDENTITY_TYPES, Rejection, validate_json_event
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
    """What reading a JSONL file found."""

    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    first_rejections: list[str] = field(default_factory=list)


def _valid_rows(path: Path, report: FileReport) -> Iterator[Row]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            report.lines += 1
            event = validate_json_event(line)
            if isinstance(event, Rejection):
                report.rejected += 1
                if len(report.first_rejections) < 5:
                    report.first_rejections.append(f"line {number}: {event}")
                continue
            report.accepted += 1
            row = row_of(event.model_dump())
            if row is not None:
                yield row


def read_jsonl(path: Path) -> tuple[EventLog, FileReport]:
    """Every valid event of a JSONL file, and a report of what was refused."""
    report = FileReport()
    return EventLog.from_rows(_valid_rows(path, report)), report
