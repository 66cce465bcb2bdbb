"""GA4 Measurement Protocol requests as GA4's reference documents them, as events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from eventtide.core.events import (
    AddToCartEvent,
    CustomEvent,
    IdentifyEvent,
    PurchaseEvent,
    Rejection,
)
from eventtide.core.events.contracts import to_event
from eventtide.core.events.contracts.common import with_id
from eventtide.core.events.contracts.ga4_protocol import (
    from_ga4_protocol,
    link_event,
    protocol_messages,
    where,
)

pytestmark = pytest.mark.unit

RECEIVED = datetime(2026, 12, 6, 12, 5, tzinfo=UTC)
ITEMS = [{"item_id": "SKU_1", "price": 12.5, "quantity": 2},
         {"item_id": "SKU_2", "price": 5.0, "quantity": 1}]  # fmt: skip
REQUEST = {
    "client_id": "123.456",
    "user_id": "u-1",
    "timestamp_micros": "1796558400000000",
    "user_properties": {"plan": {"value": "pro"}},
    "user_data": {"sha256_email_address": ["abc"]},
    "user_location": {"country_id": "FR"},
    "events": [
        {"name": "add_to_cart", "params": {"currency": "EUR", "items": ITEMS}},
        {"name": "purchase", "params": {"transaction_id": "T-1", "items": ITEMS,
                                        "session_id": "s-9", "page_location": "https://a.b/c"},
         "timestamp_micros": "1796558460000000"},
        {"name": "level_up", "params": {"level": 4}},
    ],
}  # fmt: skip


def _event(message: dict[str, Any]) -> Any:
    import uuid

    return to_event(with_id(from_ga4_protocol(message, received_at=RECEIVED), uuid.uuid4()))


def test_a_request_is_one_message_per_event_and_item_then_the_traits() -> None:
    messages = protocol_messages(REQUEST)
    assert [where(m) for m in messages] == [
        "events[0]", "events[0]", "events[1]", "events[2]", "user_properties",
    ]  # fmt: skip
    first, second, order, level, traits = (_event(m) for m in messages)
    assert isinstance(first, AddToCartEvent)
    assert isinstance(second, AddToCartEvent)
    assert [(e.properties.product_id, e.properties.currency) for e in (first, second)] == [
        ("SKU_1", "EUR"), ("SKU_2", "EUR"),
    ]  # fmt: skip
    assert first.occurred_at == datetime(2026, 12, 6, 12, 0, tzinfo=UTC), "the request's time"
    assert first.context.country == "FR"
    assert first.context.platform == "web", "a client_id is a web stream's"
    assert isinstance(order, PurchaseEvent)
    assert order.occurred_at == datetime(2026, 12, 6, 12, 1, tzinfo=UTC), "the event's own time"
    assert (order.properties.order_id, order.properties.amount) == ("T-1", 30.0)
    assert (order.session_id, order.context.page) == ("s-9", "/c")
    assert "sha256_email_address" not in str(order.model_dump()), "personal data not kept"
    assert isinstance(level, CustomEvent)
    assert level.properties["level"] == 4
    assert level.occurred_at == datetime(2026, 12, 6, 12, 0, 0, 2, tzinfo=UTC), (
        "the request's time, kept in order: the third event two microseconds on"
    )
    assert isinstance(traits, IdentifyEvent)
    assert (traits.user_id, traits.properties.set) == ("u-1", {"plan": "pro"})
    assert traits.properties.anonymous_id == "u-1", "traits identify nobody"


def test_the_client_id_and_the_user_id_are_linked_once_per_pair() -> None:
    (message, *_) = protocol_messages(REQUEST)
    made = link_event(message)
    assert made is not None
    pair, link_message = made
    assert pair == ("123.456", "u-1")
    assert link_message is not None
    link = to_event(from_ga4_protocol(link_message, received_at=RECEIVED))
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("u-1", "123.456")
    again = to_event(from_ga4_protocol(link_message, received_at=RECEIVED))
    assert again.event_id == link.event_id, "its id derives from the pair"
    anonymous = protocol_messages({"app_instance_id": "i-1", "events": [{"name": "x"}]})
    assert link_event(anonymous[0]) is None, "no user id: nothing to link"
    assert _event(anonymous[0]).context.platform == "server", "an app's platform is not sent"


def test_an_event_without_a_name_is_refused() -> None:
    (message,) = protocol_messages({"client_id": "c", "events": [{"params": {"a": 1}}]})
    refused = _event(message)
    assert isinstance(refused, Rejection)
    assert refused.field == "event_type"


@pytest.mark.parametrize("position", [10**20, -1, "2"])
def test_a_place_a_client_sends_under_the_doors_name_moves_no_time(position: object) -> None:
    """``$position`` orders a Google tag's batch; sent by a client in a Measurement
    Protocol event, it is no batch's place (10**20 microseconds raised OverflowError,
    a 500)."""
    request = {"client_id": "c", "timestamp_micros": REQUEST["timestamp_micros"],
               "events": [{"name": "level_up", "params": {}, "$position": position}]}  # fmt: skip
    (message,) = protocol_messages(request)
    assert _event(message).occurred_at == datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
