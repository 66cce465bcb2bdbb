"""What the browser SDKs ask the API besides their events, against the real app:
posthog-js's project config and flags, analytics.js's source settings, RudderStack's
source configuration and beacon, and the short routes and packed bodies they send
(docs/ingestion.md, "JavaScript SDKs")."""

from __future__ import annotations

import base64
import gzip
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import orjson
import pytest
from api_helpers import api_client, core_for, new_key
from api_server import serving
from confluent_kafka import Consumer
from storage_helpers import create_topic

from eventtide.core.events import Rejection
from eventtide.core.kafka import decode
from eventtide.core.settings import CoreSettings

pytestmark = pytest.mark.integration

TEXT = {"content-type": "text/plain"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _door(bootstrap: str, database_url: str, prefix: str) -> tuple[CoreSettings, str]:
    """Core settings on fresh topics of their own, and an ingest key."""
    topic = create_topic(bootstrap, f"test.{prefix}", partitions=1)
    dlq = create_topic(bootstrap, f"test.{prefix}.dlq", partitions=1)
    return core_for(bootstrap, topic, dlq), new_key(database_url, "ingest")


def test_the_browser_sdks_get_their_config_flags_and_settings(
    kafka_bootstrap: str, fresh_database_url: str
) -> None:
    core, key = _door(kafka_bootstrap, fresh_database_url, "browser")
    reader = new_key(fresh_database_url, "read")
    with api_client(core, fresh_database_url) as client:
        config = client.get(f"/array/{key}/config")
        assert config.status_code == 200, config.text
        assert "gzip-js" in config.json()["supportedCompression"]
        assert config.json()["hasFeatureFlags"] is False
        assert config.json()["sessionRecording"] is False
        script = client.get(f"/array/{key}/config.js")
        assert script.headers["content-type"].startswith("application/javascript")
        assert f'_POSTHOG_REMOTE_CONFIG["{key}"]' in script.text
        assert client.get("/array/et_nobody/config").status_code == 401
        assert client.get(f"/array/{reader}/config").status_code == 403

        asked = orjson.dumps({"token": key, "distinct_id": "u-1", "groups": {}})
        packed = "data=" + quote(base64.b64encode(asked).decode(), safe="")
        for path, body, headers in (
            ("/flags/?v=2", gzip.compress(asked), TEXT),
            ("/flags/?v=2&compression=base64", packed.encode(), FORM),
            ("/decide/?v=3", asked, {"content-type": "application/json"}),
        ):
            flags = client.post(path, content=body, headers=headers)
            assert flags.status_code == 200, (path, flags.text)
            assert flags.json()["flags"] == {}
            assert flags.json()["featureFlags"] == {}
        nobody = orjson.dumps({"token": "et_nobody", "distinct_id": "u-1"})
        assert client.post("/flags/", content=nobody, headers=TEXT).status_code == 401

        old = client.post("/e/?compression=lz64", content=b"N4Ig", headers=FORM)
        assert old.status_code == 415
        assert "gzip-js" in old.json()["detail"]

        settings = client.get(f"/v1/projects/{key}/settings")
        assert settings.status_code == 200, settings.text
        segment_io = settings.json()["integrations"]["Segment.io"]
        assert (segment_io["apiHost"], segment_io["protocol"]) == ("testserver/v1", "http")
        assert settings.json()["metrics"]["sampleRate"] == 0
        proxied = client.get(
            f"/v1/projects/{key}/settings",
            headers={"x-forwarded-host": "events.example.com", "x-forwarded-proto": "https"},
        ).json()["integrations"]["Segment.io"]
        assert (proxied["apiHost"], proxied["protocol"]) == ("events.example.com/v1", "https")
        assert client.get("/v1/projects/et_nobody/settings").status_code == 401

        # analytics.js: one call per request to /v1/<first letter>, the key in the body
        track = {"type": "track", "event": "Invite Sent", "userId": "u-1", "writeKey": key,
                 "messageId": "m-1", "properties": {"role": "editor"}}  # fmt: skip
        sent = client.post("/v1/t", content=orjson.dumps(track), headers=TEXT)
        assert sent.status_code == 200, sent.text
        assert sent.json() == {"success": True, "accepted": 1, "rejected": 0}
        batch = {"writeKey": key, "batch": [track, {**track, "messageId": "m-2"}]}
        batched = client.post("/v1/b", content=orjson.dumps(batch), headers=TEXT)
        assert batched.json() == {"success": True, "accepted": 2, "rejected": 0}

        # RudderStack's SDK: its source configuration (the key as Basic user name and in
        # the query), then a beacon batch with the key in the query only
        basic = {"authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
        for path, headers in (("/sourceConfig/?p=npm&v=3.34.1", basic),
                              (f"/sourceConfig?writeKey={key}", {})):  # fmt: skip
            source = client.get(path, headers=headers)
            assert source.status_code == 200, (path, source.text)
            assert source.json()["source"]["enabled"] is True
            assert source.json()["source"]["destinations"] == []
            assert source.json()["source"]["config"]["statsCollection"]["errors"] == {
                "enabled": False
            }
        assert client.get("/sourceConfig/?writeKey=et_nobody").status_code == 401
        assert client.get(f"/sourceConfig/?writeKey={reader}").status_code == 403
        beacon = {"batch": [{**track, "messageId": "m-3"}], "sentAt": datetime.now(UTC).isoformat()}
        del beacon["batch"][0]["writeKey"]
        beaconed = client.post(
            f"/beacon/v1/batch?writeKey={key}", content=orjson.dumps(beacon), headers=TEXT
        )
        assert beaconed.json() == {"success": True, "accepted": 1, "rejected": 0}
        keyless = client.post("/beacon/v1/batch", content=orjson.dumps(beacon), headers=TEXT)
        assert keyless.status_code == 401

        paths = client.get("/openapi.json").json()["paths"]
        assert "/v1/t" not in paths, "the short names are aliases, kept out of the schema"
        assert {
            "/e",
            "/array/{token}/config",
            "/flags",
            "/v1/projects/{write_key}/settings",
            "/sourceConfig/",
            "/beacon/v1/batch",
        } <= set(paths)


def test_events_are_stamped_received_when_the_request_arrived_not_when_it_was_read(
    kafka_bootstrap: str, fresh_database_url: str
) -> None:
    """A body that takes 0.8 s to upload: the events' receipt time (and with it their
    skew-corrected time) is the arrival of the request, not the end of its upload."""
    core, key = _door(kafka_bootstrap, fresh_database_url, "arrival")
    stamp = datetime.now(UTC).isoformat()
    event = {"event": "Invite Sent", "distinct_id": "u-1", "uuid": str(uuid.uuid4()),
             "timestamp": stamp, "properties": {}}  # fmt: skip
    body = orjson.dumps({"api_key": key, "sent_at": stamp, "batch": [event]})

    def slowly() -> Iterator[bytes]:
        yield body[:10]
        time.sleep(0.8)
        yield body[10:]

    with serving(core, fresh_database_url) as api:
        sent_at = datetime.now(UTC)
        answer = httpx.post(f"{api}/batch/", content=slowly(), headers=TEXT, timeout=10)
        assert answer.status_code == 200, answer.text
    reader = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"r-{core.events_topic}",
                       "auto.offset.reset": "earliest"})  # fmt: skip
    reader.subscribe([core.events_topic])
    messages = [m for m in reader.consume(1, 20) if m.error() is None]
    reader.close()
    assert len(messages) == 1
    stored = decode(messages[0].value())
    assert not isinstance(stored, Rejection), stored
    waited = (stored.received_at - sent_at).total_seconds()
    assert waited < 0.5, f"stamped {waited:.3f} s after the request was sent"
    assert stored.occurred_at == stored.received_at, "no skew: sent_at equals the timestamp"


def test_the_snowplow_links_the_door_adds_do_not_count_against_the_batch_limit(
    kafka_bootstrap: str, fresh_database_url: str
) -> None:
    core, key = _door(kafka_bootstrap, fresh_database_url, "splimit")
    path = f"/snowplow/{key}/com.snowplowanalytics.snowplow/tp2"
    signed_in = {"e": "pv", "url": "https://shop.example/", "uid": "carol", "duid": "d-1"}

    def batch(count: int) -> bytes:
        events = [{**signed_in, "eid": str(uuid.uuid4())} for _ in range(count)]
        schema = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
        return orjson.dumps({"schema": schema, "data": events})

    with api_client(core, fresh_database_url, batch_max_events=2) as client:
        full = client.post(path, content=batch(2), headers={"content-type": "application/json"})
        assert full.status_code == 200, full.text
        assert full.json() == {"accepted": 3, "rejected": 0, "links": 1}
        over = client.post(path, content=batch(3), headers={"content-type": "application/json"})
        assert over.status_code == 413
        assert "3 messages" in over.json()["detail"]
