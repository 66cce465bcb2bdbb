"""PURE: SDK messages (Segment, PostHog) to events ready for Kafka and refusals for the DLQ.

The same outcomes as the native door (:mod:`eventtide.api.ingest`), so a message an SDK
sent is accepted or refused, and dead-lettered with its reason, exactly as a native
event would be. A refused message is dead-lettered as the SDK sent it, so fixing the
mapping and replaying loses nothing.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import orjson

from eventtide.api.ingest import Accepted, Outcome, Refused
from eventtide.core.events import Rejection
from eventtide.core.events.contracts import Mapped, to_event
from eventtide.core.events.contracts.common import with_id
from eventtide.core.events.rejection import single
from eventtide.core.kafka.codec import encode

Mapper = Callable[..., Mapped]
"""``from_segment`` or ``from_posthog``: (message, received_at=, sent_at=) -> Mapped."""


def prepare_sdk(
    messages: list[Any],
    mapper: Mapper,
    *,
    received_at: datetime,
    sent_at: object,
    context: Mapping[str, Any],
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[Outcome]:
    """Map, validate and encode each message, keeping their order."""
    outcomes: list[Outcome] = []
    for index, message in enumerate(messages):
        raw = orjson.dumps(message)
        if not isinstance(message, dict):
            kind = "null" if message is None else type(message).__name__
            rejection = single(
                "schema_violation", "", "object_expected", f"a message is an object, not {kind}"
            )
            outcomes.append(Refused(index, rejection, b"", raw))
            continue
        mapped = mapper(message, received_at=received_at, sent_at=sent_at)
        if "event_id" not in mapped.custom:  # the collector gives it one
            mapped = with_id(mapped, new_id())
        event = to_event(mapped, context)
        if isinstance(event, Rejection):
            user = mapped.custom.get("user_id")
            key = user.encode() if isinstance(user, str) else b""
            outcomes.append(Refused(index, event, key, raw))
        else:
            outcomes.append(Accepted(index, str(event.event_id), encode(event)))
    return outcomes


def basic_username(authorization: str | None) -> str | None:
    """The user name of an HTTP Basic header: where Segment's SDKs put the write key."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _ = decoded.partition(":")
    return user or None
