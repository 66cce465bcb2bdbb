"""Per-window metric series as dense arrays: what the anomaly model is fitted and judged on.

The processor's window results (and events bucketed the same way when there are none)
arrive as sparse rows, one per window key that saw an event. A series that went silent
has no row at all, and silence is exactly what an outage looks like, so every series is
laid on a contiguous grid of window starts with zeros where no row came.
A column is named ``dimension|value|field`` (``all|*|count``, ``event_type|purchase|count``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

import numpy as np

from eventtide.ml.features import is_error
from eventtide.ml.history import FloatArray

FIELDS: Final = ("count", "unique_users", "revenue_cents", "orders")
ALL: Final = ("all", "*")
FUNNEL: Final = ("page_view", "add_to_cart", "checkout_started", "purchase")
"""The main funnel; each step's conversion is the next step's events over this one's."""
SEGMENT_DIMENSIONS: Final = ("platform", "country")
"""Low-cardinality context fields whose values get an active-users series each: a fault
confined to one platform shows as that segment going silent, not as a dent in the total."""
SEGMENTS_PER_DIMENSION: Final = 5
"""Values kept per segment dimension: the busiest by training volume."""
DEAD_LETTERS: Final = ("dead_letter", "*")
"""The processor's count of the records in a window that were no event (the storage
consumer dead-letters them)."""
MODEL_DIMENSIONS: Final = ("all", "event_type", *SEGMENT_DIMENSIONS, DEAD_LETTERS[0])
"""The processor dimensions the model reads."""

SeriesKind = Literal["count", "rate"]
V = TypeVar("V", float, FloatArray)
"""A window's figure (live) or a column of them (offline)."""
_KINDS: Final[dict[str, SeriesKind]] = {"count": "count", "rate": "rate"}

WindowRow = tuple[float, str, str, float, float, float, float]
"""(window start s, dimension, value, count, unique_users, revenue_cents, orders)."""


def column(dimension: str, value: str, field: str) -> str:
    """The name of one metric of one window key."""
    return f"{dimension}|{value}|{field}"


@dataclass(frozen=True)
class SeriesSpec:
    """One tracked series: a count column, or a rate of two count columns.

    ``scale`` divides the numerator: revenue is judged in units of the training mean
    order value, because a sum of order values varies like a count of orders times that
    value (compound Poisson), not like a count of cents. ``rises`` marks a rate judged
    for rises (an error share: errors over all events) rather than for drops (a funnel
    conversion: a broken step).
    """

    name: str
    kind: SeriesKind
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    rises: bool = False

    def to_json(self) -> dict[str, str | float | bool | None]:
        """Plain form for the registry."""
        return {"name": self.name, "kind": self.kind, "numerator": self.numerator,
                "denominator": self.denominator, "scale": self.scale,
                "rises": self.rises}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SeriesSpec:
        """Back from :meth:`to_json` (a model registered before ``scale`` and ``rises``
        existed has neither: unscaled, and its rates are conversions)."""
        kind = _KINDS.get(str(data["kind"]))
        if kind is None:
            raise ValueError(f"unknown series kind {data['kind']!r}")
        scale = float(data.get("scale", 1.0))
        if not scale > 0.0:
            raise ValueError(f"series {data['name']!r} has scale {scale}; it must be positive")
        return cls(str(data["name"]), kind, str(data["numerator"]), data.get("denominator"),
                   scale, bool(data.get("rises", False)))  # fmt: skip

    def values(self, get: Callable[[str], V]) -> tuple[V, V | None]:
        """What the model judges, from columns read by ``get`` (whole columns offline,
        one window's figures live): the numerator over its scale and, for a rate, the
        denominator."""
        den = None if self.denominator is None else get(self.denominator)
        return get(self.numerator) / self.scale, den


@dataclass(frozen=True)
class WindowTable:
    """Columns over contiguous windows ``times[i] .. times[i] + window_s``."""

    window_s: float
    times: FloatArray
    columns: dict[str, FloatArray]

    def get(self, name: str) -> FloatArray:
        """A column, zeros when no window had it."""
        found = self.columns.get(name)
        return found if found is not None else np.zeros(self.times.size)

    def between(self, start: float, end: float) -> WindowTable:
        """Windows starting in ``[start, end)``."""
        keep = (self.times >= start) & (self.times < end)
        return WindowTable(
            self.window_s, self.times[keep], {k: v[keep] for k, v in self.columns.items()}
        )

    def series(self, spec: SeriesSpec) -> tuple[FloatArray, FloatArray | None]:
        """The numerator (the count itself, over its scale) and, for a rate, the denominator."""
        return spec.values(self.get)


def table_from_rows(
    rows: Iterable[WindowRow], window_s: float, start: float, end: float
) -> WindowTable:
    """Dense columns for the windows starting in ``[start, end)`` (rows outside are ignored)."""
    first = np.ceil(start / window_s) * window_s
    times = np.arange(first, end, window_s, dtype=float)
    columns: dict[str, FloatArray] = {}
    for at, dimension, value, *metrics in rows:
        index = round((at - first) / window_s)
        if not 0 <= index < times.size:
            continue
        for field, amount in zip(FIELDS, metrics, strict=True):
            name = column(dimension, value, field)
            if name not in columns:
                columns[name] = np.zeros(times.size)
            columns[name][index] += float(amount)
    return WindowTable(window_s, times, columns)


