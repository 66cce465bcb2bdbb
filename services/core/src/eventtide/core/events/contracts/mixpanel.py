"""Mixpanel's raw event export (``/api/2.0/export``): one ``{"event", "properties"}`` per line.

``properties`` holds everything: ``time`` (epoch seconds, or milliseconds in newer
exports), ``distinct_id``, ``$insert_id`` (the idempotency key), the SDK's ``$os``,
``mp_lib``, ``$current_url``, ``$referrer``, ``mp_country_code``... and the app's own.

- ``$mp_web_page_view`` (the JavaScript SDK's page views) is a ``page_view``.
- Identity, both of Mixpanel's ID-merge APIs: ``$identify`` links ``$anon_id`` to
  ``$identified_id``; ``$create_alias`` links ``distinct_id`` to ``alias``; ``$merge``
  links the two ids of ``$distinct_ids``; under Simplified ID Merge an event carrying
  ``$user_id`` and ``$device_id`` links ``$device:<device id>`` (the anonymous events'
  ``distinct_id``) to the user, once per pair (the link's id derives from it).
- Other names: Segment's e-commerce spec names (which Segment's Mixpanel destination
  keeps) become the typed events, the rest custom events with their properties as sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import (
    ID_NAMESPACE,
    NO_PAGE,
    NO_SESSION,
    Mapped,
    country_from,
    event_id,
    obj,
    path_of,
    text,
)
from eventtide.core.events.contracts.ecommerce import typed_reading
from eventtide.core.events.contracts.exports import first_time, with_line_id

PAGE_VIEW: Final = "$mp_web_page_view"
DEVICE_PREFIX: Final = "$device:"
"""Simplified ID Merge's ``distinct_id`` of an anonymous device's events."""


def from_mixpanel_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported Mixpanel event, and the identity link it carries, if any."""
    name = text(message.get("event"))
    properties = obj(message.get("properties"))
    user = text(properties.get("distinct_id"))
    at = first_time(properties.get("time")) or imported_at
    envelope: dict[str, Any] = {
        "user_id": user,
        "session_id": str(properties.get("$session_id") or NO_SESSION)[:128],
        "occurred_at": at,
        "received_at": first_time(properties.get("mp_processing_time_ms")) or at,
        "context": _context(properties),
    }
    insert_id = event_id(properties.get("$insert_id"), "mixpanel")
    if insert_id is not None:
        envelope["event_id"] = insert_id
    custom = {**envelope, "event_type": name, "properties": dict(properties)}
    own = {k: v for k, v in properties.items() if not _system(k)}
    mapped = [with_line_id(Mapped(_typed(name, properties, own, envelope), custom), message,
                           "mixpanel")]  # fmt: skip
    link = _device_link(properties, envelope)
    return mapped + ([link] if link is not None else [])


def _typed(
    name: str | None,
    properties: Mapping[str, Any],
    own: Mapping[str, Any],
    envelope: Mapping[str, Any],
) -> dict[str, Any] | None:
    if name == PAGE_VIEW:
        title = text(properties.get("current_page_title"))
        page_view: dict[str, Any] = {"title": title} if title else {}
        extra = {k: v for k, v in own.items() if k != "current_page_title"}
        if extra:
            page_view["extra"] = extra
        return {**envelope, "event_type": "page_view", "properties": page_view}
    if name == "$identify":
        user, anonymous = text(properties.get("$identified_id")), text(properties.get("$anon_id"))
        return _linked(envelope, user, anonymous)
    if name == "$merge":
        ids = properties.get("$distinct_ids")
        pair = [text(i) for i in ids] if isinstance(ids, list) and len(ids) == 2 else []
        return _linked(envelope, pair[0], pair[1]) if pair else None
    if name == "$create_alias":
        alias, previous = text(properties.get("alias")), text(properties.get("distinct_id"))
        if alias is None or previous is None:
            return None
        return {**envelope, "user_id": alias, "event_type": "alias",
                "properties": {"previous_id": previous}}  # fmt: skip
    reading = typed_reading(name, own) if name is not None else None
    if reading is None:
        return None
    event_type, typed = reading
    return {**envelope, "event_type": event_type, "properties": typed}


def _linked(
    envelope: Mapping[str, Any], user: str | None, anonymous: str | None
) -> dict[str, Any] | None:
    """An identify of ``user`` that says they were ``anonymous``."""
    if user is None:
        return None
    identify: dict[str, Any] = {"set": {}}
    if anonymous and anonymous != user:
        identify["anonymous_id"] = anonymous
    return {**envelope, "user_id": user, "event_type": "identify", "properties": identify}


def _device_link(properties: Mapping[str, Any], envelope: Mapping[str, Any]) -> Mapped | None:
    """Simplified ID Merge: the device's anonymous id is the user's, once per pair."""
    user, device = text(properties.get("$user_id")), text(properties.get("$device_id"))
    if user is None or device is None:
        return None
    anonymous = f"{DEVICE_PREFIX}{device}"
    linked = _linked({**envelope, "event_id": _pair_id(user, anonymous)}, user, anonymous)
    return None if linked is None else Mapped(linked, linked)


def _pair_id(user: str, anonymous: str) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"mixpanel-link:{anonymous}:{user}")


def _system(key: str) -> bool:
    """Mixpanel's own properties: ``$``-prefixed, ``mp_``-prefixed, and the envelope's."""
    return key.startswith(("$", "mp_")) or key in ("time", "distinct_id", "token")


def _context(properties: Mapping[str, Any]) -> dict[str, Any]:
    os_name = str(properties.get("$os", "")).lower()
    library = str(properties.get("mp_lib", "")).lower()
    if "ios" in os_name or library in ("iphone", "swift"):
        platform = "ios"
    elif "android" in os_name or library == "android":
        platform = "android"
    elif library == "web" or properties.get("$current_url"):
        platform = "web"
    else:
        platform = "server"
    device = "mobile" if platform in ("ios", "android") else "unknown"
    if platform == "web":  # the JavaScript SDK names a phone or tablet in $device, else none
        device = "mobile" if text(properties.get("$device")) else "desktop"
    page = (
        path_of(properties.get("$current_url")) or text(properties.get("$screen_name")) or NO_PAGE
    )
    result: dict[str, Any] = {
        "platform": platform,
        "device": device,
        "country": country_from(properties.get("mp_country_code"), properties.get("$country")),
        "page": page[:2048],
    }
    referrer = text(properties.get("$referrer"))
    if referrer and referrer != "$direct":
        result["referrer"] = referrer[:2048]
    return result
