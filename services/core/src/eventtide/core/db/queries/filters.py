"""The filter every analytics question takes: a time range, event types, and equality
on a context field or a property."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, and_

from eventtide.core.db.models import Base, UserEvent

EVENTS = Base.metadata.tables[UserEvent.__tablename__]


@dataclass(frozen=True, slots=True)
class Match:
    """``<source>.<key> = value``: source ``context`` or ``properties``."""

    source: Literal["context", "properties"]
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a question is about; ``until`` is exclusive."""

    since: datetime
    until: datetime
    matches: Sequence[Match] = field(default_factory=tuple)


def json_text(source: str, key: str) -> ColumnElement[Any]:
    """The text value of ``source ->> key`` (the key is a bound parameter)."""
    value: ColumnElement[Any] = EVENTS.c[source][key].as_string()
    return value


def conditions(flt: EventFilter, *, event_type: str | None = None) -> ColumnElement[bool]:
    """The WHERE clause of a filter (and one event type, when given)."""
    parts: list[ColumnElement[bool]] = [
        EVENTS.c.occurred_at >= flt.since,
        EVENTS.c.occurred_at < flt.until,
    ]
    if event_type is not None:
        parts.append(EVENTS.c.event_type == event_type)
    parts.extend(matching(flt.matches))
    return and_(*parts)


def matching(matches: Sequence[Match]) -> list[ColumnElement[bool]]:
    """The equalities of ``matches`` on ``user_events`` rows."""
    return [json_text(m.source, m.key) == m.value for m in matches]


TICK: Final = timedelta(microseconds=1)
"""The smallest step of time: the last moment of a range is its exclusive end less this."""


def after(moment: datetime, span: timedelta) -> datetime:
    """``moment + span``, or the calendar's last moment where that passes year 9999: the
    end of a window that starts in a range open to the end of time."""
    try:
        return moment + span
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def before(moment: datetime, span: timedelta) -> datetime:
    """``moment - span``, or the calendar's first moment where that passes year 1: the
    start of a window that ends in a range open to the start of time."""
    try:
        return moment - span
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
