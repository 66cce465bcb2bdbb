"""No message an SDK (or anything else) sends to a door makes its mapping raise: every
one becomes an event or a refusal, which the API answers as each tool's API would,
instead of an error of its own.

The messages are built from each protocol's field names with any JSON values, nested as
the protocol nests them, with any batch ``sentAt``; a door's identity link, where it
derives one, is mapped too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_strategies import SCALARS, records

from eventtide.core.events import Rejection
from eventtide.core.events.contracts import (
    Mapped,
    amplitude,
    from_posthog,
    from_segment,
    ga4_protocol,
    matomo,
    mixpanel,
    snowplow,
    to_event,
)
from eventtide.core.events.contracts.ga4_gtag import gtag_requests
from eventtide.core.events.envelope import Envelope

pytestmark = [pytest.mark.unit, pytest.mark.no_cover]  # hypothesis under the tracer: twice as long

RECEIVED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
Mapping_ = Callable[..., Mapped]
LinkOf = Callable[[Any], Any]

DOORS: dict[str, tuple[Mapping_, LinkOf | None, tuple[str, ...]]] = {
    "segment": (from_segment, None, (
        "type", "userId", "anonymousId", "event", "properties", "traits", "context",
        "timestamp", "originalTimestamp", "sentAt", "messageId", "previousId", "groupId",
        "name", "products", "page", "os", "device", "library", "locale", "url", "path",
        "price", "quantity", "product_id", "order_id", "revenue", "currency")),
    "posthog": (from_posthog, None, (
        "event", "distinct_id", "uuid", "timestamp", "properties", "$set", "$set_once",
        "$anon_distinct_id", "$current_url", "$pathname", "$os", "$device_type", "$lib",
        "$session_id", "$screen_name", "alias", "token", "api_key", "$browser_language")),
    "snowplow": (snowplow.from_snowplow, snowplow.link_event, (
        "e", "eid", "uid", "duid", "nuid", "sid", "url", "refr", "page", "dtm", "stm",
        "ttm", "p", "lang", "ue_pr", "ue_px", "co", "cx", "se_ca", "se_ac", "se_la",
        "se_pr", "se_va", "tr_id", "tr_tt", "tr_cu", "ti_id", "ti_sk", "ti_pr", "ti_qu",
        "schema", "data", "aid", "tz", "ua")),
    "amplitude": (amplitude.from_amplitude, amplitude.link_event, (
        "event_type", "user_id", "device_id", "time", "session_id", "insert_id",
        "event_properties", "user_properties", "platform", "os_name", "country",
        "language", "price", "quantity", "revenue", "productId", "$set", "$setOnce")),
    "mixpanel": (mixpanel.from_mixpanel, mixpanel.link_event, (
        "event", "properties", "time", "distinct_id", "$insert_id", "$anon_id",
        "$identified_id", "$user_id", "$device_id", "$distinct_ids", "alias",
        "$current_url", "$os", "mp_lib", "token", "$set", "$set_once", "$distinct_id")),
    "matomo": (matomo.from_matomo, matomo.link_event, (
        "idsite", "rec", "_id", "cid", "uid", "url", "urlref", "action_name", "cdt", "lang",
        "country", "ua", "idgoal", "ec_id", "ec_items", "revenue", "e_c", "e_a", "e_n", "e_v",
        "search", "search_cat", "search_count", "link", "download", "c_n", "c_p", "c_i",
        "dimension1", "$position", "ping")),
    "mixpanel-engage": (mixpanel.from_mixpanel_profile, None, (
        "$distinct_id", "$set", "$set_once", "$token", "$time", "$ip", "$unset")),
    "mixpanel-groups": (mixpanel.from_mixpanel_group, None, (
        "$group_key", "$group_id", "$set", "$set_once", "$token", "$time", "$remove")),
}  # fmt: skip
"""Each door's mapping, its identity link (if it derives one) and its protocol's fields."""

GA4_FIELDS = ("client_id", "app_instance_id", "user_id", "timestamp_micros",
              "user_properties", "device", "user_location", "events", "name", "params",
              "items", "item_id", "price", "quantity", "currency", "transaction_id",
              "session_id", "page_location", "value", "category", "country_id",
              "$position")  # fmt: skip


def _mapped_events(mapped: Mapped) -> None:
    assert isinstance(to_event(mapped), Envelope | Rejection)


@pytest.mark.parametrize("door", sorted(DOORS))
def test_every_message_a_door_receives_maps_to_an_event_or_a_refusal(door: str) -> None:
    mapping, link_of, names = DOORS[door]

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records(names), SCALARS)
    def check(message: dict[str, Any], sent_at: object) -> None:
        _mapped_events(mapping(message, received_at=RECEIVED, sent_at=sent_at))
        link = link_of(message) if link_of is not None else None
        if link is not None and link[1] is not None:
            _mapped_events(mapping(link[1], received_at=RECEIVED, sent_at=sent_at))

    check()


def test_every_measurement_protocol_request_maps_to_events_or_refusals() -> None:
    """A GA4 request is split into messages first; each, and its link, is mapped."""

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records(GA4_FIELDS), st.lists(records(GA4_FIELDS), max_size=3), st.booleans())
    def check(request: dict[str, Any], events: list[dict[str, Any]], listed: bool) -> None:
        body = {**request, "events": events} if listed else request
        for message in ga4_protocol.protocol_messages(body):
            _mapped_events(ga4_protocol.from_ga4_protocol(message, received_at=RECEIVED))
            link = ga4_protocol.link_event(message)
            if link is not None and link[1] is not None:
                _mapped_events(ga4_protocol.from_ga4_protocol(link[1], received_at=RECEIVED))

    check()


TAG_KEYS = ("v", "tid", "cid", "uid", "en", "ul", "sr", "sid", "dl", "dt", "dr", "cu", "_et",
            "_p", "_s", "ep.value", "epn.value", "ep.transaction_id", "up.plan", "upn.plan",
            "pr1", "pr2", "pr200", "pr", "ep.", "epn.items")  # fmt: skip
ITEM_PARTS = st.sampled_from(("id", "nm", "pr", "qt", "ds", "lp", "k0", "v0", "k12", "zz", ""))


def test_every_google_tag_request_maps_to_events_or_refusals() -> None:
    """A tag's query string and body lines, of its parameter names with any text values
    (items as ``~``-joined fields), read as requests, each message mapped."""
    values = st.one_of(
        st.text(max_size=12),
        st.lists(st.tuples(ITEM_PARTS, st.text(max_size=6)), max_size=4).map(
            lambda parts: "~".join(name + value for name, value in parts)
        ),
    )
    hits = st.dictionaries(st.sampled_from(TAG_KEYS), values, max_size=8)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(hits, st.lists(hits, max_size=3), st.text(max_size=20))
    def check(query: dict[str, str], lines: list[dict[str, str]], noise: str) -> None:
        body = "\n".join([*(urlencode(line) for line in lines), noise])
        for request in gtag_requests(urlencode(query), body):
            for message in ga4_protocol.protocol_messages(request):
                _mapped_events(ga4_protocol.from_ga4_protocol(message, received_at=RECEIVED))

    check()
