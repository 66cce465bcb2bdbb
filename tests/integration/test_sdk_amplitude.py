"""Amplitude's Python SDK (``amplitude-analytics``) and Node SDK
(``@amplitude/analytics-node``, tests/sdk_clients/amplitude.mjs), unmodified, pointed at
the running API's HTTP V2 door (``/2/httpapi``) and its Batch API (``/batch``, shared
with PostHog's SDKs), and the Identify API's form: through the real Kafka into the real
PostgreSQL, each event stored once and mapped, each device's anonymous page view and the
signed-in user's events one person, and a wrong key refused in the words the SDK stops
at."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import core_for, new_key
from api_server import serving, storing
from node_clients import run_node_client
from storage_helpers import create_topic, properties_of, wait_stored_kinds

pytestmark = pytest.mark.integration

ORDER = {"order_id": "amp-o-1", "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}]}
STORED = {"page_view": 2, "identify": 5, "purchase": 1, "Song Played": 1, "revenue_amount": 1}
"""Python: a page view, an identify, an order and, through the Batch API, amp-ben's song
(the door adds the link of amp-ben's device); Node: a page view, an identify and a
revenue event; the Identify API: two identifications."""
IDENTIFICATIONS = [
    {"user_id": "amp-zoe", "device_id": "amp-dev-9", "user_properties": {"plan": "team"}},
    {"user_id": "amp-zoe", "user_properties": {"$setOnce": {"source": "ad"}}},
]
"""Amplitude's Identify API (``POST /identify``, a form): no SDK sends it, so the test
posts the form Amplitude documents."""


def _client(url: str, key: str, results: list[tuple[str, int, str]], batch: bool = False) -> Any:
    from amplitude import Amplitude, Config

    def record(event: Any, code: int, message: str | None = None) -> None:
        results.append((event.event_type, code, message or ""))

    door = f"{url}/batch" if batch else f"{url}/2/httpapi"
    config = Config(server_url=door, use_batch=batch, flush_interval_millis=200, callback=record)
    return Amplitude(key, config)


def test_amplitude_sdk_events_stored_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    from amplitude import BaseEvent, EventOptions, Identify

    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.amplitude") as (url, key):
        results: list[tuple[str, int, str]] = []
        client = _client(url, key, results)
        page = {"[Amplitude] Page Path": "/pricing", "[Amplitude] Page Title": "Pricing"}
        client.track(BaseEvent("[Amplitude] Page Viewed", device_id="amp-dev",
                               event_properties=page, platform="Web"))  # fmt: skip
        client.identify(Identify().set("plan", "pro"),
                        EventOptions(user_id="amp-ann", device_id="amp-dev"))  # fmt: skip
        client.track(BaseEvent("Order Completed", user_id="amp-ann", device_id="amp-dev",
                               event_properties=ORDER))  # fmt: skip
        client.shutdown()
        batch = _client(url, key, results, batch=True)  # Amplitude's Batch API, on /batch
        batch.track(BaseEvent("Song Played", user_id="amp-ben", device_id="amp-dev-2",
                              event_properties={"genre": "jazz"}, platform="iOS"))  # fmt: skip
        batch.shutdown()
        node = run_node_client("amplitude.mjs", "@amplitude", url, key)
        assert [code for _, code, _ in node["codes"]] == [200, 200, 200], node
        form = {"api_key": key, "identification": json.dumps(IDENTIFICATIONS)}
        identified = httpx.post(f"{url}/identify", data=form, timeout=10)
        assert (identified.status_code, identified.text) == (200, "success")
        assert sorted(r[:2] for r in results) == sorted(
            (name, 200) for name in ("[Amplitude] Page Viewed", "$identify",
                                     "Order Completed", "Song Played")
        ), results  # fmt: skip

        rows = wait_stored_kinds(fresh_database_url, STORED)
        kinds = [r.event_type for r in rows]
        # each SDK's identify links its device itself; amp-ben's gets the door's link
        assert {k: kinds.count(k) for k in {*kinds, *STORED}} == STORED
        views = sorted((r.user_id, r.context["page"]) for r in rows if r.event_type == "page_view")
        assert views == [("amp-dev", "/pricing"), ("node-dev", "/docs")]
        order = next(properties_of(r) for r in rows if r.event_type == "purchase")
        assert (order["order_id"], order["amount"]) == ("amp-o-1", 25.0)
        song = next(r for r in rows if r.event_type == "Song Played")
        assert song.context["platform"] == "ios"

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        for device, user, traits in (("amp-dev", "amp-ann", {"plan": "pro"}),
                                     ("amp-dev-2", "amp-ben", {}),
                                     ("node-dev", "node-cat", {"plan": "team",
                                                               "source": "ad"}),
                                     ("amp-dev-9", "amp-zoe", {"plan": "team",
                                                               "source": "ad"})):  # fmt: skip
            profile = httpx.get(f"{url}/v1/users/{device}", headers=reader, timeout=10)
            assert profile.status_code == 200, profile.text
            assert sorted(profile.json()["distinct_ids"]) == sorted([device, user])
            assert profile.json()["traits"] == traits

        refused = httpx.post(f"{url}/2/httpapi", json={"api_key": "et_wrong", "events": [{}]})
        assert refused.status_code == 401
        assert refused.json()["error"].startswith("Invalid API key:"), refused.json()
        assert refused.json()["code"] == 401
        bad = httpx.post(f"{url}/identify", data={"api_key": key, "identification": "[1]"})
        assert (bad.status_code, bad.json()["code"]) == (400, 400), bad.text
        wrong = httpx.post(f"{url}/identify", data={"api_key": "et_no", "identification": "{}"})
        assert wrong.status_code == 401
        assert wrong.json()["error"].startswith("Invalid API key:"), wrong.json()


def test_a_wrong_key_stops_the_sdk_instead_of_retrying(
    kafka_bootstrap: str, fresh_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Amplitude's SDK gives up on a key its server calls invalid (it logs "Invalid API
    Key" and drops the batch) rather than putting the events back to retry them until
    its retry budget runs out."""
    from amplitude import BaseEvent

    topic = create_topic(kafka_bootstrap, "test.amplitude.bad")
    results: list[tuple[str, int, str]] = []
    with serving(core_for(kafka_bootstrap, topic, topic), fresh_database_url) as url:
        client = _client(url, "et_not_a_key", results)
        with caplog.at_level(logging.ERROR, logger=client.configuration.logger.name):
            client.track(BaseEvent("Song Played", user_id="u-1"))
            client.shutdown()
    assert "Invalid API Key" in caplog.messages, caplog.messages
    assert results == [], "nothing put back to retry"
