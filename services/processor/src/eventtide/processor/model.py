"""The processor's view of an event: the fields its rules read, as one small record.

Event types stay strings (custom event types from clients must flow through every rule
that names a type), times are integer microseconds (exact, hashable, cheap to compare)
and money is integer cents, so that sums do not depend on the order of addition and the
streaming results can equal a batch recomputation exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

PRODUCT_PREFIX: Final = "/product/"


@dataclass(frozen=True, slots=True)
class Event:
    """One accepted input event, reduced to what the processor uses."""

    event_id: str
    event_type: str
    user_id: str
    ts: int
    page: str
    country: str
    platform: str
    referrer: str | None = None
    amount_cents: int = 0
    products: tuple[tuple[str, int], ...] = ()
    """Purchase lines as (product_id, value in cents); add_to_cart's product, one line."""
    touched: str | None = None
    """The product a page_view or click touched (docs/processor.md, Attribution)."""
    failed: bool = False
    """A failed login or a configured failure event type."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A record of the input that is no event the processor can read (the storage
    consumer dead-letters it); ``at`` is its Kafka timestamp in µs, or None."""

    at: int | None


def to_micros(value: datetime | str) -> int:
    """Event time as integer microseconds since the epoch (UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ValueError("event time without a time zone")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _cents(value: float) -> int:
    return round(value * 100)


def _product_of(path: str | None) -> str | None:
    if path is None:
        return None
    at = path.find(PRODUCT_PREFIX)
    if at < 0:
        return None
    rest = path[at + len(PRODUCT_PREFIX) :]
    end = len(rest)
    for stop in "/?#":
        cut = rest.find(stop)
        if 0 <= cut < end:
            end = cut
    return rest[:end] or None


def from_mapping(data: Mapping[str, Any], failure_types: tuple[str, ...] = ()) -> Event:
    """Reduce an event as a dict (the wire JSON decoded, or the generator's dicts).

    The input was validated upstream; unknown event types pass with their name.
    """
    event_type: str = data["event_type"]
    context: Mapping[str, Any] = data["context"]
    props: Mapping[str, Any] = data.get("properties") or {}
    page: str = context["page"]
    amount = 0
    products: tuple[tuple[str, int], ...] = ()
    touched = None
    failed = event_type in failure_types
    if event_type == "purchase":
        amount = _cents(props["amount"])
        products = tuple(
            (item["product_id"], _cents(item["price"] * item["quantity"]))
            for item in props["items"]
        )
    elif event_type == "add_to_cart":
        products = ((props["product_id"], _cents(props["price"] * props["quantity"])),)
    elif event_type == "page_view":
        touched = _product_of(page if page.startswith(PRODUCT_PREFIX) else None)
    elif event_type == "click":
        touched = _product_of(page if page.startswith(PRODUCT_PREFIX) else None)
        if touched is None:
            touched = _product_of(props.get("target_url"))
    elif event_type == "login":
        failed = props.get("success", True) is False
    return Event(
        event_id=str(data["event_id"]),
        event_type=event_type,
        user_id=data["user_id"],
        ts=to_micros(data["occurred_at"]),
        page=page,
        country=context["country"],
        platform=context["platform"],
        referrer=context.get("referrer"),
        amount_cents=amount,
        products=products,
        touched=touched,
        failed=failed,
    )
