"""The API served over real HTTP by uvicorn in a thread, for streaming and browser tests.

``TestClient`` runs the app in-process without sockets, which neither a browser nor a
long-lived Server-Sent Events stream can use; these tests need a real listening port.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from api_helpers import core_for, new_key
from storage_helpers import consumer_env, create_topic, start_consumer

from eventtide.api.main import create_app
from eventtide.api.settings import ApiSettings
from eventtide.core.settings import CoreSettings
from eventtide.devstack.ports import free_port


@contextmanager
def serving(core: CoreSettings, database_url: str, **settings: Any) -> Iterator[str]:
    """Serve the app until the block ends; yields its base URL."""
    port = free_port()
    app = create_app(ApiSettings(**settings), core, database_url)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=3,
        )
    )
    thread = threading.Thread(target=server.run, name="api-under-test", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start within 20 s")
        time.sleep(0.05)
    tail = getattr(app.state, "tail", None)
    if tail is not None and not tail.ready.wait(20):
        raise RuntimeError("the live stream's Kafka reader did not start within 20 s")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def storing(
    kafka_bootstrap: str, database_url: str, log_dir: Path, prefix: str
) -> Iterator[tuple[str, str]]:
    """The SDK tests' pipeline: the API served on new topics (``prefix`` and its
    dead-letter topic) and a consumer storing them into ``database_url``; yields the
    API's URL and a new ingest key. The consumer's log is ``log_dir/c.log``."""
    topic = create_topic(kafka_bootstrap, prefix)
    dlq = create_topic(kafka_bootstrap, f"{prefix}.dlq", partitions=1)
    key = new_key(database_url, "ingest")
    env = consumer_env(kafka_bootstrap, database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    consumer = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:6]}", log_dir / "c.log")
    try:
        with serving(core_for(kafka_bootstrap, topic, dlq), database_url) as url:
            yield url, key
    finally:
        consumer.terminate()
        consumer.wait(30)
