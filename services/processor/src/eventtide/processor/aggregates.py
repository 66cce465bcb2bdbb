"""The window aggregates as small classes: ``initialize`` / ``add`` / ``merge`` / ``result``.

Each class states one aggregate's semantics; ``WindowMetrics`` applies all of them to one
window key at once (the hot path: one call per event and key instead of five). Merging
is how partition partials become a global figure: every merge here is exact because a
user's events are all in one partition, so the partitions' user sets are disjoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from eventtide.processor.model import Event

A = TypeVar("A")
R = TypeVar("R")


class Aggregate(Generic[A, R]):
    """One aggregate: an accumulator type ``A`` and a result type ``R``."""

    name: ClassVar[str]

    def initialize(self) -> A:
        """The accumulator of an empty window."""
        raise NotImplementedError

    def add(self, acc: A, event: Event) -> A:
        """The accumulator with ``event`` added (may reuse ``acc``)."""
        raise NotImplementedError

    def merge(self, left: A, right: A) -> A:
        """Two partials of disjoint event sets combined."""
        raise NotImplementedError

    def result(self, acc: A) -> R:
        """The value shown for the window."""
        raise NotImplementedError


class Count(Aggregate[int, int]):
    """Accepted events."""

    name = "count"

    def initialize(self) -> int:
        return 0

    def add(self, acc: int, event: Event) -> int:
        return acc + 1

    def merge(self, left: int, right: int) -> int:
        return left + right

    def result(self, acc: int) -> int:
        return acc


class UniqueUsers(Aggregate[frozenset[str], int]):
    """Distinct users, exactly (sets; see docs/processor.md for why no sketch)."""

    name = "unique_users"

    def initialize(self) -> frozenset[str]:
        return frozenset()

    def add(self, acc: frozenset[str], event: Event) -> frozenset[str]:
        return acc | {event.user_id}

    def merge(self, left: frozenset[str], right: frozenset[str]) -> frozenset[str]:
        return left | right

    def result(self, acc: frozenset[str]) -> int:
        return len(acc)


class Revenue(Aggregate[int, int]):
    """Sum of purchase amounts, integer cents."""

    name = "revenue_cents"

    def initialize(self) -> int:
        return 0

    def add(self, acc: int, event: Event) -> int:
        return acc + event.amount_cents if event.event_type == "purchase" else acc

    def merge(self, left: int, right: int) -> int:
        return left + right

    def result(self, acc: int) -> int:
        return acc


class Orders(Aggregate[int, int]):
    """Purchases."""

    name = "orders"

    def initialize(self) -> int:
        return 0

    def add(self, acc: int, event: Event) -> int:
        return acc + 1 if event.event_type == "purchase" else acc

    def merge(self, left: int, right: int) -> int:
        return left + right

    def result(self, acc: int) -> int:
        return acc


class AverageOrderValue(Aggregate[tuple[int, int], int | None]):
    """Revenue over orders, in cents rounded half-even; None without orders."""

    name = "average_order_value_cents"

    def initialize(self) -> tuple[int, int]:
        return (0, 0)

    def add(self, acc: tuple[int, int], event: Event) -> tuple[int, int]:
        if event.event_type != "purchase":
            return acc
        return (acc[0] + event.amount_cents, acc[1] + 1)

    def merge(self, left: tuple[int, int], right: tuple[int, int]) -> tuple[int, int]:
        return (left[0] + right[0], left[1] + right[1])

    def result(self, acc: tuple[int, int]) -> int | None:
        return average_cents(acc[0], acc[1])


def average_cents(revenue: int, orders: int) -> int | None:
    """``revenue / orders`` rounded half-even (Python's ``round``), None for no orders."""
    return None if orders == 0 else round(revenue / orders)


AGGREGATES: tuple[Aggregate[Any, Any], ...] = (
    Count(),
    UniqueUsers(),
    Revenue(),
    Orders(),
    AverageOrderValue(),
)


class WindowMetrics:
    """All aggregates of one window key, mutable inside a batch.

    ``add`` is the five ``add``s above written out as one; the tests check it agrees with
    them. ``users`` is a dict used as an insertion-ordered set the key owns: adding a user
    is O(1), and the users added since a checkpoint are the ones past its length (the
    checkpoint writes only those, ``checkpoint.py``).
    """

    __slots__ = ("count", "orders", "revenue", "users")

    def __init__(
        self,
        count: int = 0,
        users: dict[str, None] | None = None,
        revenue: int = 0,
        orders: int = 0,
    ) -> None:
        self.count = count
        self.users: dict[str, None] = {} if users is None else users
        self.revenue = revenue
        self.orders = orders

    def add(self, event: Event) -> None:
        """Count ``event`` in this window key."""
        self.count += 1
        self.users[event.user_id] = None
        if event.event_type == "purchase":
            self.revenue += event.amount_cents
            self.orders += 1

    def merge(self, other: WindowMetrics) -> WindowMetrics:
        """A new value for the union of two disjoint partials."""
        return WindowMetrics(
            self.count + other.count,
            self.users | other.users,
            self.revenue + other.revenue,
            self.orders + other.orders,
        )

    def result(self) -> MetricsResult:
        """The immutable result row's values."""
        return MetricsResult(
            self.count,
            len(self.users),
            self.revenue,
            self.orders,
            average_cents(self.revenue, self.orders),
        )

    def result_with(self, others: Iterable[WindowMetrics]) -> MetricsResult:
        """The result of this partial merged with ``others`` (disjoint events).

        Only the others' users missing here are gathered: ``merge`` copies this key's
        whole user set, which for a derived window shown or closed with base windows
        not yet merged inside it (an hour's or a day's users per key) cost more than
        the rest of the emission.
        """
        count, revenue, orders = self.count, self.revenue, self.orders
        mine = self.users.keys()
        new: set[str] = set()
        for other in others:
            count += other.count
            revenue += other.revenue
            orders += other.orders
            new |= other.users.keys() - mine
        return MetricsResult(
            count, len(mine) + len(new), revenue, orders, average_cents(revenue, orders)
        )


@dataclass(frozen=True, slots=True)
class MetricsResult:
    """What a window key shows."""

    count: int
    unique_users: int
    revenue_cents: int
    orders: int
    average_order_value_cents: int | None

    def merge(self, other: MetricsResult) -> MetricsResult:
        """Global from partition partials (users are partition-local, so they add up)."""
        revenue, orders = self.revenue_cents + other.revenue_cents, self.orders + other.orders
        return MetricsResult(
            self.count + other.count,
            self.unique_users + other.unique_users,
            revenue,
            orders,
            average_cents(revenue, orders),
        )
