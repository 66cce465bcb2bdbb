"""What the real Segment, RudderStack, PostHog and Snowplow SDKs send, mapped onto
eventtide events.

The SDKs run unmodified against a loopback server that records their requests; the
mapping is then checked message by message against the table in docs/ingestion.md.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sdk_capture import capture_server

from eventtide.core.events import (
    AddToCartEvent,
    AliasEvent,
    CustomEvent,
    IdentifyEvent,
    PageViewEvent,
    PurchaseEvent,
    Rejection,
    SearchEvent,
)
from eventtide.core.events.contracts import from_posthog, from_segment, from_snowplow, to_event
from eventtide.core.events.contracts.common import occurred_at
from eventtide.core.identity import link_from_event, resolve

pytestmark = pytest.mark.unit

ORDER = {
    "order_id": "o-1",
    "total": 27.5,
    "revenue": 25.0,
    "shipping": 2.5,
    "currency": "eur",
    "products": [
        {"product_id": "p-1", "price": 10.0, "quantity": 2, "name": "Mug"},
        {"product_id": "p-2", "price": 5.0, "name": "Card"},
    ],
}


SEGMENT_PROTOCOL_CLIENTS = {
    "segment": "segment.analytics.client",
    # a fork of Segment's Python SDK: the same calls, identify's traits as context.traits
    "rudderstack": "rudderstack.analytics.client",
}


def _segment_messages(sdk: str) -> tuple[list[tuple[dict[str, Any], Any]], dict[str, str]]:
    """Each message with its batch's ``sentAt``, and the last request's headers."""
    Client = importlib.import_module(SEGMENT_PROTOCOL_CLIENTS[sdk]).Client  # noqa: N806

    with capture_server() as captured:
        client = Client(write_key="wk-test", host=captured.url, sync_mode=True)
        client.page(
            anonymous_id="anon-1", name="Home", properties={"path": "/home", "title": "Home"},
            context={"locale": "de-DE", "page": {"referrer": "https://search.example/"}},
        )  # fmt: skip
        client.track(anonymous_id="anon-1", event="Products Searched", properties={"query": "mug"})
        client.track(
            anonymous_id="anon-1", event="Product Added",
            properties={"product_id": "p-1", "price": 10.0, "quantity": 2, "brand": "Acme"},
        )  # fmt: skip
        client.identify(user_id="alice", anonymous_id="anon-1", traits={"plan": "pro"})
        client.track(user_id="alice", event="Order Completed", properties=ORDER)
        client.track(user_id="alice", event="Invite Sent", properties={"role": "editor"})
        client.track(user_id="alice", event="Order Completed", properties={"order_id": "o-2"})
        client.alias(previous_id="alice", user_id="alice-2")
        client.flush()
    messages = [(m, body.get("sentAt")) for _, _, body in captured.requests for m in body["batch"]]
    path, headers, _ = captured.requests[-1]
    assert path == "/v1/batch"
    return messages, headers


@pytest.mark.parametrize("sdk", SEGMENT_PROTOCOL_CLIENTS)
def test_segment_protocol_sdk_messages_map_as_the_table_says(sdk: str) -> None:
    messages, headers = _segment_messages(sdk)
    assert headers["Authorization"].startswith("Basic "), "the write key goes as HTTP Basic"
    start = datetime.now(UTC)  # one request per call (sync mode), received a second apart
    events = [
        to_event(from_segment(m, received_at=start + timedelta(seconds=n), sent_at=sent_at))
        for n, (m, sent_at) in enumerate(messages)
    ]
    assert not [e for e in events if isinstance(e, Rejection)], events
    page, search, added, identify, order, invite, bare_order, alias = events
    assert isinstance(page, PageViewEvent)
    assert (page.context.page, page.context.country, page.properties.title) == (
        "/home",
        "DE",
        "Home",
    )
    assert page.context.referrer == "https://search.example/"
    assert isinstance(search, SearchEvent)
    assert search.properties.query == "mug"
    assert isinstance(added, AddToCartEvent)
    assert (added.properties.quantity, added.properties.currency) == (2, "USD")
    assert added.properties.extra == {"brand": "Acme"}, "what the typed event lacks is kept"
    assert isinstance(identify, IdentifyEvent)
    assert (identify.user_id, identify.properties.anonymous_id) == ("alice", "anon-1")
    assert identify.properties.set == {"plan": "pro"}
    assert isinstance(order, PurchaseEvent)
    assert [(i.product_id, i.quantity) for i in order.properties.items] == [("p-1", 2), ("p-2", 1)]
    assert (order.properties.amount, order.properties.currency) == (25.0, "EUR")
    assert order.properties.extra == {"total": 27.5, "revenue": 25.0, "shipping": 2.5}
    assert isinstance(invite, CustomEvent)
    assert invite.event_type == "Invite Sent"
    assert isinstance(bare_order, CustomEvent), "an order without products stays, as custom"
    assert bare_order.event_type == "Order Completed"
    assert isinstance(alias, AliasEvent)
    assert (alias.user_id, alias.properties.previous_id) == ("alice-2", "alice")
    assert all(e.event_id for e in events)
    assert len({e.event_id for e in events}) == len(events)

    persons = resolve(
        link
        for e in events
        if (link := link_from_event(e.event_type, e.user_id, _props(e), e.occurred_at, e.event_id))
    )
    assert {persons.person(e.user_id) for e in events} == {"alice"}, "one person end to end"


def test_a_retried_segment_message_keeps_its_event_id() -> None:
    message = {"type": "track", "event": "X", "userId": "u", "messageId": "ajs-next-17a1"}
    now = datetime.now(UTC)
    first = to_event(from_segment(message, received_at=now))
    again = to_event(from_segment(message, received_at=now + timedelta(seconds=30)))
    assert not isinstance(first, Rejection)
    assert not isinstance(again, Rejection)
    assert first.event_id == again.event_id


def test_posthog_sdk_messages_map_as_the_table_says() -> None:
    from posthog import Posthog

    with capture_server() as captured:
        client = Posthog("phc_test", host=captured.url, sync_mode=True)
        client.capture(
            "$pageview", distinct_id="anon-9",
            properties={"$current_url": "https://shop.example/p/1?x=1", "$session_id": "s-9"},
        )  # fmt: skip
        client.capture(
            "Product Added", distinct_id="anon-9", properties={"product_id": "p-1", "price": 3.0}
        )
        client.capture("$identify", distinct_id="bob", properties={"$anon_distinct_id": "anon-9"})
        client.set(distinct_id="bob", properties={"plan": "team"})
        client.capture("Onboarding Step Completed", distinct_id="bob", properties={"step": 2})
        client.alias(previous_id="bob", distinct_id="bob@example.com")
        client.flush()
    bodies = [body for _, _, body in captured.requests]
    assert all(body["api_key"] == "phc_test" for body in bodies), "the token is in the body"
    assert {path for path, _, _ in captured.requests} == {"/batch/"}
    start = datetime.now(UTC)  # one request per call (sync mode), received a second apart
    events = [
        to_event(
            from_posthog(m, received_at=start + timedelta(seconds=n), sent_at=body.get("sent_at"))
        )
        for n, body in enumerate(bodies)
        for m in body["batch"]
    ]
    assert not [e for e in events if isinstance(e, Rejection)], events
    page, added, identify, traits, onboarding, alias = events
    assert isinstance(page, PageViewEvent)
    assert (page.context.page, page.context.platform, page.session_id) == ("/p/1", "web", "s-9")
    assert isinstance(added, AddToCartEvent)
    assert added.properties.extra
    assert "$lib" in added.properties.extra, "PostHog's own properties are kept in extra"
    assert isinstance(identify, IdentifyEvent)
    assert identify.properties.anonymous_id == "anon-9"
    assert isinstance(traits, IdentifyEvent)
    assert traits.properties.set["plan"] == "team"
    assert isinstance(onboarding, CustomEvent)
    assert onboarding.properties["step"] == 2
    assert isinstance(alias, AliasEvent)
    assert (alias.user_id, alias.properties.previous_id) == ("bob@example.com", "bob")
    persons = resolve(
        link
        for e in events
        if (link := link_from_event(e.event_type, e.user_id, _props(e), e.occurred_at, e.event_id))
    )
    assert {persons.person(e.user_id) for e in events} == {"bob"}


def _props(event: Any) -> dict[str, Any]:
    props = event.properties
    return props if isinstance(props, dict) else props.model_dump()


def test_clock_skew_is_removed_with_sent_at() -> None:
    received = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    # The client's clock is an hour fast: it stamped the event 10 s before sending.
    corrected = occurred_at("2025-06-01T13:00:00+00:00", "2025-06-01T13:00:10+00:00", received)
    assert corrected == received - timedelta(seconds=10)
    assert occurred_at(None, None, received) == received
    assert occurred_at("yesterday", None, received) == "yesterday", "judged by validation"


def test_the_project_token_posthog_js_repeats_in_properties_is_not_kept() -> None:
    message = {
        "event": "Invite Sent",
        "distinct_id": "u-1",
        "uuid": str(uuid.uuid4()),
        "properties": {"role": "editor", "token": "et_secret", "api_key": "et_secret"},
    }
    mapped = from_posthog(message, received_at=datetime.now(UTC))
    assert mapped.custom["properties"] == {"role": "editor"}
    added = dict(message, event="Product Added", properties={**message["properties"], "price": 1})
    typed = from_posthog(added, received_at=datetime.now(UTC)).typed
    assert typed is not None
    assert "et_secret" not in str(typed)


def test_snowplow_tracker_events_map_as_the_table_says() -> None:
    from snowplow_tracker import (
        Emitter,
        PageView,
        SelfDescribing,
        SelfDescribingJson,
        StructuredEvent,
        Subject,
        Tracker,
    )

    ecommerce = "iglu:com.snowplowanalytics.snowplow.ecommerce"
    product = SelfDescribingJson(
        f"{ecommerce}/product/jsonschema/1-0-0",
        {"id": "p-1", "name": "Mug", "category": "home", "price": 12.5, "currency": "EUR",
         "quantity": 2},
    )  # fmt: skip
    with capture_server() as captured:
        emitter = Emitter(captured.url.removeprefix("http://") + "/snowplow/et_k", protocol="http")
        subject = Subject().set_user_id("carol").set_domain_user_id("d-1").set_lang("de-DE")
        tracker = Tracker(
            "ns", emitters=emitter, subject=subject.set_platform("web"), app_id="shop"
        )
        tracker.track(PageView(page_url="https://shop.example/p/1?x=1", page_title="Mug"))
        tracker.track(StructuredEvent(category="video", action="play", label="intro", value=3))
        action = f"{ecommerce}/snowplow_ecommerce_action/jsonschema/1-0-2"
        tracker.track(
            SelfDescribing(SelfDescribingJson(action, {"type": "add_to_cart"}), context=[product])
        )
        transaction = SelfDescribingJson(
            f"{ecommerce}/transaction/jsonschema/1-0-0",
            {"transaction_id": "o-1", "revenue": 25, "currency": "EUR", "payment_method": "card",
             "total_quantity": 2},
        )  # fmt: skip
        tracker.track(
            SelfDescribing(
                SelfDescribingJson(action, {"type": "transaction"}), context=[product, transaction]
            )
        )
        invite = SelfDescribingJson("iglu:com.acme/invite_sent/jsonschema/1-0-0", {"role": "ed"})
        tracker.track(SelfDescribing(invite))
        tracker.flush(is_async=False)
    paths = {path for path, _, _ in captured.requests}
    assert paths == {"/snowplow/et_k/com.snowplowanalytics.snowplow/tp2"}
    bodies = [body for _, _, body in captured.requests]
    assert all(
        b["schema"].startswith("iglu:com.snowplowanalytics.snowplow/payload_data/") for b in bodies
    )
    received = datetime.now(UTC)
    events = [to_event(from_snowplow(m, received_at=received)) for b in bodies for m in b["data"]]
    assert not [e for e in events if isinstance(e, Rejection)], events
    page, played, added, bought, invited = events
    assert isinstance(page, PageViewEvent)
    assert (page.user_id, page.context.page, page.context.country) == ("carol", "/p/1", "DE")
    assert page.properties.title == "Mug"
    assert page.properties.extra["$snowplow"]["aid"] == "shop", "unmapped fields are kept"
    assert isinstance(played, CustomEvent)
    assert played.event_type == "play"
    assert played.properties["category"] == "video"
    assert played.properties["value"] == 3
    assert isinstance(added, AddToCartEvent)
    assert (added.properties.product_id, added.properties.quantity) == ("p-1", 2)
    assert added.properties.currency == "EUR"
    assert isinstance(bought, PurchaseEvent)
    assert (bought.properties.order_id, bought.properties.amount) == ("o-1", 25.0)
    assert isinstance(invited, CustomEvent)
    assert invited.event_type == "invite_sent"
    assert invited.properties["role"] == "ed"
    assert all(e.occurred_at <= received for e in events)
    assert len({e.event_id for e in events}) == 5


def test_an_anonymous_visitors_traits_do_not_stop_their_sign_in_from_merging() -> None:
    """Traits set before sign-in (Segment's identify without a userId, PostHog's
    ``$set`` under the anonymous id) identify nobody, so the sign-in merges the visitor."""
    received = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    sent = [
        from_segment({"type": "identify", "anonymousId": "anon-3", "traits": {"source": "ad"},
                      "messageId": "m-1", "timestamp": "2025-06-01T11:00:00Z"},
                     received_at=received),
        from_segment({"type": "identify", "userId": "cleo", "anonymousId": "anon-3",
                      "messageId": "m-2", "timestamp": "2025-06-01T11:05:00Z"},
                     received_at=received),
        from_posthog({"event": "$set", "distinct_id": "anon-4", "uuid": str(uuid.uuid4()),
                      "properties": {"$set": {"source": "ad"}},
                      "timestamp": "2025-06-01T11:00:00Z"}, received_at=received),
        from_posthog({"event": "$identify", "distinct_id": "dora", "uuid": str(uuid.uuid4()),
                      "properties": {"$anon_distinct_id": "anon-4"},
                      "timestamp": "2025-06-01T11:05:00Z"}, received_at=received),
    ]  # fmt: skip
    events = [to_event(mapped) for mapped in sent]
    assert all(isinstance(e, IdentifyEvent) for e in events), events
    anonymous_traits = [e for e in events if isinstance(e, IdentifyEvent)][::2]
    assert [(e.user_id, e.properties.anonymous_id) for e in anonymous_traits] == [
        ("anon-3", "anon-3"), ("anon-4", "anon-4"),
    ]  # fmt: skip
    persons = resolve(
        link
        for e in events
        if (link := link_from_event(e.event_type, e.user_id, _props(e), e.occurred_at, e.event_id))
    )
    assert (persons.person("anon-3"), persons.person("anon-4")) == ("cleo", "dora")
    assert persons.conflicts == ()
