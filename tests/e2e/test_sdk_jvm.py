"""Real JVM SDKs pointed at the running API: Segment's, RudderStack's, PostHog's and
Snowplow's Java SDKs, unmodified from Maven Central (tests/sdk_clients/jvm).

The API runs on a loopback port against the real Kafka, a consumer stores what arrived
in the real PostgreSQL, and the API answers for what was stored. Segment's Java SDK
posts its batches to ``/v1/import/`` (the batch route's older name), RudderStack's
gzips them to ``/v1/batch``, PostHog's posts to ``/batch`` and Snowplow's to its
tracker protocol's ``tp2``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from api_helpers import new_key
from api_server import storing
from storage_helpers import properties_of, wait_stored_kinds

pytestmark = pytest.mark.e2e

CLIENTS = Path(__file__).resolve().parents[1] / "sdk_clients" / "jvm"

SENT = {
    "page_view": 3,  # Segment, RudderStack, Snowplow
    "identify": 3,  # Segment, RudderStack, PostHog (the Java tracker sends no cookie id)
    "purchase": 1,  # Segment
    "Docs Searched": 1,  # RudderStack
    "Report Exported": 1,  # PostHog
    "alias": 1,  # PostHog
    "wishlist_added": 1,  # Snowplow's structured event, named by its action
    "invite_sent": 1,  # Snowplow's self-describing event, named by its schema
}  # fmt: skip


def test_jvm_sdks_are_stored_once_mapped_and_each_person_as_one(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    java = shutil.which("java")
    if java is None or not (CLIENTS / "lib" / ".copied").exists():
        pytest.fail(f"java or {CLIENTS / 'lib'} is missing: run `make sdk-clients` (Maven)")
    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.jvmsdk") as (api, key):
        sent = subprocess.run(
            [java, "-cp", str(CLIENTS / "lib" / "*"), str(CLIENTS / "Send.java"), api, key],
            cwd=CLIENTS, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stdout + sent.stderr
        rows = wait_stored_kinds(fresh_database_url, SENT)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *SENT}} == SENT, "each call stored once"
        assert key not in str([r.properties for r in rows]), "the ingest key is not kept"
        order = next(properties_of(r) for r in rows if r.event_type == "purchase")
        assert (order["order_id"], order["amount"]) == ("jvm-o-1", 30.0)
        assert next(r.context["page"] for r in rows if r.user_id == "jvm-anon-2") == "/docs"

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        people = {
            "jvm-jo": ("jvm-anon-1", {"plan": "pro"}),  # Segment
            "jvm-kai": ("jvm-anon-2", {"plan": "team"}),  # RudderStack: context.traits
            # PostHog: $set, then an alias sent a few milliseconds later in a request of
            # its own; which of the two ids names the person depends on their order
            # after each request's clock-skew correction, so only the link is asserted
            "jvm-lee": ("jvm-anon-3", {"plan": "team"}),
        }
        for user, (anonymous, traits) in people.items():
            profile = httpx.get(f"{api}/v1/users/{anonymous}", headers=reader, timeout=10)
            assert profile.status_code == 200, profile.text
            assert sorted(profile.json()["distinct_ids"]) == [anonymous, user], profile.json()
            assert profile.json()["traits"] == traits, profile.json()
        max_ = httpx.get(f"{api}/v1/users/jvm-max", headers=reader, timeout=10).json()
        assert max_["total_events"] == 3, max_  # page, wishlist, invite
