"""Click-to-order attribution: purchase lines to the touches of their products.

Runs on a user's final events in ``(ts, event_id)`` order (docs/processor.md), so every
touch that can still be accepted has arrived when a purchase is attributed, and the
result is final at once. Last touch and first touch within ``window`` before the purchase.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from eventtide.processor.model import Event

ATTRIBUTION_NAMESPACE: Final = uuid.UUID("0d7c6f5e-8a1b-4c2d-9e3f-a4b5c6d7e8f9")
NO_SOURCE: Final = "(none)"
DAY_US: Final = 86_400_000_000


def source_of(touch: Event) -> str:
    """The referrer when the touch came from outside, else the page it happened on."""
    return touch.referrer if touch.referrer else touch.page


@dataclass(frozen=True, slots=True)
class Attribution:
    """One purchase line credited to one touch under one model."""

    attribution_id: str
    model: str
    user_id: str
    purchase_event_id: str
    purchase_ts: int
    product_id: str
    value_cents: int
    touch_event_id: str | None
    touch_ts: int | None
    source: str


def attribute(purchase: Event, touches: Iterable[Event], window: int) -> list[Attribution]:
    """Last- and first-touch rows for each line of ``purchase``.

    ``touches`` are the user's touches, in order; those of each product no earlier than
    ``purchase.ts - window`` and before the purchase in ``(ts, event_id)`` order count.
    """
    low, order = purchase.ts - window, (purchase.ts, purchase.event_id)
    by_product: dict[str, list[Event]] = {}
    for touch in touches:
        if low <= touch.ts and (touch.ts, touch.event_id) < order and touch.touched is not None:
            by_product.setdefault(touch.touched, []).append(touch)
    rows: list[Attribution] = []
    for product, value in purchase.products:
        found = by_product.get(product)
        for model, chosen in (
            ("last_touch", found[-1] if found else None),
            ("first_touch", found[0] if found else None),
        ):
            key = f"{purchase.event_id}|{product}|{model}"
            rows.append(
                Attribution(
                    str(uuid.uuid5(ATTRIBUTION_NAMESPACE, key)),
                    model,
                    purchase.user_id,
                    purchase.event_id,
                    purchase.ts,
                    product,
                    value,
                    None if chosen is None else chosen.event_id,
                    None if chosen is None else chosen.ts,
                    NO_SOURCE if chosen is None else source_of(chosen),
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Conversion:
    """Touches and last-touch conversions of one source on one UTC day."""

    day: int
    source: str
    touches: int
    conversions: int

    @property
    def rate(self) -> float | None:
        """Conversions per touch; None without touches."""
        return self.conversions / self.touches if self.touches else None


class Attributor:
    """Per-partition attribution state: recent touches per user, conversion counters.

    Fed with final events in order; keeps touches for ``window`` behind the newest one.
    """

    __slots__ = ("counters", "dirty", "order", "touches", "window")

    def __init__(self, window: int) -> None:
        self.window = window
        self.touches: dict[str, deque[Event]] = {}
        self.order: deque[Event] = deque()
        self.counters: dict[tuple[int, str], list[int]] = {}
        self.dirty: set[tuple[int, str]] = set()

    def _count(self, day: int, source: str, touches: int, conversions: int) -> None:
        key = (day, source)
        counter = self.counters.get(key)
        if counter is None:
            counter = self.counters[key] = [0, 0]
        counter[0] += touches
        counter[1] += conversions
        self.dirty.add(key)

    def feed(self, event: Event) -> list[Attribution]:
        """Take the next final event; returns attribution rows for a purchase."""
        order, low = self.order, event.ts - self.window
        while order and order[0].ts < low:
            old = order.popleft()
            user_touches = self.touches[old.user_id]
            user_touches.popleft()
            if not user_touches:
                del self.touches[old.user_id]
        if event.touched is not None:
            self.touches.setdefault(event.user_id, deque()).append(event)
            order.append(event)
            self._count(event.ts // DAY_US, source_of(event), 1, 0)
            return []
        if event.event_type != "purchase":
            return []
        rows = attribute(event, self.touches.get(event.user_id, ()), self.window)
        day = event.ts // DAY_US
        for row in rows:
            if row.model == "last_touch" and row.touch_event_id is not None:
                self._count(day, row.source, 0, 1)
        return rows

    def take_conversions(self) -> list[Conversion]:
        """The counters changed since the last call."""
        rows = [
            Conversion(day, source, *self.counters[(day, source)])
            for day, source in sorted(self.dirty)
        ]
        self.dirty.clear()
        return rows
