"""Real Go SDKs pointed at the running API: Segment's, RudderStack's, PostHog's and
Snowplow's, unmodified from the Go module proxy (tests/sdk_clients/go, built by
`make sdk-clients`).

The API runs on a loopback port against the real Kafka, a consumer stores what arrived
in the real PostgreSQL, and the API answers for what was stored. Segment's Go SDK posts
its batches to ``/v1/batch``, RudderStack's gzips them there, PostHog's posts to
``/batch/`` and Snowplow's to its tracker protocol's ``tp2``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from api_helpers import new_key
from api_server import storing
from storage_helpers import properties_of, wait_stored_kinds

pytestmark = pytest.mark.e2e

SEND = Path(__file__).resolve().parents[1] / "sdk_clients" / "go" / "bin" / "send"

SENT = {
    # Segment and RudderStack pages, RudderStack's screen, Snowplow's page and screen views
    "page_view": 5,
    "identify": 3,  # Segment, RudderStack, PostHog (the Go tracker sends no cookie id)
    "purchase": 1,  # Segment
    "Docs Searched": 1,  # RudderStack
    "Report Exported": 1,  # PostHog
    "alias": 1,  # PostHog
    "wishlist_added": 1,  # Snowplow's structured event, named by its action
    "invite_sent": 1,  # Snowplow's self-describing event, named by its schema
    "timing": 1,  # Snowplow's timing event (a self-describing one of Snowplow's own)
    "transaction": 1,  # Snowplow's legacy transaction...
    "transaction_item": 1,  # ...and its item, sent apart
}  # fmt: skip


def test_go_sdks_are_stored_once_mapped_and_each_person_as_one(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    if not SEND.exists():
        pytest.fail(f"{SEND} is missing: run `make sdk-clients` (Go)")
    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.gosdk") as (api, key):
        sent = subprocess.run(
            [str(SEND), api, key], capture_output=True, text=True, timeout=120, check=False
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        rows = wait_stored_kinds(fresh_database_url, SENT)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *SENT}} == SENT, "each call stored once"
        assert key not in str([r.properties for r in rows]), "the ingest key is not kept"
        order = next(properties_of(r) for r in rows if r.event_type == "purchase")
        assert (order["order_id"], order["amount"]) == ("go-o-1", 30.0)
        views = [r for r in rows if r.event_type == "page_view"]
        pages = sorted((r.user_id, r.context["page"]) for r in views)
        assert pages == [
            ("go-anon-1", "/pricing"),
            ("go-anon-2", "/docs"),
            ("go-kai", "Settings"),  # RudderStack's screen: the screen's name
            ("go-max", "/gifts"),
            ("go-max", "Settings"),  # Snowplow's screen view: the screen's name
        ]
        item = next(properties_of(r) for r in rows if r.event_type == "transaction_item")
        assert (item["order_id"], item["sku"], item["price"], item["quantity"]) == (
            "go-o-2", "p-10", 12.0, 2,
        )  # fmt: skip

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        people = {
            "go-jo": ("go-anon-1", {"plan": "pro"}),  # Segment
            "go-kai": ("go-anon-2", {"plan": "team"}),  # RudderStack
            "go-lee": ("go-anon-3", {"plan": "team"}),  # PostHog: $set, then an alias
        }
        for user, (anonymous, traits) in people.items():
            profile = httpx.get(f"{api}/v1/users/{anonymous}", headers=reader, timeout=10)
            assert profile.status_code == 200, profile.text
            assert sorted(profile.json()["distinct_ids"]) == [anonymous, user], profile.json()
            assert profile.json()["traits"] == traits, profile.json()
        max_ = httpx.get(f"{api}/v1/users/go-max", headers=reader, timeout=10).json()
        assert max_["total_events"] == 7, max_  # each of the Snowplow tracker's events
