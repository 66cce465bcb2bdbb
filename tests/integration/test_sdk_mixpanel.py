"""Mixpanel's Python SDK (``mixpanel``), unmodified, pointed at the running API's
Mixpanel door (``/track``, ``/engage``, ``/import``, ``/groups``): through the real Kafka into the
real PostgreSQL, each call stored once and mapped, both of Mixpanel's ID-merge forms
joining anonymous ids to their person, profile updates setting traits, and a wrong key
reported by the SDK in the API's words."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from api_helpers import new_key
from api_server import storing
from storage_helpers import properties_of, wait_stored_kinds

pytestmark = pytest.mark.integration

ORDER = {"order_id": "mx-o-1", "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}]}
STORED = {"page_view": 1, "purchase": 1, "identify": 3, "$mp_engage": 1, "Invite Sent": 1,
          "$mp_group": 1}  # fmt: skip
"""A device's page view, the signed-in order (and the door's link of the device), a
profile's $set (an identify) and $add (kept), an original-ID-merge $identify, an
imported event, a group profile's $set."""


def _consumer(url: str) -> object:
    from mixpanel import BufferedConsumer

    return BufferedConsumer(
        max_size=50, events_url=f"{url}/track", people_url=f"{url}/engage",
        import_url=f"{url}/import", groups_url=f"{url}/groups",
    )  # fmt: skip


def test_mixpanel_sdk_calls_stored_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    from mixpanel import Consumer, Mixpanel, MixpanelException

    with storing(kafka_bootstrap, fresh_database_url, tmp_path, "test.mixpanel") as (url, key):
        buffered = _consumer(url)
        mp = Mixpanel(key, consumer=buffered)
        page = {"$device_id": "mx-dev", "$current_url": "https://shop.example/p/mug",
                "current_page_title": "Mug", "mp_lib": "web"}  # fmt: skip
        mp.track("$device:mx-dev", "$mp_web_page_view", page)
        mp.track("mx-eve", "Order Completed",
                 {"$device_id": "mx-dev", "$user_id": "mx-eve", **ORDER})  # fmt: skip
        mp.people_set("mx-eve", {"plan": "pro"})
        mp.people_increment("mx-eve", {"logins": 1})
        mp.group_set("company", "mx-acme", {"plan": "enterprise"})
        mp.track("mx-fay", "$identify", {"$identified_id": "mx-fay", "$anon_id": "mx-anon"})
        ten_days_ago = int(time.time()) - 10 * 86_400
        mp.import_data(None, "mx-fay", "Invite Sent", ten_days_ago, {"role": "editor"},
                       api_secret="unused")  # fmt: skip
        buffered.flush()  # type: ignore[attr-defined]

        direct = Consumer(events_url=f"{url}/track")
        with pytest.raises(MixpanelException, match=r"Mixpanel error: .*key"):
            Mixpanel("et_wrong", consumer=direct).track("u", "Song Played")

        rows = wait_stored_kinds(fresh_database_url, STORED)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *STORED}} == STORED
        assert key not in str([r.properties for r in rows]), "the token is not kept"
        view = next(r for r in rows if r.event_type == "page_view")
        assert (view.user_id, view.context["page"]) == ("$device:mx-dev", "/p/mug")
        order = next(properties_of(r) for r in rows if r.event_type == "purchase")
        assert (order["order_id"], order["amount"]) == ("mx-o-1", 25.0)
        group = next(r for r in rows if r.event_type == "$mp_group")
        assert (group.user_id, properties_of(group)["$set"]) == (
            "$company_mx-acme",
            {"plan": "enterprise"},
        )
        invite = next(r for r in rows if r.event_type == "Invite Sent")
        assert abs(invite.occurred_at.timestamp() - ten_days_ago) < 1

        reader = {"x-api-key": new_key(fresh_database_url, "read")}
        for anonymous, user, traits in (("$device:mx-dev", "mx-eve", {"plan": "pro"}),
                                        ("mx-anon", "mx-fay", {})):  # fmt: skip
            profile = httpx.get(f"{url}/v1/users/{anonymous}", headers=reader, timeout=10)
            assert profile.status_code == 200, profile.text
            assert sorted(profile.json()["distinct_ids"]) == sorted([anonymous, user])
            assert profile.json()["traits"] == traits
