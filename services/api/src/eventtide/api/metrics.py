"""Prometheus metrics of the API: requests by route and status, latency, events in.

A plain ASGI middleware rather than an instrumentation package: it labels by the
route *template* (``/v1/users/{user_id}``), never the raw path, so a crawler cannot
explode the series count, and it costs two dictionary look-ups and two observations
per request.
"""

from __future__ import annotations

import time
from typing import Any, Final

from prometheus_client import Counter, Histogram

REQUESTS: Final = Counter(
    "eventtide_api_requests", "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
REQUEST_DURATION: Final = Histogram(
    "eventtide_api_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_ACCEPTED: Final = Counter(
    "eventtide_api_events_accepted", "Events Kafka acknowledged for an ingest request."
)
EVENTS_DEAD_LETTERED: Final = Counter(
    "eventtide_api_events_dead_lettered", "Items refused at the HTTP door and sent to the DLQ."
)
UNMATCHED: Final = "unmatched"
"""The route label of requests no route matched (404s from scanners, typos)."""

Scope = dict[str, Any]
Receive = Any
Send = Any


def route_of(scope: Scope) -> str:
    """The matched route's template, or :data:`UNMATCHED`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return UNMATCHED
    return str(scope.get("root_path", "")) + str(path)


class MetricsMiddleware:
    """Counts and times every HTTP request (not WebSockets, not lifespan)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record it when the answer has been sent."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = route_of(scope), scope["method"]
            REQUESTS.labels(route, method, str(status)).inc()
            REQUEST_DURATION.labels(route, method).observe(time.perf_counter() - started)
