"""Quick ingestion figure: events/s through ``POST /v1/events`` (batches of 100, one
uvicorn process, a few client threads) against the bare producer in the same run.

Run with the stack up: ``eventtide dev infra exec -- python bench/api/ingest_quick.py``.
Not the Locust benchmark the issue asks for; a first measurement. 2026-12-04, the
shared 2-core machine, 10 s, 4 client threads in the same process: 9,532 events/s over
HTTP with no error, bare producer 54,721 events/s (ratio 0.17); the 30,000/s goal is not
met, and client and server share the cores here.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import uvicorn

from eventtide.api.keys import make_key
from eventtide.api.main import create_app
from eventtide.api.settings import ApiSettings
from eventtide.core.db import make_engine
from eventtide.core.db.apikeys import insert_key
from eventtide.core.db.migrate import upgrade
from eventtide.core.events import validate_json_event
from eventtide.core.kafka import EventProducer, ProducerTuning, encode, producer_config
from eventtide.core.settings import CoreSettings

SECONDS, THREADS, BATCH, PORT = 10.0, 4, 100, 18_741


def _event(i: int) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()), "event_type": "page_view", "user_id": f"u{i % 1000}",
        "session_id": "s", "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
    }  # fmt: skip


def bare_producer(bootstrap: str, topic: str) -> float:
    """Events/s acknowledged by the bare producer, same events, same broker."""
    stamp = datetime.now(UTC).isoformat()
    raws = [orjson.dumps(_event(i) | {"received_at": stamp}) for i in range(100_000)]
    producer = EventProducer(producer_config(bootstrap, ProducerTuning()), topic)
    started = time.perf_counter()
    for raw in raws:
        event = validate_json_event(raw)
        producer.send_message(encode(event))  # type: ignore[arg-type]
    assert producer.flush(60) == 0
    return len(raws) / (time.perf_counter() - started)


def over_http(key: str) -> tuple[float, int]:
    """Events/s accepted over HTTP, and requests that were not 200."""
    sent, errors, stop = [0], [0], time.monotonic() + SECONDS
    bodies = [orjson.dumps([_event(i) for i in range(BATCH)]) for _ in range(50)]

    def work() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            n = 0
            while time.monotonic() < stop:
                answer = client.post(
                    "/v1/events", content=bodies[n % len(bodies)],
                    headers={"content-type": "application/json", "x-api-key": key},
                )  # fmt: skip
                n += 1
                if answer.status_code == 200:
                    sent[0] += BATCH
                else:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent[0] / (time.perf_counter() - started), errors[0]


def main() -> None:
    bootstrap, url = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"]
    topic = f"bench.api.{uuid.uuid4().hex[:8]}"
    upgrade(url)
    made = make_key()
    engine = make_engine(url)
    with engine.begin() as conn:
        insert_key(conn, key_id=made.key_id, key_hash=made.key_hash, name="bench",
                   scopes=["ingest"], rate_limit_per_s=1e9)  # fmt: skip
    engine.dispose()
    core = CoreSettings(**{"KAFKA_BOOTSTRAP_SERVERS": bootstrap}, events_topic=topic)  # type: ignore[arg-type]
    app = create_app(ApiSettings(), core, url)
    server = uvicorn.Server(uvicorn.Config(app, port=PORT, log_level="warning"))
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    while not server.started:
        time.sleep(0.1)
    http_rate, errors = over_http(made.plain)
    server.should_exit = True
    runner.join(10)
    ceiling = bare_producer(bootstrap, topic)
    print(orjson.dumps({"http_events_per_s": round(http_rate), "http_errors": errors,
                        "bare_producer_events_per_s": round(ceiling),
                        "ratio": round(http_rate / ceiling, 3)}).decode())  # fmt: skip


if __name__ == "__main__":
    main()
