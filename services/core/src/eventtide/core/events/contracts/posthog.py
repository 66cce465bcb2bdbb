"""PostHog's capture API messages (``/capture``, ``/batch``): ``event``, ``distinct_id``.

``$pageview`` and ``$screen`` are page views, ``$identify`` links ``$anon_distinct_id``
to the ``distinct_id`` and sets ``$set``/``$set_once``, ``$set``/``$set_once`` set the
``distinct_id``'s traits and identify nobody (an identify whose anonymous id is its own),
``$create_alias`` links ``properties.distinct_id`` and ``properties.alias``. Other names
map through the shared spec table, else become custom events.
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

SOURCE: Final = "posthog"
"""The door's name: a custom event named like a typed one that does not fit it is
kept as ``posthog:<name>`` (:func:`.common.to_event`)."""

SYSTEM_PREFIX = "$"
"""PostHog's own properties ($lib, $os, $current_url...) start with it."""
CREDENTIALS = frozenset({"token", "api_key"})
"""Where posthog-js repeats the project token in every event's properties: it is the
ingest key, a credential rather than something the event says, so it is not stored."""


def from_posthog(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One PostHog message as eventtide events (typed where it maps, else custom)."""
    name = message.get("event")
    properties = {k: v for k, v in obj(message.get("properties")).items() if k not in CREDENTIALS}
    distinct_id = text(message.get("distinct_id")) or text(properties.get("distinct_id"))
    if distinct_id is not None:
        distinct_id = str(distinct_id)
    envelope: dict[str, Any] = {
        "event_id": event_id(message.get("uuid"), "posthog"),
        "user_id": distinct_id,
        "session_id": str(properties.get("$session_id") or NO_SESSION)[:128],
        "occurred_at": occurred_at(
            message.get("timestamp"), message.get("sent_at") or sent_at, received_at
        ),
        "received_at": received_at,
        "context": _context(properties, name),
    }
    if envelope["event_id"] is None:
        del envelope["event_id"]
    custom = {**envelope, "event_type": name, "properties": dict(properties)}
    own = {k: v for k, v in properties.items() if not k.startswith(SYSTEM_PREFIX)}
    system = {k: v for k, v in properties.items() if k.startswith(SYSTEM_PREFIX)}
    if name in ("$pageview", "$screen"):
        title = own.pop("title", None) or properties.get("$screen_name")
        page_view: dict[str, Any] = {"title": title} if isinstance(title, str) else {}
        if own or system:
            page_view["extra"] = {**own, **system}
        return Mapped({**envelope, "event_type": "page_view", "properties": page_view}, custom)
    if name in ("$identify", "$set", "$set_once"):
        identify = _identify(message, properties, distinct_id)
        if name != "$identify" and distinct_id:  # PostHog's $set identifies nobody
            identify["anonymous_id"] = distinct_id
        return Mapped({**envelope, "event_type": "identify", "properties": identify}, custom)
    if name == "$create_alias":
        alias_to = text(properties.get("alias"))
        previous = text(properties.get("distinct_id")) or distinct_id
        alias = {**envelope, "user_id": alias_to, "event_type": "alias"}
        return Mapped({**alias, "properties": {"previous_id": previous}}, custom)
    reading = typed_reading(name, own) if isinstance(name, str) else None
    if reading is None:
        return Mapped(None, custom, SOURCE)
    event_type, typed_properties = reading
    if system:
        typed_properties["extra"] = {**typed_properties.get("extra", {}), **system}
    typed = {**envelope, "event_type": event_type, "properties": typed_properties}
    return Mapped(typed, custom, SOURCE)


def _identify(
    message: Mapping[str, Any], properties: Mapping[str, Any], distinct_id: str | None
) -> dict[str, Any]:
    to_set = message.get("$set") or properties.get("$set") or {}
    once = message.get("$set_once") or properties.get("$set_once") or {}
    identify: dict[str, Any] = {"set": to_set, "set_once": once}
    anonymous = text(properties.get("$anon_distinct_id"))
    if anonymous and anonymous != distinct_id:
        identify["anonymous_id"] = anonymous
    return identify


def _context(properties: Mapping[str, Any], name: object) -> dict[str, Any]:
    os_name = str(properties.get("$os", "")).lower()
    library = str(properties.get("$lib", "")).lower()
    if "ios" in os_name or "ios" in library:
        platform = "ios"
    elif "android" in os_name or "android" in library:
        platform = "android"
    elif library in ("web", "posthog-js") or properties.get("$current_url"):
        platform = "web"
    else:
        platform = "server"
    device_type = str(properties.get("$device_type", "")).lower()
    device = device_type if device_type in ("mobile", "tablet", "desktop") else "unknown"
    if name == "$screen":
        page = text(properties.get("$screen_name")) or NO_PAGE
    else:
        page = (
            path_of(properties.get("$pathname"))
            or path_of(properties.get("$current_url"))
            or NO_PAGE
        )
    referrer = text(properties.get("$referrer"))
    return context_fields(
        platform=platform,
        device=device,
        country=country_from(properties.get("$geoip_country_code"), properties.get("$locale")),
        page=page,
        referrer=None if referrer == "$direct" else referrer,
        user_agent=text(properties.get("$raw_user_agent")) or text(properties.get("$user_agent")),
    )
