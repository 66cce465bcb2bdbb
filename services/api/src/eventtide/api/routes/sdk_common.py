"""What the SDK doors share: reading the body, the caller behind an SDK's key, sending."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi import Request

from eventtide.api import ingest
from eventtide.api.auth import Authenticator, Principal, unauthorized
from eventtide.api.delivery import deliver, read_body
from eventtide.api.ingest import Outcome
from eventtide.api.kafka_io import KafkaGateway
from eventtide.api.keys import grants
from eventtide.api.problems import Problem
from eventtide.api.received import received_at
from eventtide.api.sdk import Mapper, prepare_sdk
from eventtide.api.settings import ApiSettings
from eventtide.core.events import validation_context
from eventtide.core.settings import CoreSettings


def openapi_body(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    """The request body as OpenAPI states it (the SDK routes read the raw body themselves)."""
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


async def json_body(request: Request, settings: ApiSettings) -> dict[str, Any]:
    """The request's JSON object (gzip allowed), or a problem saying what is wrong."""
    body = await read_body(request, settings.body_max_bytes)
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise Problem(400, "malformed-json", "Malformed JSON", f"not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise Problem(400, "malformed-json", "Malformed JSON", "send a JSON object")
    return parsed


def batch_of(body: dict[str, Any], field: str) -> list[Any]:
    """The body's non-empty array ``field`` (a batch's messages), or a 400 saying so."""
    batch = body.get(field)
    if not isinstance(batch, list) or not batch:
        raise Problem(400, "empty-batch", "Empty batch", f"send a non-empty `{field}` array")
    return batch


def ingest_caller(request: Request, key: object) -> Principal:
    """The caller behind an SDK's key (an eventtide ingest key), within its rate limit."""
    if not isinstance(key, str) or not key:
        raise unauthorized("send your eventtide ingest key as the SDK's write key or token")
    authenticator: Authenticator = request.app.state.authenticator
    caller = authenticator.authenticate(key, None)
    if not grants(caller.scopes, "ingest"):
        raise Problem(403, "forbidden", "Not allowed", "this needs the ingest scope")
    authenticator.admit(caller)
    return caller


async def send_messages(
    request: Request,
    messages: list[Any],
    mapper: Mapper,
    *,
    sent_at: object,
    settings: ApiSettings,
    added: int = 0,
) -> tuple[int, int]:
    """Map and send every message; (accepted, refused) once Kafka acknowledged all.

    ``added`` of the messages (at the end) were made by the door, not sent by the client,
    and do not count against the batch limit."""
    sent = len(messages) - added
    if sent > settings.batch_max_events:
        raise ingest.too_large(f"{sent} messages in one batch; at most {settings.batch_max_events}")
    gateway: KafkaGateway = request.app.state.gateway
    outcomes = prepared(request, messages, mapper, sent_at=sent_at)
    return await deliver(gateway, outcomes, settings)


def prepared(
    request: Request, messages: list[Any], mapper: Mapper, *, sent_at: object
) -> list[Outcome]:
    """Each message mapped and validated as this API judges events (its clock rule)."""
    core: CoreSettings = request.app.state.core
    return prepare_sdk(
        messages,
        mapper,
        received_at=received_at(request),
        sent_at=sent_at,
        context=validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s)),
    )
