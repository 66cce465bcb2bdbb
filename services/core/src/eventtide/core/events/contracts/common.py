"""What both SDK contracts need: ids, event time, context, and typed-or-custom choice."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from eventtide.core.events.models import EVENT_MODELS, IDENTITY_TYPES, AnyEvent
from eventtide.core.events.rejection import Rejection
from eventtide.core.events.validation import validate_event

ID_NAMESPACE: Final = uuid.UUID("6f1c2d0e-8a5b-4c7e-9d3f-2b1a0e9c8d71")
"""Namespace for event ids derived from an SDK's non-UUID message ids (UUID v5)."""

UNKNOWN_COUNTRY: Final = "ZZ"
"""CLDR's code for an unknown region: SDKs do not always say where a user is."""

TYPED_FIELDS: Final = {
    name: frozenset(getattr(model.model_fields["properties"].annotation, "model_fields", ()))
    for name, model in EVENT_MODELS.items()
}
"""Each typed event's property names (``extra`` among them where it keeps the rest)."""

NO_PAGE: Final = "(none)"
"""``context.page`` of an event sent from no page or screen (a server-side call)."""

NO_SESSION: Final = "(none)"
"""``session_id`` when the SDK sends none; eventtide's own sessions come from event time."""
POSITION: Final = "$position"
"""A message's place among the events its sender sent together, for :func:`in_order`."""
MAX_POSITION: Final = 1_000_000
"""Far above any batch a door takes, and far below a ``timedelta``'s limits."""


@dataclass(frozen=True, slots=True)
class Mapped:
    """One SDK message as a native event: the typed reading if the name has one, and
    the custom reading that keeps the message as sent when the typed one does not fit."""

    typed: dict[str, Any] | None
    custom: dict[str, Any]
    source: str = ""
    """The door's name (``segment``, ``posthog``...) when the custom reading carries a
    name the app chose, which may be one of eventtide's typed names."""


def to_event(mapped: Mapped, context: Mapping[str, Any] | None = None) -> AnyEvent | Rejection:
    """Validate the typed reading; if it does not fit, the custom one (never dropped).

    An e-commerce name whose message lacks what the typed event needs (an "Order
    Completed" without products) is stored as a custom event under its own name, so
    the data is there, under the name the team sent. An app's own event that bears one
    of eventtide's typed names (``track("login")``, ``capture("search")``) is read by
    :func:`_named_like_a_typed_event`.
    """
    if mapped.typed is not None:
        typed = validate_event(mapped.typed, context)
        if not isinstance(typed, Rejection):
            return typed
    name = mapped.custom.get("event_type")
    if mapped.source and isinstance(name, str) and name in EVENT_MODELS:
        return _named_like_a_typed_event(mapped, str(name), context)
    return validate_event(mapped.custom, context)


def _named_like_a_typed_event(
    mapped: Mapped, name: str, context: Mapping[str, Any] | None
) -> AnyEvent | Rejection:
    """The typed event when the properties the app sent fit it (those it does not
    define kept in its ``extra``); else the custom event ``<door>:<name>``, since a
    typed name always means the typed event (docs/events.md). An identity call is never
    taken from an app's own event of that name: it would change who is who."""
    renamed = {**mapped.custom, "event_type": f"{mapped.source}:{name}"}
    if name in IDENTITY_TYPES:
        return validate_event(renamed, context)
    properties = obj(mapped.custom.get("properties"))
    fields = TYPED_FIELDS[name]
    own = {k: v for k, v in properties.items() if k in fields and k != "extra"}
    rest = {k: v for k, v in properties.items() if k not in own}
    if not rest or "extra" in fields:
        read = {**own, "extra": rest} if rest else own
        typed = validate_event({**mapped.custom, "properties": read}, context)
        if not isinstance(typed, Rejection):
            return typed
    return validate_event(renamed, context)


