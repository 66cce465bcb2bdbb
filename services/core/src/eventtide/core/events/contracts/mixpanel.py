"""Mixpanel's events: what its SDKs send to ``/track`` and ``/import``, its profile
updates to ``/engage``, and the lines of its raw event export (``/api/2.0/export``).

An event is ``{"event", "properties"}``, and ``properties`` holds everything: ``time``
(epoch seconds, or milliseconds in newer exports), ``distinct_id``, ``$insert_id`` (the
idempotency key), the SDK's ``$os``, ``mp_lib``, ``$current_url``, ``$referrer``,
``mp_country_code``..., the project ``token``, and the app's own.

- ``$mp_web_page_view`` (the JavaScript SDK's page views) is a ``page_view``.
- Identity, both of Mixpanel's ID-merge APIs: ``$identify`` links ``$anon_id`` (the
  JavaScript SDK's ``$anon_distinct_id``) to ``$identified_id`` (else its
  ``distinct_id``); ``$create_alias`` links ``distinct_id`` to ``alias``; ``$merge``
  links the two ids of ``$distinct_ids``; under Simplified ID Merge an event carrying
  ``$user_id`` and ``$device_id`` links ``$device:<device id>`` (the anonymous events'
  ``distinct_id``) to the user, once per pair (the link's id derives from it), unless
  it is an ``$identify`` that links them itself.
- Other names: Segment's e-commerce spec names (which Segment's Mixpanel destination
  keeps) become the typed events, the rest custom events with their properties as sent
  (the project ``token`` left out: it is the ingest key).
- A profile update (``/engage``: ``$distinct_id``, ``$set``, ``$set_once``...; the
  JavaScript SDK adds ``$device_id`` and ``$user_id``) is that id's traits: an
  ``identify`` whose anonymous id is its own, which links and identifies nobody; the
  other operations (``$add``, ``$append``, ``$unset``...) are not traits and are kept
  as a custom ``$mp_engage`` event.
- A group profile update (``/groups``: ``$group_key``, ``$group_id``, ``$set``...) is
  no person's: it is kept as a custom ``$mp_group`` event of the group's own id,
  ``$<group key>_<group id>`` (the ``$`` keeps it apart from the ids of people).
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
from eventtide.core.events.contracts.ecommerce import typed_reading
from eventtide.core.events.contracts.exports import first_time, with_line_id, with_link

SOURCE: Final = "mixpanel"
"""The door's name: a custom event named like a typed one that does not fit it is
kept as ``mixpanel:<name>`` (:func:`.common.to_event`)."""

PAGE_VIEW: Final = "$mp_web_page_view"
DEVICE_PREFIX: Final = "$device:"
"""Simplified ID Merge's ``distinct_id`` of an anonymous device's events."""
LINK_SHARES: Final = ("time", "token", "mp_lib", "$os", "$current_url")
"""What a link takes from the event it stands for: its time, key and context."""
ENGAGE: Final = "$mp_engage"
"""The custom event a profile update that sets no traits is kept as."""
GROUP: Final = "$mp_group"
"""The custom event a group profile update is kept as."""
PROFILE_FIELDS: Final = frozenset(
    {
        "$token",
        "$distinct_id",
        "$time",
        "$ip",
        "$ignore_time",
        "$ignore_alias",
        "$latitude",
        "$longitude",
        "$device_id",
        "$user_id",
    }
)
"""An ``/engage`` message's fields that are not operations."""


