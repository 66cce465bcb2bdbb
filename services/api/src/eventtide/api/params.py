"""PURE: the query parameters every analytics route shares, parsed and checked.

``where=context.country=DE`` (repeatable) filters on a context field or a property,
with PostHog's operators (``!=``, ``*=`` contains, ``!*=``, ``>``, ``>=``, ``<``, ``<=``;
the field alone is "is set", ``!`` before it "is not set"); the key must look like an
identifier, and is bound as a parameter anyway. ``since``
and ``until`` must carry a zone, for the same reason events must: a naive time is
ambiguous. Cursors are opaque to clients: base64 of the last row's position.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import Query
from pydantic import StringConstraints

from eventtide.api.problems import Problem
from eventtide.core.db.queries.calendar import local_range
from eventtide.core.db.queries.events import Position
from eventtide.core.db.queries.filters import (
    NUMBER,
    NUMERIC,
    AnyOf,
    Criterion,
    EventFilter,
    Match,
    Operator,
    Source,
)
from eventtide.core.db.queries.funnels import Exclusion
from eventtide.core.db.queries.property_math import MATHS, Measured
from eventtide.core.db.queries.trends import Breakdown

_KEY: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DEFAULT_RANGE: Final = timedelta(days=7)
_FIELD: Final = r"(context|properties)\.[A-Za-z_][A-Za-z0-9_]{0,63}"
_COMPARED: Final = r"[<>]=?" + NUMBER.removeprefix("^").removesuffix("$")
WHERE_PATTERN: Final = rf"^(!?{_FIELD}|{_FIELD}(!?\*?=[^\x00]*|{_COMPARED}))$"
"""A field alone or after ``!``; a field, an operator and a value (a number for ``<``,
``<=``, ``>`` and ``>=``): so a client or a schema fuzzer knows every valid item."""
_WHERE: Final = re.compile(
    r"(?P<unset>!)?(?P<source>context|properties)\.(?P<key>[A-Za-z_][A-Za-z0-9_]{0,63})"
    r"(?:(?P<op>!\*=|\*=|!=|=|>=|<=|>|<)(?P<value>.*))?",
    re.DOTALL,
)
Name = Annotated[str, StringConstraints(pattern=r"^[^\x00]+$", max_length=128)]
"""An event type or user id: PostgreSQL text holds no NUL, so none can match one."""
Where = Annotated[str, StringConstraints(pattern=WHERE_PATTERN, max_length=512)]
"""One ``where`` item, checked by OpenAPI's pattern as well as by :func:`parse_match`."""
BREAKDOWN_PATTERN: Final = r"^(context|properties)\.[A-Za-z_][A-Za-z0-9_]{0,63}$"
ZONES: Final = tuple(sorted(available_timezones()))
"""The zone names OpenAPI lists, so a client (or a schema fuzzer) knows the valid ones."""
WhereAnyQuery = Annotated[
    list[Where], Query(examples=[["context.country=DE", "context.country=FR"]])
]
"""``where_any`` of every question: one group of items of which at least one must hold."""
ZoneQuery = Annotated[
    str, Query(max_length=64, examples=["Europe/Berlin"], json_schema_extra={"enum": ZONES})
]
"""``timezone``: the IANA zone whose local buckets a question counts in."""
BreakdownQuery = Annotated[
    str | None, Query(max_length=80, pattern=BREAKDOWN_PATTERN, examples=["context.country"])
]
"""``breakdown``: a context field or a property to split by."""


def bad(detail: str) -> Problem:
    """400 for a parameter that does not parse."""
    return Problem(400, "bad-parameter", "Bad parameter", detail)


def parse_match(text: str) -> Match:
    """``context.country=DE``, ``properties.amount>=100`` or ``!properties.coupon`` as a
    :class:`Match`."""
    found = _WHERE.fullmatch(text)
    if found is None or (found["unset"] and found["op"]) or "\x00" in text:
        raise bad(
            f"where={text!r}: use context.<field> or properties.<name>, then an operator "
            "(=, !=, *= contains, !*= does not contain, >, >=, <, <=) and a value; the "
            "field alone means it is set, !properties.<name> that it is not"
        )
    source = cast(Source, found["source"])
    key, op, value = found["key"], found["op"], found["value"]
    if op is None:
        return Match(source, key, "", "unset" if found["unset"] else "set")
    if op in NUMERIC and not re.fullmatch(NUMBER, value):
        raise bad(f"where={text!r}: {op} compares numbers; give one, for example 100 or -2.5")
    return Match(source, key, value, cast(Operator, op))


STEP_WHERE_PATTERN: Final = r"^[1-9][0-9]?:" + WHERE_PATTERN.removeprefix("^")
StepWhere = Annotated[str, StringConstraints(pattern=STEP_WHERE_PATTERN, max_length=520)]
"""One ``step_where`` item: the step's number (from 1), a colon, and a ``where`` item."""


def step_matches(items: list[str], steps: int) -> dict[int, list[Match]]:
    """``2:properties.plan=pro`` items as filters by step index (0-based); a number
    past the funnel's steps is refused."""
    found: dict[int, list[Match]] = {}
    for text in items:
        number, sep, rest = text.partition(":")
        if not sep or not number.isdigit() or not 1 <= int(number) <= steps:
            raise bad(
                f"step_where={text!r}: use <step>:<field>=<value> with the step numbered "
                f"from 1 to {steps}, for example 2:properties.plan=pro"
            )
        found.setdefault(int(number) - 1, []).append(parse_match(rest))
    return found


