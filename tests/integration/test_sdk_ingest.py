"""Real, unmodified Segment, RudderStack and PostHog SDKs pointed at the running API.

The API runs in uvicorn on a loopback port against the real Kafka; the consumer then
stores what arrived in the real PostgreSQL. Every call is stored exactly once (a retried
message keeps its id), mapped as docs/ingestion.md says, and a person who browses
anonymously, signs in and orders is one person.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from api_helpers import api_client, core_for, new_key
from storage_helpers import (
    consumer_env,
    create_topic,
    properties_of,
    start_consumer,
    stored_events,
)

from eventtide.api.main import create_app
from eventtide.api.settings import ApiSettings
from eventtide.core.identity import link_from_event, resolve
from eventtide.devstack.ports import free_port

pytestmark = pytest.mark.integration


@contextmanager
def serving(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


SEGMENT_PROTOCOL_CLIENTS = {
    "segment": "segment.analytics.client",
    # a fork of Segment's Python SDK with the same calls; it gzips its batches by default
    # and sends identify's traits as context.traits
    "rudderstack": "rudderstack.analytics.client",
}


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_segment_protocol_and_posthog_sdks_store_once_mapped_and_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path, sdk: str
) -> None:
    from posthog import Posthog

    Client = importlib.import_module(SEGMENT_PROTOCOL_CLIENTS[sdk]).Client  # noqa: N806

    topic = create_topic(kafka_bootstrap, "test.sdk")
    dlq = create_topic(kafka_bootstrap, "test.sdk.dlq", partitions=1)
    key = new_key(fresh_database_url, "ingest")
    app = create_app(ApiSettings(), core_for(kafka_bootstrap, topic, dlq), fresh_database_url)
    retried = str(uuid.uuid4())
    with serving(app) as url:
        segment = Client(write_key=key, host=url, sync_mode=True, max_retries=1)
        segment.page(anonymous_id="anon-1", name="Shop", properties={"path": "/shop"})
        segment.track(
            anonymous_id="anon-1", event="Product Added",
            properties={"product_id": "p-1", "price": 12.0, "quantity": 1},
        )  # fmt: skip
        segment.identify(user_id="alice", anonymous_id="anon-1", traits={"plan": "pro"})
        order = {"order_id": "o-1", "products": [{"product_id": "p-1", "price": 12.0}]}
        for _ in range(2):  # the app retries a call it thought failed: same message id
            segment.track(
                user_id="alice", event="Order Completed", properties=order, message_id=retried
            )
        segment.track(user_id="alice", event="Invite Sent", properties={"role": "editor"})
        segment.flush()

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
    sent_calls = 5 + 3  # Segment: page, add, identify, order (sent twice), invite

    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    proc = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:6]}", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    rows = stored_events(fresh_database_url)
    assert len(rows) == sent_calls, [r.event_type for r in rows]
    by_type = [r.event_type for r in rows]
    assert by_type.count("purchase") == 1, "the retried order is stored once"
    assert {"page_view", "add_to_cart", "identify", "purchase", "Invite Sent"} <= set(by_type)
    assert "Onboarding Step Completed" in by_type
    assert str(next(r.event_id for r in rows if r.event_type == "purchase")) == retried

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
    assert converted == ["alice"], reached
    assert persons.person("anon-9") == "bob"

    # What the API answers from what the consumer stored: one person across the
    # anonymous-to-identified boundary (per id it would be 2, 1, 0), traits on the profile.
    headers = {"x-api-key": new_key(fresh_database_url, "read")}
    with api_client(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as client:
        answer = client.get("/v1/funnels", params={"steps": list(funnel)}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert [step["users"] for step in answer.json()["steps"]] == [2, 1, 1]
        alice = client.get("/v1/users/anon-1", headers=headers).json()
        assert alice["person_id"] == "alice"
        assert alice["distinct_ids"] == ["alice", "anon-1"]
        assert alice["traits"] == {"plan": "pro"}
        assert alice["total_events"] == 5  # page, add, identify, order, invite
        bob = client.get("/v1/users/bob", headers=headers).json()
        assert (bob["distinct_ids"], bob["traits"]) == (["anon-9", "bob"], {"plan": "team"})
