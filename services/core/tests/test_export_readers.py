"""Export lines of Segment, PostHog, Mixpanel and Amplitude, read as eventtide events.

The lines follow each vendor's documented export shape (Segment's archived message,
PostHog's batch export, Mixpanel's raw export, Amplitude's Export API).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from eventtide.core.events import CustomEvent, IdentifyEvent, PageViewEvent, PurchaseEvent
from eventtide.core.events.contracts import EXPORT_READERS, to_event
from eventtide.core.events.contracts.exports import utc_time

pytestmark = pytest.mark.unit

IMPORTED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _read(source: str, line: dict[str, Any]) -> list[Any]:
    return [to_event(mapped) for mapped in EXPORT_READERS[source](line, IMPORTED)]


def test_times_read_as_iso_naive_utc_or_epoch_seconds_and_milliseconds() -> None:
    at = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    for value in ("2024-03-01T10:00:00Z", "2024-03-01 10:00:00.000000", 1709287200,
                  1709287200000, "2024-03-01T11:00:00+01:00"):  # fmt: skip
        assert utc_time(value) == at, value
    for value in (None, "", "yesterday", True, float("inf")):
        assert utc_time(value) is None, value


def test_segment_archive_keeps_segments_corrected_timestamp() -> None:
    """An archived message's ``timestamp`` is already corrected: no second correction
    against ``sentAt`` (which would move the event by the client's send delay again)."""
    line = {
        "type": "track", "event": "Order Completed", "userId": "u-1", "anonymousId": "a-1",
        "messageId": "ajs-next-1", "originalTimestamp": "2024-03-01T10:00:05.000Z",
        "sentAt": "2024-03-01T10:00:07.000Z", "timestamp": "2024-03-01T10:00:00.000Z",
        "receivedAt": "2024-03-01T10:00:02.000Z",
        "properties": {"order_id": "o-1", "products": [{"product_id": "p-1", "price": 5,
                                                        "quantity": 2}]},
        "context": {"locale": "de-DE", "page": {"path": "/checkout"}},
    }  # fmt: skip
    (event,) = _read("segment", line)
    assert isinstance(event, PurchaseEvent)
    assert event.occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert event.received_at == datetime(2024, 3, 1, 10, 0, 2, tzinfo=UTC)
    assert (event.properties.amount, event.context.country) == (10.0, "DE")
    raw = {k: v for k, v in line.items() if k != "timestamp"}  # as the SDK sent it
    (live,) = _read("segment", raw)
    assert live.occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC), "corrected once"


def test_posthog_batch_export_with_properties_as_text_and_person_sets() -> None:
    line = {
        "uuid": "0190f2b6-2d2b-7c3a-9e1f-5b7c1d2e3f40", "event": "$identify",
        "distinct_id": "u-2", "timestamp": "2024-03-01 10:00:00.123000",
        "created_at": "2024-03-01 10:00:02", "team_id": 1,
        "properties": '{"$anon_distinct_id": "anon-2", "$os": "iOS"}',
        "set": '{"plan": "pro"}', "set_once": {"first_seen": "2024-01-01"},
    }  # fmt: skip
    (event,) = _read("posthog", line)
    assert isinstance(event, IdentifyEvent)
    assert str(event.event_id) == line["uuid"]
    assert event.occurred_at == datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert event.properties.anonymous_id == "anon-2"
    assert (event.properties.set, event.properties.set_once) == (
        {"plan": "pro"}, {"first_seen": "2024-01-01"},
    )  # fmt: skip
    assert event.context.platform == "ios"


def test_mixpanel_page_views_identity_merges_and_custom_events() -> None:
    page = {"event": "$mp_web_page_view", "properties": {
        "time": 1709287200, "distinct_id": "u-3", "$insert_id": "abc123", "$user_id": "u-3",
        "$device_id": "dev-3", "$current_url": "https://shop.example/p/1?x=1",
        "current_page_title": "Mug", "mp_country_code": "FR", "mp_lib": "web"}}  # fmt: skip
    view, link = _read("mixpanel", page)
    assert isinstance(view, PageViewEvent)
    assert (view.user_id, view.context.page, view.context.country) == ("u-3", "/p/1", "FR")
    assert view.properties.title == "Mug"
    assert isinstance(link, IdentifyEvent), "Simplified ID Merge: the device joins the user"
    assert (link.user_id, link.properties.anonymous_id) == ("u-3", "$device:dev-3")
    (_, again) = _read("mixpanel", {**page, "properties": {**page["properties"],
                                                          "$insert_id": "other"}})  # fmt: skip
    assert again.event_id == link.event_id, "one link per pair, whatever the event"

    identify = {"event": "$identify", "properties": {
        "time": 1709287300000, "distinct_id": "u-4", "$identified_id": "u-4",
        "$anon_id": "anon-4", "$insert_id": "i-2"}}  # fmt: skip
    (merged,) = _read("mixpanel", identify)
    assert isinstance(merged, IdentifyEvent)
    assert merged.occurred_at == datetime(2024, 3, 1, 10, 1, 40, tzinfo=UTC), "milliseconds"
    assert (merged.user_id, merged.properties.anonymous_id) == ("u-4", "anon-4")

    alias = {"event": "$create_alias", "properties": {
        "time": 1709287200, "distinct_id": "anon-5", "alias": "u-5"}}  # fmt: skip
    (aliased,) = _read("mixpanel", alias)
    assert (aliased.event_type, aliased.user_id) == ("alias", "u-5")
    assert aliased.properties.previous_id == "anon-5"

    custom = {
        "event": "Invite Sent",
        "properties": {
            "time": 1709287200,
            "distinct_id": "u-3",
            "role": "editor",
            "$os": "Android",
        },
    }
    (invite,) = _read("mixpanel", custom)
    assert isinstance(invite, CustomEvent)
    assert invite.properties["role"] == "editor"
    assert invite.context.platform == "android"
    assert invite.event_id == _read("mixpanel", custom)[0].event_id, "derived from the line"


