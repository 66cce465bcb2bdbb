"""Amplitude's events: what its SDKs send to the HTTP V2 API, and its Export API's lines.

Fields read: ``event_type``, ``user_id``, ``device_id``, the time (``time`` in epoch ms
from an SDK; ``event_time``, UTC without a zone, Amplitude's own corrected time, in an
export), ``server_received_time`` (an export's receipt), ``insert_id`` (an export's
``$insert_id``; else ``uuid``) as the idempotency key, ``session_id`` (the session's
start in epoch ms; -1 for none), ``event_properties``, ``user_properties``,
``platform``, ``os_name``, ``user_agent`` (the Browser SDK's), ``country``. Amplitude's
other envelope fields (``city``, ``region``, ``language``, ``device_type``, ``library``,
``amplitude_id``...) are kept under ``$amplitude``. ``country`` is a country's name, not
a code: the context's country is its code (:mod:`.countries`), else the region of
``language`` (``en-US``: ``US``), else ``ZZ``; the name is kept.

- ``[Amplitude] Page Viewed`` (the Browser SDK's page views) is a ``page_view``, its page
  ``[Amplitude] Page Path``. On the Browser SDK's events the referrer is
  ``[Amplitude] Previous Page Location``, the page the visitor came from.
- ``$identify`` (an Identify call) is an ``identify``: the SDKs' ``user_properties``
  operations ``$set`` and ``$setOnce`` set the traits (an export's plain
  ``user_properties`` are set as they are). Its anonymous id is the device id: before
  a user id is set (the Browser SDK's attribution sends one on a first visit) that is
  the device's own traits, which identify nobody.
- Identity: Amplitude merges a device's anonymous events into the user who signs in on
  it. An event carrying both ``user_id`` and ``device_id`` links the device id (the
  anonymous events' user) to the user, once per pair (the link's id derives from it).
- Other names: Segment's e-commerce spec names become the typed events, the rest custom
  events with ``event_properties`` as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import (
    NO_PAGE,
    NO_SESSION,
    Mapped,
    context_fields,
    country_from,
    event_id,
    obj,
    path_of,
    text,
)
from eventtide.core.events.contracts.countries import country_named
from eventtide.core.events.contracts.ecommerce import typed_reading
from eventtide.core.events.contracts.exports import first_time, with_line_id, with_link

SOURCE: Final = "amplitude"
"""The door's name: a custom event named like a typed one that does not fit it is
kept as ``amplitude:<name>`` (:func:`.common.to_event`)."""

PAGE_VIEW: Final = "[Amplitude] Page Viewed"
PAGE_PATH: Final = "[Amplitude] Page Path"
PAGE_TITLE: Final = "[Amplitude] Page Title"
PAGE_URL: Final = "[Amplitude] Page URL"
PREVIOUS_PAGE: Final = "[Amplitude] Previous Page Location"
IDENTIFY: Final = "$identify"
READ: Final = frozenset(
    {"event_type", "user_id", "device_id", "time", "event_time", "client_event_time",
     "server_received_time", "server_upload_time", "$insert_id", "insert_id", "uuid",
     "session_id", "event_properties", "user_properties", "platform", "os_name",
     "user_agent"}
)  # fmt: skip
"""Fields the envelope or the event's reading takes; the rest go to ``$amplitude``."""


def from_amplitude(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One event an Amplitude SDK sent (HTTP V2 API): its ``time`` as sent (the API
    takes no send time to correct a client's clock by; the clock rule judges it)."""
    del sent_at
    at = first_time(message.get("time")) or received_at
    return _mapped(message, occurred_at=at, received_at=received_at)


def from_amplitude_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported Amplitude event, and the identity link it carries, if any."""
    at = first_time(
        message.get("event_time"), message.get("client_event_time"), message.get("time")
    ) or imported_at  # fmt: skip
    received = first_time(
        message.get("server_received_time"), message.get("server_upload_time")
    )  # fmt: skip

    def at_its_times(event: Mapping[str, Any]) -> Mapped:
        return _mapped(event, occurred_at=at, received_at=received or at)

    event = with_line_id(at_its_times(message), message, "amplitude")
    return with_link(event, link_event(message), at_its_times)


def link_event(
    message: Mapping[str, Any],
) -> tuple[tuple[str, str], dict[str, Any] | None] | None:
    """For an event carrying both a user id and a device id: the pair, and the
    ``$identify`` that links the device's anonymous events to the user, in Amplitude's
    own form (None when the event is such an identify itself). Its ``insert_id``
    derives from the pair, so storage keeps one."""
    user, device = text(message.get("user_id")), text(message.get("device_id"))
    if user is None or device is None or user == device:
        return None
    if message.get("event_type") == IDENTIFY:
        return (device, user), None
    link_id = event_id(f"{device}:{user}", "amplitude-link")
    shared = {k: message[k] for k in ("time", "session_id", "platform", "os_name")
              if k in message}  # fmt: skip
    identify = {**shared, "event_type": IDENTIFY, "user_id": user, "device_id": device,
                "insert_id": str(link_id)}  # fmt: skip
    return (device, user), identify


def _mapped(message: Mapping[str, Any], *, occurred_at: datetime, received_at: datetime) -> Mapped:
    name = text(message.get("event_type"))
    user, device = text(message.get("user_id")), text(message.get("device_id"))
    properties = obj(message.get("event_properties"))
    envelope: dict[str, Any] = {
        "user_id": user or device,
        "session_id": _session(message.get("session_id")),
        "occurred_at": occurred_at,
        "received_at": received_at,
        "context": _context(message, properties),
    }
    key = message.get("$insert_id") or message.get("insert_id") or message.get("uuid")
    if (identifier := event_id(key, "amplitude")) is not None:
        envelope["event_id"] = identifier
    rest = {k: v for k, v in message.items() if k not in READ and v is not None}
    kept = {"$amplitude": rest} if rest else {}
    custom = {**envelope, "event_type": name, "properties": {**properties, **kept}}
    typed = _typed(name, message, properties, envelope, device)
    if typed is not None and kept and typed["event_type"] != "identify":
        typed["properties"]["extra"] = {**typed["properties"].get("extra", {}), **kept}
    return Mapped(typed, custom, SOURCE)


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
    if name == IDENTIFY:
        identify: dict[str, Any] = _traits(obj(message.get("user_properties")))
        if device:  # before a user id is set, the device's own traits
            identify["anonymous_id"] = device
        return {**envelope, "event_type": "identify", "properties": identify}
    reading = typed_reading(name, properties) if name is not None else None
    if reading is None:
        return None
    event_type, typed = reading
    return {**envelope, "event_type": event_type, "properties": typed}


def _traits(user_properties: dict[str, Any]) -> dict[str, Any]:
    """``set``/``set_once`` from an SDK's operations, or an export's plain properties."""
    if any(key.startswith("$") for key in user_properties):
        return {"set": obj(user_properties.get("$set")),
                "set_once": obj(user_properties.get("$setOnce"))}  # fmt: skip
    return {"set": user_properties}


def _session(value: object) -> str:
    """Amplitude's session id (its start in epoch ms); -1, its "no session", is none."""
    if value is None or value == -1 or value == "-1" or value == "":
        return NO_SESSION
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
    return context_fields(
        platform=platform,
        device=device,
        country=country_from(
            country_named(message.get("country")), message.get("country"), message.get("language")
        ),
        page=page,
        referrer=text(properties.get(PREVIOUS_PAGE)),
        user_agent=text(message.get("user_agent")),
    )
