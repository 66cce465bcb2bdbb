"""Segment's HTTP Tracking API messages (track, page, screen, identify, alias, group).

The contract Segment's and RudderStack's SDKs speak: each message has a ``type``, a
``userId`` and/or ``anonymousId``, a ``messageId`` (the idempotency key), a client
``timestamp``, ``context`` and ``properties`` or ``traits``; a batch carries ``sentAt``
for the clock-skew correction.
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
    occurred_at,
    path_of,
    text,
)
from eventtide.core.events.contracts.ecommerce import typed_reading

SOURCE: Final = "segment"
"""The door's name: a custom event named like a typed one that does not fit it is
kept as ``segment:<name>`` (:func:`.common.to_event`)."""

GROUP_EVENT = "$group"
"""Custom event name a ``group`` call is stored under."""


def from_segment(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One Segment message as eventtide events (typed where the spec maps, else custom).

    ``sent_at`` is the batch's ``sentAt`` when the message has none of its own.
    """
    kind = message.get("type")
    user_id = text(message.get("userId")) or text(message.get("anonymousId"))
    anonymous_id = text(message.get("anonymousId"))
    context = obj(message.get("context"))
    properties = obj(message.get("properties"))
    envelope = {
        "event_id": event_id(message.get("messageId"), "segment"),
        "user_id": user_id,
        "session_id": _session(context, properties),
        "occurred_at": occurred_at(
            message.get("timestamp") or message.get("originalTimestamp"),
            message.get("sentAt") or sent_at,
            received_at,
        ),
        "received_at": received_at,
        "context": _context(context, kind, message, properties),
    }
    if envelope["event_id"] is None:
        del envelope["event_id"]  # the collector gives it one
    traits = obj(message.get("traits"))
    if kind == "identify":
        # RudderStack's SDKs send a user's traits as ``context.traits`` only; Segment's
        # spec names that the current user's traits too
        identify: dict[str, Any] = {"set": {**obj(context.get("traits")), **traits}}
        if anonymous_id:  # without a userId, the anonymous visitor's own traits
            identify["anonymous_id"] = anonymous_id
        native = {**envelope, "event_type": "identify", "properties": identify}
        return Mapped(native, native)
    if kind == "alias":
        alias = {"previous_id": message.get("previousId")}
        native = {**envelope, "event_type": "alias", "properties": alias}
        return Mapped(native, native)
    if kind == "group":
        group = {"group_id": message.get("groupId"), "traits": traits}
        return Mapped(None, {**envelope, "event_type": GROUP_EVENT, "properties": group})
    if kind in ("page", "screen"):
        name = text(message.get("name"))
        kept = dict(properties)
        title = kept.pop("title", None) or name
        page_view: dict[str, Any] = {"title": title} if isinstance(title, str) else {}
        if kept:
            page_view["extra"] = kept
        custom_name = f"$screen: {name}" if kind == "screen" and name else f"${kind}"
        return Mapped(
            {**envelope, "event_type": "page_view", "properties": page_view},
            {**envelope, "event_type": custom_name, "properties": dict(properties)},
        )
    name = message.get("event")
    custom = {**envelope, "event_type": name, "properties": dict(properties)}
    reading = typed_reading(name, properties) if isinstance(name, str) else None
    if reading is None:
        return Mapped(None, custom, SOURCE)
    event_type, typed_properties = reading
    typed = {**envelope, "event_type": event_type, "properties": typed_properties}
    return Mapped(typed, custom, SOURCE)


def _session(context: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    for candidate in (context.get("sessionId"), properties.get("session_id")):
        if candidate is not None and str(candidate):
            return str(candidate)[:128]
    return NO_SESSION


def _context(
    context: Mapping[str, Any],
    kind: object,
    message: Mapping[str, Any],
    properties: Mapping[str, Any],
) -> dict[str, Any]:
    page = obj(context.get("page"))
    device = obj(context.get("device"))
    os = obj(context.get("os"))
    location = obj(context.get("location"))
    library = obj(context.get("library"))
    platform = _platform(str(os.get("name", "")), str(library.get("name", "")), bool(page))
    if kind == "screen":
        where = text(message.get("name")) or NO_PAGE
    else:
        where = (
            path_of(properties.get("path"))
            or path_of(page.get("path"))
            or path_of(properties.get("url"))
            or path_of(page.get("url"))
            or NO_PAGE
        )
    return context_fields(
        platform=platform,
        device=_device(str(device.get("type", "")), platform),
        country=country_from(location.get("country"), context.get("locale")),
        page=where,
        referrer=text(properties.get("referrer")) or text(page.get("referrer")),
        user_agent=text(context.get("userAgent")),
    )


def _platform(os_name: str, library: str, has_page: bool) -> str:
    lowered = f"{os_name} {library}".lower()
    if "ios" in lowered:
        return "ios"
    if "android" in lowered:
        return "android"
    if has_page or "analytics.js" in lowered or "analytics-next" in lowered:
        return "web"
    return "server"


def _device(kind: str, platform: str) -> str:
    lowered = kind.lower()
    if lowered in ("mobile", "tablet", "tv", "desktop"):
        return lowered
    if lowered in ("ios", "android") or platform in ("ios", "android"):
        return "mobile"
    return "unknown"