EXCLUDE_PATTERN: Final = r"^[1-9][0-9]?:[1-9][0-9]?:[^\x00]{1,128}$"
Exclude = Annotated[str, StringConstraints(pattern=EXCLUDE_PATTERN, max_length=134)]
"""One ``exclude`` item: the steps it lies between (numbered from 1) and an event type."""


def exclusions(items: list[str], steps: int) -> list[Exclusion]:
    """``1:2:coupon_applied`` items as :class:`Exclusion` s (0-based steps); steps out of
    order or past the funnel's are refused."""
    found = []
    for text in items:
        first, _, rest = text.partition(":")
        second, _, event_type = rest.partition(":")
        if not (first.isdigit() and second.isdigit() and event_type):
            raise bad(f"exclude={text!r}: use <from step>:<to step>:<event>, e.g. 1:2:coupon")
        if not 1 <= int(first) < int(second) <= steps:
            raise bad(
                f"exclude={text!r}: the steps must be numbered from 1 to {steps}, the first "
                "before the second (1:2 excludes the event between the first two steps)"
            )
        found.append(Exclusion(event_type, int(first) - 1, int(second) - 1))
    return found


def event_filter(
    since: datetime | None,
    until: datetime | None,
    where: list[str],
    *,
    now: datetime,
    where_any: list[str] | None = None,
) -> EventFilter:
    """The filter for a range (default: the last 7 days up to now) and matches: every
    ``where`` item, and one of the ``where_any`` items when there are any."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise bad(f"{name} needs a time zone (for example 2026-12-01T00:00:00Z)")
    until = _utc(until or now)
    since = _utc(since) if since else _utc(until, -DEFAULT_RANGE)
    since = min(since, until)  # an empty range has an empty answer, not an error
    matches: list[Criterion] = [parse_match(item) for item in where]
    if where_any:
        matches.append(AnyOf(tuple(map(parse_match, where_any))))
    return EventFilter(since, until, tuple(matches))


_FIRST: Final = datetime.min.replace(tzinfo=UTC)
_LAST: Final = datetime.max.replace(tzinfo=UTC)


def _utc(value: datetime, shift: timedelta = timedelta(0)) -> datetime:
    """``value + shift`` in UTC, clamped to what ``datetime`` holds (year 1 to 9999)."""
    try:
        return (value + shift).astimezone(UTC)
    except OverflowError:
        return _FIRST if (shift < timedelta(0) or value.year < 5000) else _LAST


def encode_cursor(position: Position | None) -> str | None:
    """An opaque cursor for the next page, or None at the end."""
    if position is None:
        return None
    raw = f"{position.occurred_at.isoformat()}|{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str | None) -> Position | None:
    """The position a cursor names; 400 if it was not made by :func:`encode_cursor`."""
    if not cursor:
        return None
    try:
        when, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        position = Position(datetime.fromisoformat(when), int(ident))
    except ValueError as error:
        raise bad(f"cursor {cursor!r} is not one this API made") from error
    if position.occurred_at.tzinfo is None:
        raise bad(f"cursor {cursor!r} is not one this API made")
    return position


def local_event_filter(
    since: datetime | None,
    until: datetime | None,
    where: list[str],
    zone_name: str,
    where_any: list[str] | None = None,
) -> tuple[EventFilter, str]:
    """The filter of a question answered in a zone's local periods, and the zone: the
    range of :func:`event_filter` (up to now), narrowed as
    :func:`.calendar.local_range` narrows one (its local buckets all have dates)."""
    flt = event_filter(since, until, where, now=datetime.now(UTC), where_any=where_any)
    zone = timezone(zone_name)
    narrowed_since, narrowed_until = local_range(flt.since, flt.until, zone)
    return replace(flt, since=narrowed_since, until=narrowed_until), zone


def timezone(name: str) -> str:
    """An IANA zone name this server knows (PostgreSQL reads the same database)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise bad(f"unknown time zone {name!r}") from error
    return name


PROPERTY_PATTERN: Final = r"^(amount_cents|(context|properties)\.[A-Za-z_][A-Za-z0-9_]{0,63})$"


def measured_of(metric: str, text: str | None) -> Measured | None:
    """The number a property-math ``metric`` (sum, avg, ..., p99) reads: ``amount_cents``,
    ``properties.<name>`` or ``context.<field>``; refused where one is given without the
    other."""
    if metric not in MATHS:
        if text is not None:
            raise bad(
                f"property={text} is read by metric=sum, avg, min, max, median, p90, p95 or "
                f"p99, not by metric={metric}"
            )
        return None
    if text is None:
        raise bad(
            f"metric={metric} needs the number it reads: property=amount_cents, "
            "property=properties.<name> or property=context.<field>"
        )
    if text == "amount_cents":
        return Measured("amount")
    source, _, key = text.partition(".")
    return Measured(cast(Source, source), key)


def breakdown_of(text: str | None) -> Breakdown | None:
    """``context.country`` or ``properties.category`` as (source, key)."""
    if text is None:
        return None
    source, dot, key = text.partition(".")
    if not dot or source not in ("context", "properties") or not _KEY.match(key):
        raise bad(f"breakdown={text!r}: use context.<field> or properties.<name>")
    return Breakdown(source, key)  # type: ignore[arg-type]
