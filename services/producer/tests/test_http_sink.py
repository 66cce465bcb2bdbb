"""The generator's HTTP door: batching, 503 retries, final refusals (against a stub API)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from eventtide.core.errors import ConfigError
from eventtide.producer.http_sink import HttpSink

pytestmark = pytest.mark.unit


class StubApi(BaseHTTPRequestHandler):
    """Answers POST /v1/events from a script of status codes; records each batch."""

    script: ClassVar[list[int]] = []
    batches: ClassVar[list[list[object]]] = []

    def do_POST(self) -> None:
        """Record the batch and answer the next scripted status."""
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.script.pop(0) if self.script else 200
        answer: dict[str, object] = {"title": "nope"}
        if status == 200:
            self.batches.append(body)
            answer = {"accepted": len(body) - 1, "rejected": 1, "results": []}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def api() -> Iterator[str]:
    StubApi.script, StubApi.batches = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _message(n: int) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    return ("page_view", b"u", json.dumps({"n": n}).encode(), [])


def test_batches_are_posted_when_full_and_on_flush(api: str) -> None:
    sink = HttpSink(api, "et_key", batch_events=3)
    for n in range(7):
        sink.send_message(_message(n))  # type: ignore[arg-type]
    assert sink.flush(1.0) == 0
    assert [len(batch) for batch in StubApi.batches] == [3, 3, 1]
    assert sink.stats.delivered == 7 - 3  # the stub dead-letters one per batch
    assert sink.stats.errors["dead-lettered by the API"] == 3
    assert sink.errors.fatal is None


def test_a_503_is_retried_and_a_401_is_final(api: str) -> None:
    StubApi.script = [503, 200, 401]
    sink = HttpSink(api, "et_key", batch_events=2)
    for n in range(4):
        sink.send_message(_message(n))  # type: ignore[arg-type]
    assert len(StubApi.batches) == 1
    assert sink.errors.fatal is not None
    assert "401" in sink.errors.fatal


def test_only_http_urls_are_taken() -> None:
    with pytest.raises(ConfigError, match="EVENTTIDE_PRODUCER_API_URL"):
        HttpSink("file:///etc/passwd", "et_key")
