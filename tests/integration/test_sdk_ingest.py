"""Real, unmodified Segment, RudderStack and PostHog SDKs pointed at the running API.

The API runs in uvicorn on a loopback port against the real Kafka; the consumer then
stores what arrived in the real PostgreSQL. Every call is stored exactly once (a retried
message keeps its id), mapped as docs/ingestion.md says, and a person who browses
anonymously, signs in and orders is one person.
"""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import pytest
from api_helpers import api_client, core_for, new_key
from api_server import serving
from storage_helpers import (
    consumer_env,
    create_topic,
    properties_of,
    start_consumer,
    stored_events,
)

from eventtide.core.identity import link_from_event, resolve

pytestmark = pytest.mark.integration


SHOPPERS = {
    "segment.analytics.client": ("anon-1", "alice"),
    # a fork of Segment's Python SDK with the same calls; it gzips its batches by default
    # and sends identify's traits as context.traits
    "rudderstack.analytics.client": ("anon-2", "rita"),
}
"""Each Segment-protocol SDK's shopper: the anonymous id they browse under, then who
they sign in as."""


def test_segment_protocol_and_posthog_sdks_store_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    from posthog import Posthog

    topic = create_topic(kafka_bootstrap, "test.sdk")
    dlq = create_topic(kafka_bootstrap, "test.sdk.dlq", partitions=1)
    key = new_key(fresh_database_url, "ingest")
    retried = {shopper: str(uuid.uuid4()) for _, shopper in SHOPPERS.values()}
    with serving(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as url:
        for module, (anonymous, shopper) in SHOPPERS.items():
            client = importlib.import_module(module).Client(
                write_key=key, host=url, sync_mode=True, max_retries=1
            )
            client.page(anonymous_id=anonymous, name="Shop", properties={"path": "/shop"})
            client.track(
                anonymous_id=anonymous, event="Product Added",
                properties={"product_id": "p-1", "price": 12.0, "quantity": 1},
            )  # fmt: skip
            client.identify(user_id=shopper, anonymous_id=anonymous, traits={"plan": "pro"})
            order = {"order_id": shopper, "products": [{"product_id": "p-1", "price": 12.0}]}
            for _ in range(2):  # the app retries a call it thought failed: same message id
                client.track(
                    user_id=shopper, event="Order Completed", properties=order,
                    message_id=retried[shopper],
                )  # fmt: skip
            client.track(user_id=shopper, event="Invite Sent", properties={"role": "editor"})
            client.flush()

        posthog = Posthog(key, host=url, sync_mode=True)
        posthog.capture("$pageview", distinct_id="anon-9", properties={"$current_url": url + "/p"})
        posthog.capture(
            "$identify",
            distinct_id="bob",
            properties={"$anon_distinct_id": "anon-9", "$set": {"plan": "team"}},
        )
        posthog.capture("Onboarding Step Completed", distinct_id="bob", properties={"step": 2})
        posthog.flush()
        posthog.shutdown()
    # each Segment-protocol shopper: page, add, identify, order (sent twice), invite
    sent_calls = 5 * len(SHOPPERS) + 3

    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    proc = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:6]}", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    rows = stored_events(fresh_database_url)
    assert len(rows) == sent_calls, [r.event_type for r in rows]
    by_type = [r.event_type for r in rows]
    assert by_type.count("purchase") == len(SHOPPERS), "each retried order is stored once"
    assert {"page_view", "add_to_cart", "identify", "purchase", "Invite Sent"} <= set(by_type)
    assert "Onboarding Step Completed" in by_type
    assert {str(r.event_id) for r in rows if r.event_type == "purchase"} == set(retried.values())

    links = [
        link
        for r in rows
        if (
            link := link_from_event(
                r.event_type, r.user_id, properties_of(r), r.occurred_at, r.event_id
            )
        )
    ]
    persons = resolve(links)
    funnel = ("page_view", "add_to_cart", "purchase")
    reached: dict[str, list[str]] = {}
    for r in rows:  # in event time: each person's next funnel step
        steps = reached.setdefault(persons.person(r.user_id), [])
        if len(steps) < len(funnel) and r.event_type == funnel[len(steps)]:
            steps.append(r.event_type)
    converted = [person for person, steps in reached.items() if len(steps) == len(funnel)]
    assert sorted(converted) == ["alice", "rita"], reached
    assert persons.person("anon-9") == "bob"

    # What the API answers from what the consumer stored: one person across the
    # anonymous-to-identified boundary (per id it would be 3, 2, 0), traits on the profile.
    headers = {"x-api-key": new_key(fresh_database_url, "read")}
    with api_client(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as client:
        answer = client.get("/v1/funnels", params={"steps": list(funnel)}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert [step["users"] for step in answer.json()["steps"]] == [3, 2, 2]
        for anonymous, shopper in SHOPPERS.values():
            profile = client.get(f"/v1/users/{anonymous}", headers=headers).json()
            assert profile["person_id"] == shopper
            assert profile["distinct_ids"] == sorted([shopper, anonymous])
            assert profile["traits"] == {"plan": "pro"}, shopper
            assert profile["total_events"] == 5  # page, add, identify, order, invite
        bob = client.get("/v1/users/bob", headers=headers).json()
        assert (bob["distinct_ids"], bob["traits"]) == (["anon-9", "bob"], {"plan": "team"})