def test_amplitude_export_page_views_identify_and_device_links() -> None:
    line = {
        "event_type": "[Amplitude] Page Viewed", "user_id": "u-6", "device_id": "d-6",
        "event_time": "2024-03-01 10:00:00.000000",
        "server_received_time": "2024-03-01 10:00:01.000000", "$insert_id": "i-6",
        "session_id": 1709287200000, "platform": "Web", "country": "United States",
        "city": "Boston", "device_type": "Apple iPhone",
        "event_properties": {"[Amplitude] Page Path": "/pricing",
                             "[Amplitude] Page Title": "Pricing"},
    }  # fmt: skip
    view, link = _read("amplitude", line)
    assert isinstance(view, PageViewEvent)
    assert (view.context.page, view.context.device, view.context.country) == (
        "/pricing", "mobile", "US",
    )  # fmt: skip
    assert view.session_id == "1709287200000"
    assert view.properties.extra["$amplitude"]["country"] == "United States", "name kept"
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("u-6", "d-6")

    anonymous = {**line, "user_id": None, "event_type": "Song Played", "session_id": -1,
                 "platform": "iOS", "event_properties": {"genre": "jazz"}}  # fmt: skip
    (played,) = _read("amplitude", anonymous)
    assert isinstance(played, CustomEvent)
    assert (played.user_id, played.session_id, played.context.platform) == ("d-6", "(none)", "ios")

    identify = {"event_type": "$identify", "user_id": "u-7", "device_id": "d-7",
                "event_time": "2024-03-01 10:00:00", "uuid": "3b7c3f0e-5a8e-4f7e-9b1e-9c0d1e2f3a4b",
                "user_properties": {"plan": "team"}}  # fmt: skip
    (traits,) = _read("amplitude", identify)  # it links the device itself: no second link
    assert isinstance(traits, IdentifyEvent)
    assert (traits.properties.set, traits.properties.anonymous_id) == ({"plan": "team"}, "d-7")


def test_amplitude_sdk_identify_operations_and_time_in_milliseconds() -> None:
    """What the SDKs send to /2/httpapi: ``time`` in epoch ms, user property operations."""
    from eventtide.core.events.contracts.amplitude import from_amplitude

    sent = {"event_type": "$identify", "user_id": "u-8", "device_id": "d-8", "time": 1709287200000,
            "insert_id": "5b1d3f0e-5a8e-4f7e-9b1e-9c0d1e2f3a4b",
            "user_properties": {"$set": {"plan": "pro"}, "$setOnce": {"source": "ad"},
                                "$add": {"logins": 1}}}  # fmt: skip
    event = to_event(from_amplitude(sent, received_at=IMPORTED))
    assert isinstance(event, IdentifyEvent)
    assert event.occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert (event.properties.set, event.properties.set_once) == ({"plan": "pro"}, {"source": "ad"})
    assert event.properties.anonymous_id == "d-8"


def test_amplitude_browser_sdk_event_keeps_its_agent_referrer_and_language_country() -> None:
    """The Browser SDK's envelope: ``user_agent``, ``language``, no ``country`` (Amplitude
    locates by IP), the previous page under ``[Amplitude] Previous Page Location``."""
    from eventtide.core.events.contracts.amplitude import from_amplitude

    agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
    sent = {"event_type": "Invite Sent", "device_id": "d-9", "time": 1709287200000,
            "platform": "Web", "language": "en-GB", "ip": "$remote", "user_agent": agent,
            "library": "amplitude-ts/2.48.1", "insert_id": "8a1d3f0e-5a8e-4f7e-9b1e-9c0d1e2f3a4b",
            "event_properties": {"role": "editor", "[Amplitude] Page Path": "/team",
                                 "[Amplitude] Previous Page Location": "https://a.example/"},
            }  # fmt: skip
    event = to_event(from_amplitude(sent, received_at=IMPORTED))
    assert isinstance(event, CustomEvent)
    context = event.context
    assert (context.page, context.referrer, context.country) == (
        "/team",
        "https://a.example/",
        "GB",
    )
    assert (context.user_agent, context.platform, context.device) == (agent, "web", "desktop")
    assert "user_agent" not in event.properties["$amplitude"], "kept once, in the context"
    assert event.properties["$amplitude"]["language"] == "en-GB"
    named = to_event(from_amplitude({**sent, "country": "FR"}, received_at=IMPORTED))
    assert named.context.country == "FR", "a country code wins over the language"
    first_visit = {"event_type": "$identify", "device_id": "d-9", "time": 1709287200000,
                   "insert_id": "9b1d3f0e-5a8e-4f7e-9b1e-9c0d1e2f3a4b",
                   "user_properties": {"$setOnce": {"initial_referrer": "EMPTY"}}}  # fmt: skip
    traits = to_event(from_amplitude(first_visit, received_at=IMPORTED))
    assert isinstance(traits, IdentifyEvent)
    # no user id yet: the device's own traits, which identify nobody (docs/events.md)
    assert (traits.user_id, traits.properties.anonymous_id) == ("d-9", "d-9")
