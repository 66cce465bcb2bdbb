"""Snowplow tracker-protocol fields on plain dicts: time, user, kinds, entities."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from eventtide.core.events import CustomEvent, IdentifyEvent, PageViewEvent, Rejection
from eventtide.core.events.contracts import from_snowplow, to_event

pytestmark = pytest.mark.unit

RECEIVED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def _event(**fields: str) -> object:
    base = {"e": "pv", "eid": str(uuid.uuid4()), "duid": "d-1", "p": "web",
            "url": "https://shop.example/a?b=1"}  # fmt: skip
    return to_event(from_snowplow({**base, **fields}, received_at=RECEIVED))


def _b64url(document: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(document)).decode().rstrip("=")


def test_event_time_is_snowplows_derived_timestamp_or_the_true_one() -> None:
    created = RECEIVED - timedelta(minutes=5)  # by a device clock 2 minutes slow
    skewed = _event(dtm=_ms(created), stm=_ms(created + timedelta(seconds=3)))
    assert isinstance(skewed, PageViewEvent)
    assert skewed.occurred_at == RECEIVED - timedelta(seconds=3)
    true = _event(ttm=_ms(created), dtm=_ms(RECEIVED), stm=_ms(RECEIVED))
    assert isinstance(true, PageViewEvent)
    assert true.occurred_at == created
    unsent = _event(dtm=_ms(created))
    assert isinstance(unsent, PageViewEvent)
    assert unsent.occurred_at == created
    # a tracker that truncates stm to the second sends it before dtm: never later than receipt
    truncated = _event(
        dtm=_ms(RECEIVED - timedelta(milliseconds=400)), stm=_ms(RECEIVED - timedelta(seconds=1))
    )
    assert isinstance(truncated, PageViewEvent)
    assert truncated.occurred_at == RECEIVED
    assert isinstance(_event(), PageViewEvent)


def test_the_user_is_uid_else_the_cookie_ids_and_none_is_refused() -> None:
    assert getattr(_event(uid="carol"), "user_id", None) == "carol"
    assert getattr(_event(), "user_id", None) == "d-1"
    nuid = to_event(
        from_snowplow({"e": "pv", "nuid": "n-1", "eid": str(uuid.uuid4())}, received_at=RECEIVED)
    )
    assert getattr(nuid, "user_id", None) == "n-1"
    nobody = to_event(from_snowplow({"e": "pv", "eid": str(uuid.uuid4())}, received_at=RECEIVED))
    assert isinstance(nobody, Rejection)
    assert nobody.field == "user_id"


def test_self_describing_events_are_named_by_their_schema_padded_or_not() -> None:
    inner = {"schema": "iglu:com.acme/invite_sent/jsonschema/1-0-0", "data": {"role": "ed"}}
    wrapper = {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
               "data": inner}  # fmt: skip
    for fields in ({"ue_px": _b64url(wrapper)}, {"ue_pr": orjson.dumps(wrapper).decode()}):
        event = _event(e="ue", **fields)
        assert isinstance(event, CustomEvent)
        assert event.event_type == "invite_sent"
        assert event.properties["role"] == "ed"
        assert event.properties["$schema"] == inner["schema"]
    unreadable = _event(e="ue", ue_px="%%%")
    assert isinstance(unreadable, CustomEvent)
    assert unreadable.properties["$unreadable"] == {"ue_px": "%%%"}, "kept as sent"


def test_a_link_click_page_ping_and_legacy_transaction() -> None:
    click = {"schema": "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
             "data": {"targetUrl": "https://x.example/", "elementId": "buy"}}  # fmt: skip
    wrapped = {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
               "data": click}  # fmt: skip
    clicked = _event(e="ue", ue_px=_b64url(wrapped))
    assert clicked.event_type == "click"  # type: ignore[union-attr]
    ping = _event(e="pp", pp_mix="0", pp_max="10", pp_miy="5", pp_may="800")
    assert isinstance(ping, CustomEvent)
    assert ping.event_type == "page_ping"
    assert ping.properties["max_y_offset"] == 800
    order = _event(e="tr", tr_id="o-9", tr_tt="30.5", tr_cu="EUR")
    assert isinstance(order, CustomEvent), "a purchase needs items, sent apart as ti events"
    assert (order.event_type, order.properties["revenue"]) == ("transaction", 30.5)
    item = _event(e="ti", ti_id="o-9", ti_sk="p-1", ti_pr="10", ti_qu="3")
    assert isinstance(item, CustomEvent)
    assert (item.event_type, item.properties["quantity"]) == ("transaction_item", 3)


def test_platform_and_device_from_p_the_mobile_context_and_the_agent() -> None:
    vendor = "iglu:com.snowplowanalytics.snowplow"
    device = {"osType": "ios", "osVersion": "18"}
    entity = {"schema": f"{vendor}/mobile_context/jsonschema/1-0-3", "data": device}
    mobile = {"schema": f"{vendor}/contexts/jsonschema/1-0-1", "data": [entity]}
    app = _event(p="mob", cx=_b64url(mobile))
    assert (app.context.platform, app.context.device) == ("ios", "mobile")  # type: ignore[union-attr]
    phone = _event(ua="Mozilla/5.0 (Linux; Android 14) Mobile Safari")
    assert (phone.context.platform, phone.context.device) == ("web", "mobile")  # type: ignore[union-attr]
    server = _event(p="srv", url="")
    assert (server.context.platform, server.context.page) == ("server", "(none)")  # type: ignore[union-attr]


def test_eventtides_identify_schema_links_ids_and_sets_traits() -> None:
    inner = {"schema": "iglu:io.eventtide/identify/jsonschema/1-0-0",
             "data": {"anonymous_id": "device-7", "traits": {"plan": "pro"}}}  # fmt: skip
    wrapper = {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
               "data": inner}  # fmt: skip
    event = _event(e="ue", uid="carol", ue_px=_b64url(wrapper))
    assert isinstance(event, IdentifyEvent), event
    assert (event.user_id, event.properties.anonymous_id) == ("carol", "device-7")
    assert event.properties.set == {"plan": "pro"}
    inner["data"] = {}
    by_cookie = _event(e="ue", uid="carol", duid="d-1", ue_px=_b64url(wrapper))
    assert isinstance(by_cookie, IdentifyEvent)
    assert by_cookie.properties.anonymous_id == "d-1", "the event's cookie id by default"
    before_sign_in = _event(e="ue", duid="d-1", ue_px=_b64url(wrapper))
    assert isinstance(before_sign_in, IdentifyEvent)
    # no uid yet: the cookie id's own traits, which identify nobody (docs/events.md)
    assert (before_sign_in.user_id, before_sign_in.properties.anonymous_id) == ("d-1", "d-1")


def test_screen_views_are_page_views_on_the_screen_the_app_shows() -> None:
    """Both screen_view schemas (the server trackers' and the mobile ones') are page views
    whose page is the screen's name; an app's other events are on the screen its
    ``screen`` entity names, and a URL, when sent, still wins."""
    wrapper = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
    contexts = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
    for vendor in ("com.snowplowanalytics.snowplow", "com.snowplowanalytics.mobile"):
        data = {"name": "Settings", "id": "5d79770b-015b-4af8-8c91-b2ed6faf4b1e"}
        view = {"schema": f"iglu:{vendor}/screen_view/jsonschema/1-0-0", "data": data}
        event = _event(e="ue", p="mob", url="", ue_px=_b64url({"schema": wrapper, "data": view}))
        assert isinstance(event, PageViewEvent), vendor
        assert (event.context.page, event.properties.title) == ("Settings", "Settings")
        assert event.properties.extra["id"] == data["id"]
    screen = {"schema": "iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0",
              "data": {"name": "Cart", "id": "0b1e9c51-52a8-4c3b-9a0e-0b4b0c7f3a11"}}  # fmt: skip
    tapped = _event(e="se", se_ca="cart", se_ac="coupon_applied", p="mob", url="",
                    cx=_b64url({"schema": contexts, "data": [screen]}))  # fmt: skip
    assert isinstance(tapped, CustomEvent)
    assert tapped.context.page == "Cart"
    on_web = _event(e="se", se_ca="cart", se_ac="coupon_applied", co=orjson.dumps(
        {"schema": contexts, "data": [screen]}).decode())  # fmt: skip
    assert on_web.context.page == "/a"  # type: ignore[union-attr]
    acme = {"schema": "iglu:com.acme/screen_view/jsonschema/1-0-0", "data": {"name": "X"}}
    own = _event(e="ue", url="", ue_pr=orjson.dumps({"schema": wrapper, "data": acme}).decode())
    assert isinstance(own, CustomEvent), "another vendor's screen_view is the app's own event"
    assert own.context.page == "(none)"
