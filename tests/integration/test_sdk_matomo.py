"""Matomo's Node.js tracker (``matomo-tracker``, tests/sdk_clients/matomo.mjs),
unmodified, given the API's ``/matomo/<key>/matomo.php`` as its tracker URL: a page view
and an event one request each, then a bulk request of a site search, a signed-in order,
a goal and a heartbeat; through the real Kafka into the real PostgreSQL, each stored once
and mapped, the visitor and the signed-in user one person, the heartbeat recording
nothing, and a wrong key refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from api_helpers import new_key
from api_server import storing
from node_clients import run_node_client
from storage_helpers import properties_of, stored_events, wait_stored_kinds

pytestmark = pytest.mark.integration

STORED = {"page_view": 1, "Play": 1, "search": 1, "purchase": 1, "goal": 1, "identify": 1}
"""The identify is the link of the visitor to the signed-in user, which the door adds."""


def test_matomo_tracker_actions_stored_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.matomo") as (url, key):
        sent = run_node_client("matomo.mjs", "matomo-tracker", url, key)
        assert sent["errors"] == [], sent
        assert json.loads(sent["bulk"]) == {"status": "success", "tracked": 3, "invalid": 0}
        anonymous = {"idsite": "1", "rec": "1", "_id": "0123456789abcdef"}
        refused = httpx.get(f"{url}/matomo/not-a-key/matomo.php", params=anonymous)
        assert refused.status_code == 401, refused.text

        rows = wait_stored_kinds(fresh_database_url, STORED)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *STORED}} == STORED, "each once, no ping"
        order = next(r for r in rows if r.event_type == "purchase")
        assert (order.user_id, properties_of(order)["amount"]) == ("mat-zoe", 30.5)
        view = next(r for r in rows if r.event_type == "page_view")
        assert (view.user_id, properties_of(view)["title"]) == ("0123456789abcdef", "Tee")
        assert properties_of(view)["extra"]["$matomo"]["dimension1"] == "blue"
        play = next(r for r in rows if r.event_type == "Play")
        assert properties_of(play) == {"category": "Video", "value": 12,
                                       "$matomo": {"idsite": "1"}}  # fmt: skip
        search = next(r for r in rows if r.event_type == "search")
        assert properties_of(search) == {"query": "mugs", "results_count": 4}

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        person = httpx.get(f"{url}/v1/users/0123456789abcdef", headers=reader, timeout=10).json()
        assert person["person_id"] == "mat-zoe", person
    assert len(stored_events(fresh_database_url)) == sum(STORED.values())
