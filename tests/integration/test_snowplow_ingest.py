"""Snowplow's real Python tracker, unmodified, pointed at the running API's collector
routes (POST ``tp2`` batches and GET ``/i`` pixels), through Kafka into PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from api_helpers import core_for, new_key
from api_server import serving
from storage_helpers import (
    consumer_env,
    create_topic,
    properties_of,
    start_consumer,
    stored_events,
)

pytestmark = pytest.mark.integration


def test_the_snowplow_python_tracker_is_stored_once_mapped(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    from snowplow_tracker import (
        Emitter,
        PageView,
        SelfDescribing,
        SelfDescribingJson,
        StructuredEvent,
        Subject,
        Tracker,
    )

    topic = create_topic(kafka_bootstrap, "test.snowplow")
    dlq = create_topic(kafka_bootstrap, "test.snowplow.dlq", partitions=1)
    key = new_key(fresh_database_url, "ingest")
    failed: list[Any] = []
    with serving(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as api:
        collector = f"{api.removeprefix('http://')}/snowplow/{key}"
        subject = Subject().set_user_id("carol").set_domain_user_id("d-1").set_platform("web")
        posting = Emitter(collector, protocol="http", batch_size=10,
                          on_failure=lambda n, events: failed.extend(events))  # fmt: skip
        tracker = Tracker("web", emitters=posting, subject=subject, app_id="shop")
        tracker.track(PageView(page_url="https://shop.example/p/1", page_title="Mug"))
        tracker.track(StructuredEvent(category="video", action="play", value=3))
        invite = SelfDescribingJson("iglu:com.acme/invite_sent/jsonschema/1-0-0", {"role": "ed"})
        tracker.track(SelfDescribing(invite))
        tracker.flush(is_async=False)
        pixel = Emitter(collector, protocol="http", method="get", batch_size=1,
                        on_failure=lambda n, events: failed.extend(events))  # fmt: skip
        Tracker("app", emitters=pixel, subject=subject).track(
            PageView(page_url="https://shop.example/", page_title="Home")
        )
        pixel.flush()

        answer = httpx.get(f"{api}/snowplow/{key}/i", params={"e": "pv", "url": "/x"})
        assert answer.headers["content-type"] == "image/gif"
        assert answer.content.startswith(b"GIF89a"), "a refused event still gets its pixel"
        wrong = httpx.post(
            f"{api}/snowplow/{key}/com.snowplowanalytics.snowplow/tp2",
            content=orjson.dumps({"schema": "iglu:com.acme/other/jsonschema/1-0-0", "data": [{}]}),
            headers={"content-type": "application/json"},
        )
        assert wrong.status_code == 400
        assert "payload_data" in wrong.json()["detail"]
        stranger = httpx.get(f"{api}/snowplow/et_nobody/i", params={"e": "pv", "uid": "u"})
        assert stranger.status_code == 401
    assert failed == [], "the tracker saw every request succeed"

    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    proc = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:6]}", tmp_path / "c.log", idle_exit=4)
    assert proc.wait(120) == 0, (tmp_path / "c.log").read_text()[-2000:]
    rows = stored_events(fresh_database_url)
    # the tracker's four events, and one identify for carol's cookie id (the GET
    # emitter's event carried the same pair, which the door remembered)
    kinds = sorted(r.event_type for r in rows)
    assert kinds == ["identify", "invite_sent", "page_view", "page_view", "play"]
    assert {r.user_id for r in rows} == {"carol"}
    identify = next(r for r in rows if r.event_type == "identify")
    assert properties_of(identify)["anonymous_id"] == "d-1"
    page = next(r for r in rows if r.event_type == "page_view")
    assert (page.context["page"], page.context["platform"]) in {("/p/1", "web"), ("/", "web")}
