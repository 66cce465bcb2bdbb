"""Amplitude's event export (the Export API's JSON lines): one event object per line.

Fields read: ``event_type``, ``user_id``, ``device_id``, ``event_time`` (UTC, without a
zone: Amplitude's own corrected time), ``server_received_time``, ``$insert_id`` (or
``insert_id``; else ``uuid``) as the idempotency key, ``session_id`` (the session's start
in epoch ms; -1 for none), ``event_properties``, ``user_properties``, ``platform``,
``os_name``, ``country``. Amplitude's other envelope fields (``city``, ``region``,
``language``, ``device_type``, ``library``, ``amplitude_id``...) are kept under
``$amplitude``. ``country`` is a country's name, not a code: the context's country is
``ZZ`` unless it is a two-letter code, and the name is kept.

- ``[Amplitude] Page Viewed`` (the Browser SDK's page views) is a ``page_view``, its page
  ``[Amplitude] Page Path``.
- ``$identify`` (an Identify call) is an ``identify`` that sets ``user_properties``.
- Identity: Amplitude merges a device's anonymous events into the user who signs in on
  it. An event carrying both ``user_id`` and ``device_id`` links the device id (the
  anonymous events' user) to the user, once per pair (the link's id derives from it).
- Other names: Segment's e-commerce spec names become the typed events, the rest custom
  events with ``event_properties`` as sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import (
    ID_NAMESPACE,
    NO_PAGE,
    Mapped,
    country_from,
    event_id,
    obj,
    path_of,
    text,
)
from eventtide.core.events.contracts.ecommerce import typed_reading
from eventtide.core.events.contracts.exports import first_time, with_line_id

PAGE_VIEW: Final = "[Amplitude] Page Viewed"
PAGE_PATH: Final = "[Amplitude] Page Path"
PAGE_TITLE: Final = "[Amplitude] Page Title"
PAGE_URL: Final = "[Amplitude] Page URL"
READ: Final = frozenset(
    {"event_type", "user_id", "device_id", "event_time", "client_event_time",
     "server_received_time", "server_upload_time", "$insert_id", "insert_id", "uuid",
     "session_id", "event_properties", "user_properties", "platform", "os_name"}
)  # fmt: skip
"""Fields the envelope or the event's reading takes; the rest go to ``$amplitude``."""


def from_amplitude_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported Amplitude event, and the identity link it carries, if any."""
    name = text(message.get("event_type"))
    user, device = text(message.get("user_id")), text(message.get("device_id"))
    properties = obj(message.get("event_properties"))
    at = first_time(message.get("event_time"), message.get("client_event_time")) or imported_at
    envelope: dict[str, Any] = {
        "user_id": user or device,
        "session_id": _session(message.get("session_id")),
        "occurred_at": at,
        "received_at": first_time(
            message.get("server_received_time"), message.get("server_upload_time")
        ) or at,
        "context": _context(message, properties),
    }  # fmt: skip
    key = message.get("$insert_id") or message.get("insert_id") or message.get("uuid")
    if (identifier := event_id(key, "amplitude")) is not None:
        envelope["event_id"] = identifier
    rest = {k: v for k, v in message.items() if k not in READ and v is not None}
    kept = {"$amplitude": rest} if rest else {}
    custom = {**envelope, "event_type": name, "properties": {**properties, **kept}}
    typed = _typed(name, message, properties, envelope, device)
    if typed is not None and kept and typed["event_type"] != "identify":
        typed["properties"]["extra"] = {**typed["properties"].get("extra", {}), **kept}
    mapped = [with_line_id(Mapped(typed, custom), message, "amplitude")]
    if user is not None and device is not None and user != device:
        link_id = uuid.uuid5(ID_NAMESPACE, f"amplitude-link:{device}:{user}")
        link = {**envelope, "event_id": link_id, "event_type": "identify",
                "properties": {"set": {}, "anonymous_id": device}}  # fmt: skip
        mapped.append(Mapped(link, link))
    return mapped


def _typed(
    name: str | None,
    message: Mapping[str, Any],
    properties: Mapping[str, Any],
    envelope: Mapping[str, Any],
    device: str | None,
) -> dict[str, Any] | None:
    if name == PAGE_VIEW:
        title = text(properties.get(PAGE_TITLE))
        own = {k: v for k, v in properties.items() if k != PAGE_TITLE}
        page_view: dict[str, Any] = {"title": title} if title else {}
        if own:
            page_view["extra"] = own
        return {**envelope, "event_type": "page_view", "properties": page_view}
    if name == "$identify":
        identify: dict[str, Any] = {"set": obj(message.get("user_properties"))}
        if device and device != envelope["user_id"]:
            identify["anonymous_id"] = device
        return {**envelope, "event_type": "identify", "properties": identify}
    reading = typed_reading(name, properties) if name is not None else None
    if reading is None:
        return None
    event_type, typed = reading
    return {**envelope, "event_type": event_type, "properties": typed}


def _session(value: object) -> str:
    """Amplitude's session id (its start in epoch ms); -1, its "no session", is none."""
    if value is None or value == -1 or value == "-1" or value == "":
        return "(none)"
    return str(value)[:128]


def _context(message: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    platform_name = str(message.get("platform", "")).lower()
    os_name = str(message.get("os_name", "")).lower()
    if platform_name == "ios" or "ios" in os_name:
        platform = "ios"
    elif platform_name == "android" or "android" in os_name:
        platform = "android"
    elif platform_name == "web":
        platform = "web"
    else:
        platform = "server"
    device = "mobile" if platform in ("ios", "android") else "unknown"
    if platform == "web":
        device_type = str(message.get("device_type", "")).lower()
        phone = any(word in device_type for word in ("iphone", "android", "mobile"))
        device = "mobile" if phone else "desktop"
    page = path_of(properties.get(PAGE_PATH)) or path_of(properties.get(PAGE_URL)) or NO_PAGE
    return {
        "platform": platform,
        "device": device,
        "country": country_from(message.get("country")),
        "page": page[:2048],
    }
