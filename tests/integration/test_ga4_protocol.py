"""Google Analytics 4's Measurement Protocol at ``/mp/collect`` (and a Google tag's
requests at ``/ga4/<key>/g/collect``), over real HTTP, through
the real Kafka into the real PostgreSQL: requests as GA4's reference documents them
(the protocol has no SDK of Google's; servers post this JSON), each event stored once
with its typed reading, the web visitor's anonymous page view and signed-in order one
person with the user properties as traits; the debug endpoint names what it would
refuse and stores nothing; a wrong secret is refused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from api_helpers import new_key
from api_server import storing
from storage_helpers import properties_of, stored_events, wait_stored_kinds

pytestmark = pytest.mark.integration

NOW_MICROS = int(time.time() * 1_000_000)
ITEMS = [{"item_id": "SKU_1", "item_name": "Tee", "price": 12.5, "quantity": 2},
         {"item_id": "SKU_2", "item_name": "Mug", "price": 5.0, "quantity": 1}]  # fmt: skip
ANONYMOUS = {
    "client_id": "1234567.7654321",
    "timestamp_micros": str(NOW_MICROS - 60_000_000),
    "events": [
        {"name": "page_view", "params": {
            "page_location": "https://shop.example/p/tee", "page_title": "Tee",
            "session_id": "1700000000", "engagement_time_msec": 100}},
        {"name": "add_to_cart", "params": {"currency": "USD", "value": 30.0, "items": ITEMS}},
    ],
}  # fmt: skip
SIGNED_IN = {
    "client_id": "1234567.7654321",
    "user_id": "ga-zoe",
    "user_properties": {"plan": {"value": "pro"}},
    "device": {"category": "mobile", "language": "de-de"},
    "user_data": {"sha256_email_address": ["f1c2..."]},
    "events": [
        {"name": "purchase", "params": {
            "transaction_id": "T-77", "currency": "USD", "value": 30.0, "items": ITEMS}},
        {"name": "tutorial_complete", "params": {"step": 3}},
    ],
}  # fmt: skip
STORED = {"page_view": 1, "add_to_cart": 2, "purchase": 1, "tutorial_complete": 1, "identify": 2}
"""The cart add is one per item; the identifies: the link of the client id to ga-zoe,
and ga-zoe's user properties."""


def _post(url: str, path: str, key: str, body: dict[str, Any]) -> httpx.Response:
    params = {"measurement_id": "G-TEST", "api_secret": key}
    return httpx.post(f"{url}{path}", params=params, json=body, timeout=20)


def test_measurement_protocol_events_stored_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.ga4") as (url, key):
        checked = _post(url, "/debug/mp/collect", key, {
            "client_id": "c", "events": [{"name": " spaced ", "params": {}}, {"params": {}},
                                         {"name": ["add_to_cart"], "params": {"items": [{}]}}],
        })  # fmt: skip
        assert checked.status_code == 200, checked.text
        messages = checked.json()["validationMessages"]
        assert [m["fieldPath"].split(".")[0] for m in messages] == [
            "events[0]", "events[1]", "events[2]",
        ]  # fmt: skip
        assert {m["validationCode"] for m in messages} <= {"VALUE_REQUIRED", "VALUE_INVALID"}
        valid = _post(url, "/debug/mp/collect", key, ANONYMOUS)
        assert valid.json() == {"validationMessages": []}, valid.text

        for body in (ANONYMOUS, SIGNED_IN):
            sent = _post(url, "/mp/collect", key, body)
            assert (sent.status_code, sent.content) == (204, b""), sent.text
        refused = _post(url, "/mp/collect", "not-a-key", ANONYMOUS)
        assert refused.status_code == 401, refused.text

        rows = wait_stored_kinds(fresh_database_url, STORED)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *STORED}} == STORED, (
            "each once; debug stores none"
        )
        order = next(r for r in rows if r.event_type == "purchase")
        assert (order.user_id, properties_of(order)["amount"]) == ("ga-zoe", 30.0)
        assert "sha256_email_address" not in str(properties_of(order)), "user_data is not kept"
        view = next(r for r in rows if r.event_type == "page_view")
        assert (view.user_id, view.session_id) == ("1234567.7654321", "1700000000")
        assert view.occurred_at.timestamp() == pytest.approx((NOW_MICROS - 60_000_000) / 1e6)
        carts = sorted(
            properties_of(r)["product_id"] for r in rows if r.event_type == "add_to_cart"
        )
        assert carts == ["SKU_1", "SKU_2"]

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        zoe = httpx.get(f"{url}/v1/users/1234567.7654321", headers=reader, timeout=10).json()
        assert zoe["person_id"] == "ga-zoe", zoe
        assert zoe["traits"] == {"plan": "pro"}, zoe
    assert len(stored_events(fresh_database_url)) == sum(STORED.values())


