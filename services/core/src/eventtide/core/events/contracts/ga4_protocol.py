"""Google Analytics 4's Measurement Protocol: what a server sends to ``/mp/collect``.

A request is ``{"client_id" | "app_instance_id", "user_id"?, "timestamp_micros"?,
"user_properties"?: {name: {"value": v}}, "device"?, "user_location"?, "events":
[{"name", "params", "timestamp_micros"?}]}``; the ``api_secret`` in the URL is an
eventtide ingest key here. Each event is read as a row of GA4's export is
(:mod:`.ga4`: the same recommended events onto the same typed events), with these
differences:

- The user is ``user_id``, else ``client_id`` (a web stream's) or ``app_instance_id``
  (an app's). A request carrying ``user_id`` and another of them stands for the link of
  that id to the user (the API adds it once per pair).
- The time is the event's ``timestamp_micros``, else the request's, else the receipt;
  an event without its own is a microsecond later than the one before it in the
  request, so the order they were sent in survives in queries that need one event
  after another (a funnel's steps). The session is the ``session_id`` parameter (GA4's
  documented name here).
- The platform is ``web`` for a ``client_id``, else ``server`` (an app's platform is not
  sent); the device category and language from ``device``, the country from
  ``user_location.country_id``.
- ``user_properties`` are the user's traits: an ``identify`` of their own, setting
  them (with no link: it identifies nobody).
- A cart add or removal with several items is one message per item, as in the export.
- The request's other fields (``device``, ``user_location``, ``consent``...) are kept
  under ``$ga4``, except ``user_data`` and ``ip_override`` (personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import (
    NO_SESSION,
    POSITION,
    Mapped,
    in_order,
    obj,
    text,
)
from eventtide.core.events.contracts.ga4 import (
    PER_ITEM,
    context_of,
    link_reading,
    microseconds,
    products,
    readings,
    without_nulls,
)

REQUEST: Final = "$request"
"""Where a message keeps its request's fields (the ids, the device...)."""
INDEX: Final = "$index"
"""The place of a message's event in the request's ``events``."""
KIND: Final = "$kind"
"""What a message stands for: an ``event``, the user's ``traits``, or the ``link``."""
NOT_KEPT: Final = frozenset({"user_properties", "user_data", "ip_override"})
"""Request fields an event does not keep: the traits (their own identify), and the
hashed e-mail addresses and the IP address GA4 takes for its ads (personal data)."""


def protocol_messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A request as messages of one event each: each event (a cart add or removal of
    several items: one per item), then the user properties' identify, if any."""
    request = {k: v for k, v in body.items() if k != "events"}
    events = body.get("events")
    messages: list[dict[str, Any]] = []
    for index, event in enumerate(events if isinstance(events, list) else []):
        params = obj(event.get("params")) if isinstance(event, dict) else {}
        items = params.get("items")
        name = event.get("name") if isinstance(event, dict) else None
        if isinstance(name, str) and name in PER_ITEM and isinstance(items, list):
            for item in items:
                one = {**event, "params": {**params, "items": [item]}}
                messages.append({KIND: "event", INDEX: index, REQUEST: request, "event": one})
        else:
            messages.append({KIND: "event", INDEX: index, REQUEST: request, "event": event})
    if obj(body.get("user_properties")):
        messages.append({KIND: "traits", REQUEST: request})
    return messages


def where(message: Mapping[str, Any]) -> str:
    """Where a message came from in its request, as GA4's validation names a field."""
    index = message.get(INDEX)
    return f"events[{index}]" if isinstance(index, int) else "user_properties"


def link_event(
    message: Mapping[str, Any],
) -> tuple[tuple[str, str], dict[str, Any] | None] | None:
    """For a message of a request carrying ``user_id`` and a client or app instance id:
    the pair, and the message that links them."""
    request = obj(message.get(REQUEST))
    user, pseudo = _ids(request)
    if user is None or pseudo is None or user == pseudo:
        return None
    return (pseudo, user), {KIND: "link", REQUEST: request}


def from_ga4_protocol(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One message of :func:`protocol_messages` (or :func:`link_event`) as an event."""
    del sent_at  # the protocol sends none: the clock rule judges the times it gives
    request = obj(message.get(REQUEST))
    event = obj(message.get("event"))
    sent = obj(event.get("params"))
    params = {k: v for k, v in sent.items() if k != "items"}
    user, pseudo = _ids(request)
    # a Google tag's batch numbers its events across its requests; else their index
    position = event.get(POSITION, message.get(INDEX))
    at = microseconds(event.get("timestamp_micros")) or in_order(
        microseconds(request.get("timestamp_micros")) or received_at, position
    )
    session = params.get("session_id")
    device, location = obj(request.get("device")), obj(request.get("user_location"))
    envelope: dict[str, Any] = {
        "user_id": user or pseudo,
        "session_id": NO_SESSION if session in (None, "") else str(session)[:128],
        "occurred_at": at,
        "received_at": received_at,
        "context": context_of(
            platform="web" if text(request.get("client_id")) else "server",
            category=device.get("category"),
            country=location.get("country_id"),
            language=device.get("language"),
            params=params,
        ),
    }
    kind = message.get(KIND)
    if kind == "link" and user is not None and pseudo is not None:
        return link_reading(envelope, pseudo, user)
    if kind == "traits":
        traits = {name: obj(value).get("value", value)
                  for name, value in obj(request.get("user_properties")).items()}  # fmt: skip
        own = {"set": traits, "anonymous_id": envelope["user_id"]}  # identifies nobody
        identify = {**envelope, "event_type": "identify", "properties": own}
        return Mapped(identify, identify)
    name = text(event.get("name"))
    if name is None:  # refused by validation: an event needs its name
        return Mapped(None, {**envelope, "properties": params})
    kept = without_nulls({k: v for k, v in request.items() if k not in NOT_KEPT})
    read = readings(name, params, products(sent.get("items")), envelope, kept)
    return read[0]  # one per message: protocol_messages split the items


def _ids(request: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The user id, and the client id (a web stream's) or app instance id (an app's)."""
    pseudo = text(request.get("client_id")) or text(request.get("app_instance_id"))
    return text(request.get("user_id")), pseudo
