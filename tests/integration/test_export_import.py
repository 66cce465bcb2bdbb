"""History from other tools: Segment's, PostHog's, Mixpanel's and Amplitude's event
exports, Google Analytics 4's and Universal Analytics' BigQuery exports, Snowplow's
enriched TSV and Segment's warehouse tables imported with ``eventtide produce
--from-file --format``, through the real Kafka into the real PostgreSQL, each visitor's
anonymous page view and signed-in order joined into one person; an import run twice
stores nothing more."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from api_helpers import api_client, core_for, new_key
from storage_helpers import (
    committed_offsets,
    consumer_env,
    create_topic,
    end_offsets,
    properties_of,
    start_consumer,
    stored_events,
    wait_stored_kinds,
)

from eventtide.core.events.contracts.snowplow_enriched import ENRICHED_FIELDS

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "eventtide")
ORDER = {"order_id": "o-1", "products": [{"product_id": "p-1", "price": 12.5, "quantity": 2}]}
SNOWPLOW_COMMERCE = "iglu:com.snowplowanalytics.snowplow.ecommerce"

EXPORTS: dict[str, list[Any]] = {
    "segment": [  # an S3 archive: Segment's corrected timestamp and its receipt
        {"type": "page", "anonymousId": "seg-anon", "messageId": "seg-1", "name": "Mug",
         "timestamp": "2024-03-01T10:00:00.000Z", "receivedAt": "2024-03-01T10:00:01.000Z",
         "sentAt": "2024-03-01T10:00:09.000Z", "context": {"page": {"path": "/p/mug"}}},
        {"type": "identify", "userId": "seg-ann", "anonymousId": "seg-anon",
         "messageId": "seg-2", "traits": {"plan": "pro"},
         "timestamp": "2024-03-01T10:05:00.000Z", "receivedAt": "2024-03-01T10:05:01.000Z"},
        {"type": "track", "event": "Order Completed", "userId": "seg-ann",
         "messageId": "seg-3", "properties": ORDER,
         "timestamp": "2024-03-01T10:09:00.000Z", "receivedAt": "2024-03-01T10:09:01.000Z"},
    ],
    "posthog": [  # a batch export: properties as the events table's JSON text
        {"uuid": "0190f2b6-0000-7000-8000-000000000001", "event": "$pageview",
         "distinct_id": "ph-anon", "timestamp": "2024-03-01 11:00:00",
         "properties": json.dumps({"$current_url": "https://shop.example/p/mug"})},
        {"uuid": "0190f2b6-0000-7000-8000-000000000002", "event": "$identify",
         "distinct_id": "ph-bo", "timestamp": "2024-03-01 11:05:00",
         "properties": json.dumps({"$anon_distinct_id": "ph-anon"}), "set": {"plan": "team"}},
        {"uuid": "0190f2b6-0000-7000-8000-000000000003", "event": "Order Completed",
         "distinct_id": "ph-bo", "timestamp": "2024-03-01 11:09:00", "properties": ORDER},
        "not an event",  # a line that is no object: reported, nothing else lost
    ],
    "mixpanel": [  # the raw export; Simplified ID Merge's $device_id / $user_id
        {"event": "$mp_web_page_view", "properties": {
            "time": 1709290800, "distinct_id": "$device:mp-dev", "$device_id": "mp-dev",
            "$insert_id": "mp-1", "$current_url": "https://shop.example/p/mug"}},
        {"event": "Order Completed", "properties": {
            "time": 1709291340, "distinct_id": "mp-cy", "$device_id": "mp-dev",
            "$user_id": "mp-cy", "$insert_id": "mp-2", **ORDER}},
    ],
    "amplitude": [  # the Export API's lines, gzipped as it delivers them
        {"event_type": "[Amplitude] Page Viewed", "user_id": None, "device_id": "amp-dev",
         "event_time": "2024-03-01 13:00:00.000000", "$insert_id": "amp-1",
         "platform": "Web", "event_properties": {"[Amplitude] Page Path": "/p/mug"}},
        {"event_type": "Order Completed", "user_id": "amp-di", "device_id": "amp-dev",
         "event_time": "2024-03-01 13:09:00.000000", "$insert_id": "amp-2",
         "platform": "Web", "event_properties": ORDER},
    ],
    "ga4": [  # BigQuery's JSON export: INT64 as strings, parameters as key/value rows
        {"event_name": "page_view", "event_timestamp": "1709301600000000",
         "user_pseudo_id": "ga-pseudo", "platform": "WEB",
         "event_params": [{"key": "page_location",
                           "value": {"string_value": "https://shop.example/p/mug"}},
                          {"key": "ga_session_id", "value": {"int_value": "1709301600"}}]},
        {"event_name": "purchase", "event_timestamp": "1709302140000000",
         "user_pseudo_id": "ga-pseudo", "user_id": "ga-eve", "platform": "WEB",
         "event_params": [{"key": "transaction_id", "value": {"string_value": "o-1"}},
                          {"key": "currency", "value": {"string_value": "USD"}}],
         "items": [{"item_id": "p-1", "price": 12.5, "quantity": "2"}]},
    ],
    "universal-analytics": [  # ga_sessions: a session a row, its hits in it, money x 10^6
        {"fullVisitorId": "ua-visitor", "userId": "ua-hal", "visitId": "1709308800",
         "visitStartTime": "1709308800", "date": "20240301",
         "device": {"deviceCategory": "desktop"}, "geoNetwork": {"country": "Germany"},
         "hits": [{"hitNumber": "1", "time": "0", "type": "PAGE",
                   "page": {"pagePath": "/p/mug", "pageTitle": "Mug"},
                   "eCommerceAction": {"action_type": "0"}},
                  {"hitNumber": "2", "time": "540000", "type": "EVENT",
                   "eCommerceAction": {"action_type": "6"},
                   "transaction": {"transactionId": "o-1", "transactionRevenue": "25000000",
                                   "localTransactionRevenue": "25000000",
                                   "currencyCode": "USD"},
                   "product": [{"productSKU": "p-1", "productPrice": "12500000",
                                "productQuantity": "2"}]}]},
    ],
    "snowplow": [  # the enriched TSV (written by _write); the e-commerce plugin's order
        {"event": "page_view", "event_id": "5b0c9e2a-1f3d-4e6b-8a7c-9d0e1f2a3b01",
         "platform": "web", "collector_tstamp": "2024-03-01 14:00:01.000",
         "derived_tstamp": "2024-03-01 14:00:00.000", "domain_userid": "sp-dev",
         "domain_sessionid": "sp-s1", "page_url": "https://shop.example/p/mug"},
        {"event": "unstruct", "event_id": "5b0c9e2a-1f3d-4e6b-8a7c-9d0e1f2a3b02",
         "platform": "web", "collector_tstamp": "2024-03-01 14:09:01.000",
         "derived_tstamp": "2024-03-01 14:09:00.000", "domain_userid": "sp-dev",
         "user_id": "sp-flo", "domain_sessionid": "sp-s1",
         "unstruct_event": json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/"
                                                 "unstruct_event/jsonschema/1-0-0",
                                       "data": {"schema": f"{SNOWPLOW_COMMERCE}/snowplow_"
                                                          "ecommerce_action/jsonschema/1-0-2",
                                                "data": {"type": "transaction"}}}),
         "contexts": json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/contexts/"
                                           "jsonschema/1-0-1",
                                 "data": [{"schema": f"{SNOWPLOW_COMMERCE}/transaction/"
                                                     "jsonschema/1-0-0",
                                           "data": {"transaction_id": "o-1", "revenue": 25,
                                                    "currency": "USD"}},
                                          {"schema": f"{SNOWPLOW_COMMERCE}/product/"
                                                     "jsonschema/1-0-0",
                                           "data": {"id": "p-1", "price": 12.5,
                                                    "quantity": 2, "currency": "USD"}}]})},
    ],
}  # fmt: skip
WAREHOUSE = {  # Segment's warehouse tables: a table a file, named after it
    "pages.csv": "id,anonymous_id,user_id,received_at,timestamp,path,title\n"
                 "wh-1,wh-anon,,2024-03-01 13:00:01 UTC,2024-03-01 13:00:00 UTC,/p/mug,Mug\n",
    "identifies/part-0.csv": "id,anonymous_id,user_id,received_at,timestamp,plan\n"
                             "wh-2,wh-anon,wh-gus,2024-03-01 13:05:01 UTC,"
                             "2024-03-01 13:05:00 UTC,pro\n",
    "order_completed.json": orjson.dumps({
        "id": "wh-3", "user_id": "wh-gus", "received_at": "2024-03-01 13:09:01 UTC",
        "timestamp": "2024-03-01 13:09:00 UTC", "event": "order_completed",
        "event_text": "Order Completed", "order_id": "o-1",
        "products": json.dumps(ORDER["products"]),
    }).decode() + "\n",
}  # fmt: skip
FORMATS = {"segment-warehouse": "segment"}
"""The ``--format`` of each export whose name is not its own."""
PEOPLE = {"seg-anon": "seg-ann", "ph-anon": "ph-bo", "$device:mp-dev": "mp-cy", "amp-dev": "amp-di",
          "ga-pseudo": "ga-eve", "sp-dev": "sp-flo", "wh-anon": "wh-gus",
          "ua-visitor": "ua-hal"}  # fmt: skip
STORED = {"page_view": 8, "purchase": 8, "identify": 8}  # each tool's sign-in: one link


def _write(directory: Path, source: str) -> Path:
    if source == "segment-warehouse":
        for name, table in WAREHOUSE.items():
            (directory / "warehouse" / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / "warehouse" / name).write_text(table)
        return directory / "warehouse"
    if source == "snowplow":
        text = b"".join(
            "\t".join(row.get(name, "") for name in ENRICHED_FIELDS).encode() + b"\n"
            for row in EXPORTS[source]
        )
    else:
        text = b"".join(orjson.dumps(line) + b"\n" for line in EXPORTS[source])
    path = directory / f"{source}.jsonl"
    path.write_bytes(gzip.compress(text) if source == "amplitude" else text)
    return path


def _import(path: Path, source: str, topic: str, bootstrap: str) -> dict[str, Any]:
    result = subprocess.run(
        [CLI, "produce", "--from-file", str(path), "--format", FORMATS.get(source, source),
         "--topic", topic, "--json"],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary | {"stderr": result.stderr}


def test_eight_exports_import_once_each_visitor_one_person(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, "test.import", partitions=3)
    dlq = create_topic(kafka_bootstrap, "test.import.dlq", partitions=1)
    files = {source: _write(tmp_path, source) for source in [*EXPORTS, *FORMATS]}
    first = {s: _import(path, s, topic, kafka_bootstrap) for s, path in files.items()}
    assert {s: r["sent"] for s, r in first.items()} == {
        "segment": 3, "posthog": 3, "mixpanel": 3,
        "amplitude": 3, "ga4": 3, "snowplow": 3,  # a link each for these four
        "segment-warehouse": 3, "universal-analytics": 3,
    }  # fmt: skip
    assert first["posthog"]["rejected"] == 1
    assert "line 4" in first["posthog"]["stderr"]

    group = f"g-{uuid.uuid4().hex[:6]}"
    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    consumer = start_consumer(env, topic, group, tmp_path / "c.log")
    try:
        rows = wait_stored_kinds(fresh_database_url, STORED)
        kinds = [r.event_type for r in rows]
        assert {k: kinds.count(k) for k in {*kinds, *STORED}} == STORED
        orders = [r for r in rows if r.event_type == "purchase"]
        amounts = {r.user_id: properties_of(r)["amount"] for r in orders}
        assert amounts == {user: 25.0 for user in PEOPLE.values()}

        again = {s: _import(p, s, topic, kafka_bootstrap)["sent"] for s, p in files.items()}
        assert sum(again.values()) == 24
        ends = end_offsets(kafka_bootstrap, topic, 3)
        _wait(lambda: committed_offsets(kafka_bootstrap, group, topic, 3) == ends)
        assert len(stored_events(fresh_database_url)) == len(rows), "the second import adds none"
    finally:
        consumer.terminate()
        consumer.wait(30)

    headers = {"x-api-key": new_key(fresh_database_url, "read")}
    span = {"since": "2024-03-01T00:00:00Z", "until": "2024-03-02T00:00:00Z"}
    with api_client(core_for(kafka_bootstrap, topic, dlq), fresh_database_url) as client:
        funnel = client.get(
            "/v1/funnels", params={"steps": ["page_view", "purchase"], **span}, headers=headers
        )
        assert funnel.status_code == 200, funnel.text
        assert [step["users"] for step in funnel.json()["steps"]] == [8, 8]
        for anonymous, person in PEOPLE.items():
            profile = client.get(f"/v1/users/{anonymous}", headers=headers).json()
            assert sorted(profile["distinct_ids"]) == sorted([anonymous, person]), profile


def _wait(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the consumer did not catch up"
        time.sleep(0.5)
