"""The processor's event record from event dicts: types stay strings, money in cents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventtide.processor.model import from_mapping, to_micros

pytestmark = pytest.mark.unit

CTX = {"platform": "ios", "device": "mobile", "country": "FR", "page": "/product/p-1"}


def data(event_type: str, properties: dict | None = None, **ctx) -> dict:
    return {
        "event_id": "0b7e8c3a-0000-4000-8000-000000000001",
        "event_type": event_type,
        "user_id": "u",
        "occurred_at": datetime(2025, 6, 1, 12, tzinfo=UTC),
        "context": {**CTX, **ctx},
        "properties": properties or {},
    }


def test_purchase_lines_and_amount_in_cents():
    e = from_mapping(
        data(
            "purchase",
            {
                "order_id": "o",
                "items": [{"product_id": "p-1", "price": 19.99, "quantity": 3}],
                "amount": 59.97,
                "currency": "USD",
            },
        )
    )
    assert (e.amount_cents, e.products, e.touched) == (5997, (("p-1", 5997),), None)


def test_custom_types_pass_with_their_name_and_can_be_failures():
    e = from_mapping(data("payment_failed"), failure_types=("payment_failed",))
    assert (e.event_type, e.failed) == ("payment_failed", True)
    assert not from_mapping(data("Onboarding Step Completed")).failed


def test_page_view_of_a_product_page_is_a_touch_and_failed_login_a_failure():
    assert from_mapping(data("page_view")).touched == "p-1"
    assert from_mapping(data("page_view", page="/category/x")).touched is None
    assert from_mapping(data("login", {"method": "email", "success": False})).failed


def test_time_in_microseconds_whatever_the_zone():
    assert to_micros("2025-06-01T14:00:00+02:00") == to_micros(datetime(2025, 6, 1, 12, tzinfo=UTC))
    with pytest.raises(ValueError, match="zone"):
        to_micros("2025-06-01T12:00:00")