TAG_PAGE = {"v": "2", "tid": "G-TEST", "_p": "1796558400123", "cid": "7654321.1234567",
            "ul": "en-us", "sr": "1280x720", "sid": "1796558000", "sct": "1", "seg": "1",
            "dl": "https://shop.example/p/mug", "dt": "Mug"}  # fmt: skip
"""What a page's Google tag sends with each event (written as the protocol's public
references describe it: Google serves its tag only from its own servers)."""
TAG_STORED = {"session_start": 1, "page_view": 1, "add_to_cart": 2, "purchase": 1, "scroll": 1,
              "identify": 2}  # fmt: skip
"""The session start is GA4's, made of the page view's ``_ss`` flag."""


def test_a_google_tags_requests_are_stored_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.gtag") as (url, key):
        lines = [
            {"en": "page_view", "_ee": "1", "_ss": "1"},
            {"en": "add_to_cart", "cu": "USD", "epn.value": "17.5",
             "pr1": "idSKU_1~nmTee~pr12.5~qt1", "pr2": "idSKU_2~nmMug~pr5~qt1"},
            {"en": "purchase", "uid": "tag-zoe", "up.plan": "team", "cu": "USD",
             "ep.transaction_id": "T-9", "epn.value": "17.5",
             "pr1": "idSKU_1~nmTee~pr12.5~qt1", "pr2": "idSKU_2~nmMug~pr5~qt1"},
        ]  # fmt: skip
        batch = httpx.post(
            f"{url}/ga4/{key}/g/collect", params=TAG_PAGE, timeout=20,
            content="\n".join(urlencode(line) for line in lines),
            headers={"content-type": "text/plain;charset=UTF-8"},
        )  # fmt: skip
        assert (batch.status_code, batch.content) == (204, b""), batch.text
        one = httpx.get(f"{url}/ga4/{key}/g/collect", params={**TAG_PAGE, "en": "scroll",
                        "epn.percent_scrolled": "90"}, timeout=20)  # fmt: skip
        assert one.status_code == 204, one.text
        refused = httpx.get(f"{url}/ga4/not-a-key/g/collect", params=TAG_PAGE, timeout=20)
        assert refused.status_code == 401, refused.text

        rows = wait_stored_kinds(fresh_database_url, TAG_STORED)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *TAG_STORED}} == TAG_STORED
        order = next(r for r in rows if r.event_type == "purchase")
        assert (order.user_id, properties_of(order)["amount"]) == ("tag-zoe", 17.5)
        view = next(r for r in rows if r.event_type == "page_view")
        assert (view.user_id, view.session_id) == ("7654321.1234567", "1796558000")
        scroll = next(r for r in rows if r.event_type == "scroll")
        assert properties_of(scroll)["percent_scrolled"] == 90

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        zoe = httpx.get(f"{url}/v1/users/7654321.1234567", headers=reader, timeout=10).json()
        assert zoe["person_id"] == "tag-zoe", zoe
        assert zoe["traits"] == {"plan": "team"}, zoe
        funnel = httpx.get(f"{url}/v1/funnels", headers=reader, timeout=10, params={
            "steps": ["page_view", "add_to_cart", "purchase"]})  # fmt: skip
        assert [step["users"] for step in funnel.json()["steps"]] == [1, 1, 1], (
            "one batch's events in the order sent, the signed-in purchase the visitor's"
        )
