"""The API served over real HTTP by uvicorn in a thread, for streaming and browser tests.

``TestClient`` runs the app in-process without sockets, which neither a browser nor a
long-lived Server-Sent Events stream can use; these tests need a real listening port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

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
