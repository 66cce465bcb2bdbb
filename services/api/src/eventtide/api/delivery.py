"""The request side of every ingest door: read the body, and hand the outcomes to Kafka.

The native route and the SDK routes differ only in how a body becomes outcomes; reading
(size limit, gzip) and delivering (events and dead letters, 2xx only after every ack,
503 otherwise) are the same, so they are written once here.
"""

from __future__ import annotations

from fastapi import Request

from eventtide.api import ingest
from eventtide.api.kafka_io import KafkaGateway, dead_letter
from eventtide.api.problems import Problem, unavailable
from eventtide.api.settings import ApiSettings
from eventtide.core.metrics import EVENTS_REJECTED


async def read_body(request: Request, limit: int) -> bytes:
    """The body, gunzipped when sent so, refused with 413 as soon as it passes ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ingest.too_large(f"the body is over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ingest.too_large(f"the body is over {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if request.headers.get("content-encoding", "").strip().lower() == "gzip":
        inflated = ingest.gunzip(body, limit)
        if isinstance(inflated, Problem):
            raise inflated
        return inflated
    return body


async def deliver(
    gateway: KafkaGateway, outcomes: list[ingest.Outcome], settings: ApiSettings
) -> tuple[int, int]:
    """Send the accepted events and the dead letters; (accepted, refused) once all acked."""
    accepted = [o for o in outcomes if isinstance(o, ingest.Accepted)]
    refused = [o for o in outcomes if isinstance(o, ingest.Refused)]
    dead = [
        dead_letter(o.key, o.raw, o.rejection.kind, o.rejection.field, o.rejection.rule,
                    o.rejection.message)
        for o in refused
    ]  # fmt: skip
    if not await gateway.send([o.message for o in accepted], dead, settings.ack_timeout_s):
        raise unavailable("Kafka did not acknowledge every event in time", settings.retry_after_s)
    gateway.on_sent([o.message for o in accepted])
    for o in refused:
        EVENTS_REJECTED.labels(o.rejection.kind).inc()
    return len(accepted), len(refused)
