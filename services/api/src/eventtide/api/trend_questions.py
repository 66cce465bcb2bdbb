"""PURE: what one trend series asks, from ``/v1/trends``' parameters or from one
``series=`` item of ``/v1/trends/formula``, checked before any query runs.

A formula's series is written ``<metric>:<event type>``, or
``<metric>(<property>):<event type>`` for property math (``count:page_view``,
``unique_users:purchase``, ``avg(amount_cents):purchase``): the metric comes first
because metric names hold no colon while event types are free strings.
``series_where=B:properties.plan=pro`` filters one series, as ``step_where`` filters a
funnel's step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Annotated, Final, get_args

from pydantic import StringConstraints

from eventtide.api import params
from eventtide.api.formula import LETTERS
from eventtide.api.problems import Problem
from eventtide.core.db.queries import trends
from eventtide.core.db.queries.filters import Match
from eventtide.core.db.queries.per_user import PER_USER
from eventtide.core.db.queries.property_math import MATHS, Measured
from eventtide.core.db.queries.rolling_active import WINDOW_DAYS, Rolling

METRICS: Final = (*get_args(trends.Metric), *get_args(Rolling), *MATHS, *PER_USER)
"""Every metric a trend series may have."""
MAX_SERIES: Final = 10
"""Each series is one query (100-300 ms at a million events): ten is a generous chart."""
_PROPERTY: Final = params.PROPERTY_PATTERN.removeprefix("^").removesuffix("$")
SERIES_PATTERN: Final = rf"^({'|'.join(METRICS)})(\({_PROPERTY}\))?:[^\x00]+$"
_SERIES: Final = re.compile(
    rf"(?P<metric>{'|'.join(METRICS)})(\((?P<property>{_PROPERTY})\))?:(?P<event_type>.+)",
    re.DOTALL,
)
Series = Annotated[str, StringConstraints(pattern=SERIES_PATTERN, max_length=220)]
"""One ``series`` item: a metric (and its property), a colon, an event type."""
SERIES_WHERE_PATTERN: Final = rf"^[{LETTERS[:MAX_SERIES]}]:" + params.WHERE_PATTERN[1:]
SeriesWhere = Annotated[str, StringConstraints(pattern=SERIES_WHERE_PATTERN, max_length=514)]
"""One ``series_where`` item: the series' letter, a colon, and a ``where`` item."""


@dataclass(frozen=True, slots=True)
class SeriesQuestion:
    """What one series counts: an event type, a metric and, for property math, the
    number it reads; ``matches`` are its own filters, on top of the question's."""

    event_type: str
    metric: str
    measured: Measured | None = None
    matches: tuple[Match, ...] = ()


def checked(event_type: str, metric: str, property: str | None, interval: str) -> SeriesQuestion:
    """A series question whose metric, property and interval go together (400 if not)."""
    measured = params.measured_of(metric, property)
    if metric in WINDOW_DAYS and interval != "day":
        raise params.bad(
            f"metric={metric} counts each day's users active in the {WINDOW_DAYS[metric]} "
            f"days ending with it: use interval=day"
        )
    return SeriesQuestion(event_type, metric, measured)


def formula_series(items: list[str], wheres: list[str], interval: str) -> list[SeriesQuestion]:
    """The ``series`` items of a formula, lettered ``A`` onwards, each with its
    ``series_where`` filters."""
    if not 1 <= len(items) <= MAX_SERIES:
        raise params.bad(
            f"{len(items)} series asked: give 1 to {MAX_SERIES} series= items, such as "
            "series=unique_users:page_view&series=unique_users:purchase"
        )
    matches = _series_matches(wheres, len(items))
    found = []
    for letter, text in zip(LETTERS, items, strict=False):
        parts = _SERIES.fullmatch(text)
        if parts is None:
            raise params.bad(
                f"series={text!r}: use <metric>:<event type>, such as count:page_view, or "
                f"<metric>(<property>):<event type>, such as avg(amount_cents):purchase; "
                f"metrics: {', '.join(METRICS)}"
            )
        try:
            question = checked(parts["event_type"], parts["metric"], parts["property"], interval)
        except Problem as problem:
            raise params.bad(f"series {letter} ({text}): {problem.detail}") from problem
        found.append(replace(question, matches=tuple(matches.get(letter, []))))
    return found


def _series_matches(items: list[str], series: int) -> dict[str, list[Match]]:
    """``B:properties.plan=pro`` items as filters by letter; a letter past the asked
    series is refused."""
    found: dict[str, list[Match]] = {}
    for text in items:
        letter, sep, rest = text.partition(":")
        if not sep or letter not in tuple(LETTERS[:series]):
            raise params.bad(
                f"series_where={text!r}: use <letter>:<field>=<value> with the letter of "
                f"one of the {series} series (A to {LETTERS[series - 1]}), for example "
                "B:properties.plan=pro"
            )
        found.setdefault(letter, []).append(params.parse_match(rest))
    return found
