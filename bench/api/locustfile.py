"""Locust users for bench/api: each posts batches of 100 events to ``POST /v1/events``.

Read by ``locust -f`` in its own process, configured through the environment:
``BENCH_API_KEY`` (an ingest key), ``BENCH_API_RATE`` (requests/s per user; unset means
as fast as the server answers) and ``BENCH_API_BATCH`` (events per request).

At a set rate each user's requests start as a Poisson process of that rate, as
independent clients' requests arrive. A fixed pacing would let the server's answers
synchronise the users: the acknowledgements of every request that shared one produce
request arrive in one poll, so all those users would wait the same interval and post
their next batches in one burst, and the burst's last request would queue behind the
others (16 users at 10 requests/s each: p50 57 ms, against 17 ms for 4 users at 40).
A request counts as a failure unless it is a 200 whose ``accepted`` equals the batch.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import orjson
from locust import FastHttpUser, constant, task

from bench.api.pacing import PoissonPacer

BATCH = int(os.environ.get("BENCH_API_BATCH", "100"))
_RATE = os.environ.get("BENCH_API_RATE")
_BODIES = 64


def _batch(size: int) -> bytes:
    """One request body: ``size`` page views from different users, a minute old."""
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    context = {"platform": "web", "device": "desktop", "country": "DE", "page": "/home"}
    return orjson.dumps(
        [
            {
                "event_id": str(uuid.uuid4()),
                "event_type": "page_view",
                "user_id": f"u-{i % 1_000}",
                "session_id": f"s-{i % 300}",
                "occurred_at": at,
                "context": context,
                "properties": {"title": "Home"},
            }
            for i in range(size)
        ]
    )


BODIES = [_batch(BATCH).decode() for _ in range(_BODIES)]


def paced(user: Ingest) -> float:
    """A Locust ``wait_time``: the wait until the user's next Poisson start
    (:class:`bench.api.pacing.PoissonPacer`, made at the user's start)."""
    assert user.pacer is not None
    return user.pacer.wait(time.monotonic())


class Ingest(FastHttpUser):
    """Posts pre-built batches in turn (built once: the client must not be the bottleneck)."""

    wait_time = paced if _RATE else constant(0)
    pacer: PoissonPacer | None = None
    headers: ClassVar[dict[str, str]] = {
        "content-type": "application/json",
        "x-api-key": os.environ.get("BENCH_API_KEY", ""),
    }
    turn = 0

    def on_start(self) -> None:
        """Begin the pacing at this user's start, not a second behind it."""
        if _RATE:
            self.pacer = PoissonPacer(float(_RATE))
            self.pacer.begin(time.monotonic())

    @task
    def post_batch(self) -> None:
        """One batch; a 200 that did not accept all of it is a failure too."""
        self.turn += 1
        body = BODIES[self.turn % _BODIES]
        with self.client.post(
            "/v1/events", data=body, headers=self.headers, catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"status {answer.status_code}")
            elif orjson.loads(answer.content or b"{}").get("accepted") != BATCH:
                answer.failure("not every event accepted")