def bucket_events(
    events: Iterable[tuple[float, str, str, float]], window_s: float
) -> list[WindowRow]:
    """Window rows (``all`` and ``event_type``) from events (time s, type, user, cents).

    The processor's aggregates for the two dimensions the model uses, for a database
    whose processor has not run: counts, distinct users, revenue and orders.
    """
    counts: dict[tuple[float, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    users: dict[tuple[float, str, str], set[str]] = defaultdict(set)
    for at, name, user, cents in events:
        start = float(np.floor(at / window_s) * window_s)
        for key in ((start, *ALL), (start, "event_type", name)):
            totals = counts[key]
            totals[0] += 1
            if name == "purchase":
                totals[1] += cents
                totals[2] += 1
            users[key].add(user)
    return [
        (at, dim, value, c[0], float(len(users[(at, dim, value)])), c[1], c[2])
        for (at, dim, value), c in sorted(counts.items())
    ]


def bucket_segments(
    events: Iterable[tuple[float, str, str, str]], window_s: float
) -> list[WindowRow]:
    """Window rows of segment dimensions from (time s, dimension, value, user) tuples.

    Only events and distinct users are counted: segments are tracked by their active
    users (``default_specs``), whose counts are close to Poisson, unlike event counts,
    which arrive in sessions.
    """
    counts: dict[tuple[float, str, str], int] = defaultdict(int)
    users: dict[tuple[float, str, str], set[str]] = defaultdict(set)
    for at, dimension, value, user in events:
        key = (float(np.floor(at / window_s) * window_s), dimension, value)
        counts[key] += 1
        users[key].add(user)
    return [
        (at, dim, value, float(n), float(len(users[(at, dim, value)])), 0.0, 0.0)
        for (at, dim, value), n in sorted(counts.items())
    ]


def default_specs(
    train: WindowTable, min_volume: float, longest_span: int = 1, *, dead_letters: bool = False
) -> list[SeriesSpec]:
    """What to track: totals and revenue, each event type busy enough to judge, the
    share of the events that report errors, the dead letters, the funnel steps, and the
    active users of the busiest segments.

    An event type is kept when its mean per window reaches ``min_volume`` (below it the
    detector would never judge a window anyway); a segment's users when they do, the
    ``SEGMENTS_PER_DIMENSION`` busiest per dimension. A funnel step is kept when its
    denominator reaches ``min_volume`` over ``longest_span`` windows: a rate is judged
    on its span's trials, so a small shop's 2.5 checkouts an hour are judgeable over six
    hours, and a broken payment step there is the incident most worth watching. An
    event type whose name reports an error or a failure (``features.is_error``: `error`,
    `fail`, `exception`, `crash`, so PostHog's ``$exception`` too) gets its share of all
    events, judged for rises, when it reaches ``min_volume`` over ``longest_span``
    windows: errors rising with traffic are no incident, errors rising against it are.
    Revenue is kept once training saw an order, in units of its mean order value.
    The dead letters per event, judged for rises, are kept when the table has the
    processor's count of them (``dead_letters``: read from its window results, where a
    healthy stream has none, so their absence says nothing) or training saw some.
    """
    specs = [
        SeriesSpec("events", "count", column(*ALL, "count")),
        SeriesSpec("users", "count", column(*ALL, "unique_users")),
        SeriesSpec("orders", "count", column(*ALL, "orders")),
    ]
    orders = float(train.get(column(*ALL, "orders")).sum())
    revenue = float(train.get(column(*ALL, "revenue_cents")).sum())
    if orders > 0.0 and revenue > 0.0:
        specs.append(SeriesSpec("revenue", "count", column(*ALL, "revenue_cents"),
                                scale=revenue / orders))  # fmt: skip
    for name in sorted(train.columns):
        dimension, value, field = name.split("|", 2)
        if dimension != "event_type" or field != "count":
            continue
        mean = float(train.columns[name].mean())
        if mean >= min_volume:
            specs.append(SeriesSpec(f"events.{value}", "count", name))
        if mean * longest_span >= min_volume and is_error(np.array([value]))[0]:
            specs.append(SeriesSpec(f"error_share.{value}", "rate", name,
                                    column(*ALL, "count"), rises=True))  # fmt: skip
    dead = column(*DEAD_LETTERS, "count")
    if dead_letters or dead in train.columns:
        specs.append(SeriesSpec("dead_letter_share", "rate", dead, column(*ALL, "count"),
                                rises=True))  # fmt: skip
    for before, after in itertools.pairwise(FUNNEL):
        den = column("event_type", before, "count")
        if float(train.get(den).mean()) * longest_span >= min_volume:
            specs.append(
                SeriesSpec(
                    f"conversion.{before}.{after}",
                    "rate",
                    column("event_type", after, "count"),
                    den,
                )
            )
    for dimension in SEGMENT_DIMENSIONS:
        volumes = sorted(
            (
                (float(values.mean()), name)
                for name, values in train.columns.items()
                if name.startswith(f"{dimension}|") and name.endswith("|unique_users")
            ),
            reverse=True,
        )
        for volume, name in volumes[:SEGMENTS_PER_DIMENSION]:
            if volume >= min_volume:
                value = name.split("|", 2)[1]
                specs.append(SeriesSpec(f"users.{dimension}.{value}", "count", name))
    return specs