def from_mixpanel(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One event a Mixpanel SDK sent (``/track``, ``/import``): its ``time`` as sent (the
    API takes no send time to correct a client's clock by; the clock rule judges it)."""
    del sent_at
    properties = obj(message.get("properties"))
    return _mapped(message, first_time(properties.get("time")) or received_at, received_at)


def from_mixpanel_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported Mixpanel event, and the identity link it carries, if any."""
    properties = obj(message.get("properties"))
    at = first_time(properties.get("time")) or imported_at
    received = first_time(properties.get("mp_processing_time_ms")) or at
    event = with_line_id(_mapped(message, at, received), message, "mixpanel")
    return with_link(event, link_event(message), lambda link: _mapped(link, at, received))


def from_mixpanel_profile(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One ``/engage`` profile update: ``$set``/``$set_once`` as an identify (no link)."""
    del sent_at
    user = text(message.get("$distinct_id"))
    envelope: dict[str, Any] = {
        "user_id": user,
        "session_id": NO_SESSION,
        "occurred_at": first_time(message.get("$time")) or received_at,
        "received_at": received_at,
        "context": _context({}),
    }
    kept = {k: v for k, v in message.items() if k != "$token"}
    custom = {**envelope, "event_type": ENGAGE, "properties": kept}
    operations = {k for k in message if k.startswith("$")} - PROFILE_FIELDS
    if not operations <= {"$set", "$set_once"}:
        return Mapped(None, custom)
    identify: dict[str, Any] = {
        "set": obj(message.get("$set")),
        "set_once": obj(message.get("$set_once")),
    }
    if user is not None:  # a profile update identifies nobody: the id's own traits
        identify["anonymous_id"] = user
    return Mapped({**envelope, "event_type": "identify", "properties": identify}, custom)


def from_mixpanel_group(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One ``/groups`` update: the group's own custom event (a group is no person, so no
    identify), the update as sent without its token."""
    del sent_at
    key, group = text(message.get("$group_key")), text(message.get("$group_id"))
    event: dict[str, Any] = {
        "user_id": f"${key}_{group}" if key is not None and group is not None else None,
        "session_id": NO_SESSION,
        "occurred_at": first_time(message.get("$time")) or received_at,
        "received_at": received_at,
        "context": _context({}),
        "event_type": GROUP,
        "properties": {k: v for k, v in message.items() if k != "$token"},
    }
    return Mapped(None, event)


def link_event(
    message: Mapping[str, Any],
) -> tuple[tuple[str, str], dict[str, Any] | None] | None:
    """Simplified ID Merge: for an event carrying ``$user_id`` and ``$device_id``, the
    pair, and the ``$identify`` that links the device's anonymous events
    (``$device:<device id>``) to the user, in Mixpanel's own form (None when the event
    is the JavaScript SDK's ``$identify``, which links them itself); its ``$insert_id``
    derives from the pair, so storage keeps one."""
    properties = obj(message.get("properties"))
    user, device = text(properties.get("$user_id")), text(properties.get("$device_id"))
    if user is None or device is None:
        return None
    anonymous = f"{DEVICE_PREFIX}{device}"
    if message.get("event") == "$identify":
        return (anonymous, user), None
    link_id = event_id(f"{anonymous}:{user}", "mixpanel-link")
    shared: dict[str, Any] = {k: properties[k] for k in LINK_SHARES if k in properties}
    linked: dict[str, Any] = {**shared, "distinct_id": user, "$identified_id": user,
                              "$anon_id": anonymous, "$insert_id": str(link_id)}  # fmt: skip
    identify: dict[str, Any] = {"event": "$identify", "properties": linked}
    return (anonymous, user), identify


def _mapped(message: Mapping[str, Any], at: datetime, received_at: datetime) -> Mapped:
    name = text(message.get("event"))
    properties = {k: v for k, v in obj(message.get("properties")).items() if k != "token"}
    envelope: dict[str, Any] = {
        "user_id": text(properties.get("distinct_id")),
        "session_id": str(properties.get("$session_id") or NO_SESSION)[:128],
        "occurred_at": at,
        "received_at": received_at,
        "context": _context(properties),
    }
    insert_id = event_id(properties.get("$insert_id"), "mixpanel")
    if insert_id is not None:
        envelope["event_id"] = insert_id
    custom = {**envelope, "event_type": name, "properties": properties}
    own = {k: v for k, v in properties.items() if not _system(k)}
    return Mapped(_typed(name, properties, own, envelope), custom, SOURCE)


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
        user = text(properties.get("$identified_id")) or text(properties.get("distinct_id"))
        anonymous = text(properties.get("$anon_id")) or text(properties.get("$anon_distinct_id"))
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
    referrer = text(properties.get("$referrer"))
    return context_fields(
        platform=platform,
        device=device,
        country=country_from(properties.get("mp_country_code")),
        page=page,
        referrer=None if referrer == "$direct" else referrer,
    )
