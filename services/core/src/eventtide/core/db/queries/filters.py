"""The filter every analytics question takes: a time range, event types, and comparisons
of a context field or a property (PostHog's property operators)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, Float, Numeric, and_, case, cast, func, literal, or_

from eventtide.core.db.models import Base, UserEvent

EVENTS = Base.metadata.tables[UserEvent.__tablename__]


Source = Literal["context", "properties"]
Operator = Literal["=", "!=", "*=", "!*=", ">", ">=", "<", "<=", "set", "unset"]
"""PostHog's property operators: exact, is not, contains and does not contain (ASCII
letters in either case), the four numeric comparisons, is set and is not set."""

NUMERIC: Final = (">", ">=", "<", "<=")

NUMBER: Final = r"^[+-]?([0-9]{1,100}(\.[0-9]{0,100})?|\.[0-9]{1,100})([eE][+-]?[0-9]{1,4})?$"
"""A value the numeric operators compare: a decimal number, as in JSON but with an
optional sign, leading zeros and a bare point allowed. Bounded so that PostgreSQL's
``numeric`` holds every such number; another value (``abc``, ``NaN``, `` 5``) is no
number, and a numeric comparison never matches it. The same text is a Python and a
PostgreSQL regular expression."""


@dataclass(frozen=True, slots=True)
class Match:
    """``<source>.<key> <op> value``: source ``context`` or ``properties``; ``value`` is
    empty for ``set`` and ``unset``, and a :data:`NUMBER` for the numeric operators."""

    source: Source
    key: str
    value: str
    op: Operator = "="


@dataclass(frozen=True, slots=True)
class AnyOf:
    """PostHog's "match any" filter group: an event passes when at least one of
    ``matches`` holds (``where_any``; every ``where`` item must hold besides)."""

    matches: tuple[Match, ...]


Criterion = Match | AnyOf
"""What a question's events must pass: one comparison, or a group of which one must."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a question is about; ``until`` is exclusive."""

    since: datetime
    until: datetime
    matches: Sequence[Criterion] = field(default_factory=tuple)


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


def matching(matches: Sequence[Criterion]) -> list[ColumnElement[bool]]:
    """The conditions of ``matches`` on ``user_events`` rows."""
    return passing(matches, lambda m: json_text(m.source, m.key))


def passing(
    matches: Sequence[Criterion], text_of: Callable[[Match], ColumnElement[Any]]
) -> list[ColumnElement[bool]]:
    """One condition per criterion, each comparison reading its field's text from
    ``text_of`` (the events' JSON, or an hour row's column)."""
    found: list[ColumnElement[bool]] = []
    for criterion in matches:
        if isinstance(criterion, AnyOf):
            found.append(or_(*(holds(text_of(m), m) for m in criterion.matches)))
        else:
            found.append(holds(text_of(criterion), criterion))
    return found


def fields_of(matches: Sequence[Criterion]) -> list[tuple[str, str]]:
    """Every ``(source, key)`` the criteria read, a group's included."""
    found: list[tuple[str, str]] = []
    for criterion in matches:
        group = criterion.matches if isinstance(criterion, AnyOf) else (criterion,)
        found.extend((m.source, m.key) for m in group)
    return found


def holds(text: ColumnElement[Any], match: Match) -> ColumnElement[bool]:
    """Whether ``text`` (a field's text, NULL where the event lacks it or holds JSON null)
    passes ``match``. As PostHog's: a missing field is "not equal" to any value and
    "does not contain" any text, and no numeric comparison or equality holds for it."""
    op, value = match.op, match.value
    if op == "set":
        return text.is_not(None)
    if op == "unset":
        return text.is_(None)
    if op == "=":
        return text == value
    if op == "!=":
        return text.is_distinct_from(value)
    if op in NUMERIC:
        return _compared(number(text), op, Decimal(value))
    found = func.strpos(_ascii_lower(text), _ascii_lower(literal(value))) > 0
    return found if op == "*=" else or_(text.is_(None), ~found)


_DIGITS_UNBOUNDED: Final = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$"
""":data:`NUMBER` without its 100-digit bounds, which a text of at most 100 characters
keeps anyway. PostgreSQL's regular expressions expand a bounded repeat into states:
the bounded form took about 3 microseconds a row, this one about 1 (138,291 values)."""


def number(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """``text`` as a ``numeric`` where it is a :data:`NUMBER`, else NULL (a cast of any
    other text would fail the whole statement). The bounded expression is tried only on
    texts longer than 100 characters."""
    plain = text.regexp_match(_DIGITS_UNBOUNDED)
    bounded = or_(func.length(text) <= 100, text.regexp_match(NUMBER))
    return case((and_(plain, bounded), cast(text, Numeric)), else_=None)


def as_double(number: ColumnElement[Any]) -> ColumnElement[Any]:
    """A :func:`number` as ``double precision`` where a double holds it (zero, or a
    magnitude from 1e-307 to 1e308), else NULL: what property math (sums, averages,
    percentiles, in doubles as PostHog's ``toFloat``) reads. PostgreSQL refuses to cast
    a number past those bounds, so they are tested on the exact ``numeric`` first (pass
    a materialized column, not the expression, or each row is parsed three times)."""
    fits = or_(number == 0, func.abs(number).between(Decimal("1e-307"), Decimal("1e308")))
    return case((fits, cast(number, Float)), else_=None)


def _compared(number: ColumnElement[Any], op: str, value: Decimal) -> ColumnElement[bool]:
    bound = literal(value, Numeric)
    if op == ">":
        return number > bound
    if op == ">=":
        return number >= bound
    if op == "<":
        return number < bound
    return number <= bound


def _ascii_lower(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """Lower case under the "C" collation, which folds A-Z alone whatever the database's
    locale: the same answer on every deployment (``É`` and ``é`` stay different)."""
    return func.lower(text.collate("C"))


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