def with_id(mapped: Mapped, event_id: uuid.UUID) -> Mapped:
    """``mapped`` with ``event_id`` in both readings, unless the message carried one."""
    if "event_id" in mapped.custom:
        return mapped
    typed = None if mapped.typed is None else {**mapped.typed, "event_id": event_id}
    return Mapped(typed, {**mapped.custom, "event_id": event_id}, mapped.source)


def event_id(message_id: object, prefix: str) -> uuid.UUID | None:
    """The SDK's message id as a UUID: itself if it is one, else derived (stable on retry)."""
    if message_id is None or message_id == "":
        return None
    text = str(message_id)
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(ID_NAMESPACE, f"{prefix}:{text}")


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 time with a zone, or None (the native rules then judge the raw value)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def occurred_at(timestamp: object, sent_at: object, received_at: datetime) -> object:
    """Event time with the client's clock skew removed, as Segment and PostHog do it.

    ``received - (sent_at - timestamp)``: the time between the event and the send, by the
    client's clock, before the server's receipt. Without ``sent_at`` the timestamp is
    taken as it is (and judged by the clock-skew rule); without a timestamp, the receipt.
    """
    if timestamp is None:
        return received_at
    at, sent = parse_time(timestamp), parse_time(sent_at)
    if at is None:
        return timestamp  # not a zoned ISO time: the native validation says why
    return skew_corrected(at, sent, received_at)


def in_order(at: datetime, position: object) -> datetime:
    """``at`` (a receipt, or a request's one time) a microsecond on for each event sent
    before this one with it: events that carry no time of their own keep the order they
    were sent in where one must follow another (a funnel counts a step only strictly
    after the last). A place that is no batch's (a client may send any value under the
    name) leaves ``at`` as it is."""
    if isinstance(position, int) and 0 <= position < MAX_POSITION:
        return at + timedelta(microseconds=position)
    return at


def skew_corrected(at: datetime, sent: datetime | None, received_at: datetime) -> datetime:
    """``received - (sent - at)``, never later than the receipt; ``at`` without ``sent``."""
    if sent is None:
        return at
    return received_at - max(sent - at, timedelta(0))


def context_fields(
    *,
    platform: str,
    device: str,
    country: str,
    page: str,
    referrer: str | None = None,
    user_agent: str | None = None,
) -> dict[str, Any]:
    """An event's ``context`` as every contract builds it: the page and referrer cut to
    2,048 characters and the user agent to 1,024 (the envelope's limits), an empty
    referrer or agent left out."""
    result: dict[str, Any] = {
        "platform": platform, "device": device, "country": country, "page": page[:2048],
    }  # fmt: skip
    if referrer:
        result["referrer"] = referrer[:2048]
    if user_agent:
        result["user_agent"] = user_agent[:1024]
    return result


def country_from(*candidates: object) -> str:
    """The first ISO 3166-1 alpha-2 code among country fields or locales (``en-US``)."""
    for candidate in candidates:
        if not isinstance(candidate, str):
            continue
        code = (
            candidate.replace("_", "-").split("-")[-1]
            if "-" in candidate or "_" in candidate
            else candidate
        )
        if len(code) == 2 and code.isalpha():
            return code.upper()
    return UNKNOWN_COUNTRY


def path_of(url: object) -> str | None:
    """The path of a URL, or the text itself when it already is one."""
    if not isinstance(url, str) or not url:
        return None
    if url.startswith("/"):
        return url
    path = urlsplit(url).path
    return path or "/"


def number_sent_as_text(value: object) -> object:
    """A number a protocol sends as text (a query string's), an integer where it is one;
    text that is no finite number, and any other value, as it is, for validation to
    judge."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def obj(value: object) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a malformed part of a message)."""
    return value if isinstance(value, dict) else {}


def text(value: object) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def split_known(
    properties: Mapping[str, Any], known: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The properties a typed event defines, and the rest (kept in ``extra``)."""
    used = {key: value for key, value in properties.items() if key in known}
    rest = {key: value for key, value in properties.items() if key not in known}
    return used, rest
