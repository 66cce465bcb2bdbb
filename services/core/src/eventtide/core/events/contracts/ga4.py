"""Google Analytics 4's events as its BigQuery export holds them (``--format ga4``).

One row per event (BigQuery's JSON export writes INT64 columns as strings):
``event_name``; ``event_timestamp`` (epoch microseconds, UTC); ``event_params``
(``[{"key", "value": {"string_value" | "int_value" | "float_value" |
"double_value"}}]``); ``user_id`` (the app's, once signed in); ``user_pseudo_id`` (the
browser's or app instance's); ``platform`` (``WEB``, ``IOS``, ``ANDROID``); ``device``
(``category``, ``language``...); ``geo`` (``country``, a name); ``traffic_source``;
``ecommerce`` (``transaction_id``, ``purchase_revenue``...); ``items`` (``item_id``,
``price``, ``quantity``...).

- The user is ``user_id``, else ``user_pseudo_id``. A row carrying both links the
  pseudo id (whose anonymous events came first) to the user, as GA4's User-ID reporting
  identity does; the link's id derives from the pair, so storage keeps one.
- Session: the ``ga_session_id`` parameter. Page: the path of ``page_location`` (an
  app's: ``firebase_screen``); referrer ``page_referrer``. Platform from ``platform``,
  device from ``device.category``, country from ``geo.country`` (a name:
  :mod:`.countries`), else the region of ``device.language``.
- GA4's recommended events become the typed events through Segment's spec names
  (:mod:`.ecommerce`): ``page_view``, ``screen_view`` → ``page_view``; ``add_to_cart``,
  ``remove_from_cart`` → one event per item; ``begin_checkout`` → ``checkout_started``;
  ``purchase`` → ``purchase`` (``order_id`` ← ``transaction_id``); ``search``,
  ``view_search_results`` → ``search``; ``select_item`` and the outbound ``click`` →
  ``click``; ``login``, ``sign_up`` → ``login``, ``signup``; ``video_start`` →
  ``video_play``. Other names are custom events with the parameters as properties. A
  row of a typed name that does not fit the typed event (a ``purchase`` without items)
  is kept as the custom ``ga4:<name>``, since a typed name always means the typed event;
  an app's own event named like one (``logout``) is that typed event when its
  parameters fit (the rule every door shares).
- GA4's other fields (``device``, ``geo``, ``traffic_source``, ``ecommerce``, ``items``...)
  are kept under ``$ga4``.
- A row has no id of its own: one derives from its content (and the item's place), so
  an import run twice stores each event once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
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
from eventtide.core.events.contracts.exports import with_line_id
from eventtide.core.events.models import EVENT_TYPES

READ: Final = frozenset(
    {"event_name", "event_timestamp", "event_params", "user_id", "user_pseudo_id"}
)
"""Fields the envelope or the event's reading takes; the rest go to ``$ga4``."""
SOURCE: Final = "ga4"
"""The prefix of an event named like a typed one that does not fit it."""
PAGE_VIEWS: Final = frozenset({"page_view", "screen_view"})
PER_ITEM: Final = {"add_to_cart": "Product Added", "remove_from_cart": "Product Removed"}
"""GA4 events that may carry several items, each an eventtide event of its own."""
PLATFORMS: Final = {"WEB": "web", "IOS": "ios", "ANDROID": "android"}
DEVICES: Final = frozenset({"desktop", "mobile", "tablet"})


def from_ga4_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported GA4 event: the events it stands for, and its identity link if any."""
    at = microseconds(message.get("event_timestamp")) or imported_at
    params = params_of(message.get("event_params"))
    user, pseudo = _id(message.get("user_id")), _id(message.get("user_pseudo_id"))
    session = params.get("ga_session_id")
    envelope: dict[str, Any] = {
        "user_id": user or pseudo,
        "session_id": NO_SESSION if session in (None, "") else str(session)[:128],
        "occurred_at": at,
        "received_at": at,
        "context": _export_context(message, params),
    }
    kept = without_nulls({k: v for k, v in message.items() if k not in READ})
    name = text(message.get("event_name")) or "(not set)"
    read = readings(name, params, products(message.get("items")), envelope, kept)
    events = [with_line_id(mapped, message, f"ga4:{index}") for index, mapped in enumerate(read)]
    if user and pseudo and user != pseudo:
        events.append(link_reading(envelope, pseudo, user))
    return events


def link_reading(
    envelope: Mapping[str, Any], pseudo: str, user: str, prefix: str = "ga4-link"
) -> Mapped:
    """The identify linking a pseudo id (a browser's or app instance's) to the user,
    at ``envelope``'s time and context; its id derives from the pair."""
    link = {**envelope, "user_id": user, "event_id": event_id(f"{pseudo}:{user}", prefix),
            "event_type": "identify", "properties": {"anonymous_id": pseudo}}  # fmt: skip
    return Mapped(link, link)


def without_nulls(value: Any, also: tuple[object, ...] = ()) -> Any:
    """``value`` without the nulls, empty lists and empty objects the export writes for
    every field a row does not use (most of ``ecommerce``, ``app_info``, an item's
    promotion fields...): they would take room in every stored event and say nothing.
    ``also``: other values that say nothing (a public sample's placeholder)."""
    if isinstance(value, dict):
        pruned = {k: without_nulls(v, also) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, [], {}, *also)}
    if isinstance(value, list):
        return [without_nulls(v, also) for v in value]
    return value


def params_of(event_params: object) -> dict[str, Any]:
    """``event_params`` as a plain object: each key's value in whichever field holds it."""
    found: dict[str, Any] = {}
    if not isinstance(event_params, list):
        return found
    for entry in event_params:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            found[entry["key"]] = _value(obj(entry.get("value")))
    return found


def _value(value: Mapping[str, Any]) -> Any:
    for field in ("string_value", "int_value", "double_value", "float_value"):
        if value.get(field) is not None:
            return _number(value[field]) if field == "int_value" else value[field]
    return None


def _number(value: Any) -> Any:
    """An INT64 as BigQuery's JSON writes it (a string), as a number."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def _id(value: object) -> str | None:
    return (
        text(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else None
    )


def microseconds(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1_000_000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def products(value: object) -> list[dict[str, Any]]:
    """The row's items in Segment's product form, their other fields kept."""
    if not isinstance(value, list):
        return []
    products = []
    for item in value:
        if not isinstance(item, dict):
            continue
        rest = {k: v for k, v in item.items() if v is not None and k not in ("item_id", "price")}
        product = {**rest, "product_id": item.get("item_id"), "price": item.get("price")}
        product["quantity"] = _number(item.get("quantity"))
        products.append(product)
    return products


def readings(
    name: str,
    params: Mapping[str, Any],
    items: list[dict[str, Any]],
    envelope: Mapping[str, Any],
    kept: Mapping[str, Any],
) -> list[Mapped]:
    """The typed readings of the row (one, or one per item) each with its custom one."""
    ga4 = {"$ga4": dict(kept)} if kept else {}
    custom_name = f"{SOURCE}:{name}" if name in EVENT_TYPES else name
    custom = {**envelope, "event_type": custom_name, "properties": {**params, **ga4}}
    if name in PAGE_VIEWS:
        title = text(params.get("page_title")) or text(params.get("firebase_screen"))
        page_view: dict[str, Any] = {"title": title} if title else {}
        page_view["extra"] = {**{k: v for k, v in params.items() if k != "page_title"}, **ga4}
        return [Mapped({**envelope, "event_type": "page_view", "properties": page_view}, custom)]
    if name in PER_ITEM and items:  # each carries its own item, not the row's list
        own = {"$ga4": {k: v for k, v in kept.items() if k != "items"}}
        return [
            spec_mapped(PER_ITEM[name], {**params, **item, **own}, envelope, custom)
            for item in items
        ]
    spec = _spec(name, params, items, kept)
    if spec is None:  # the app's own event: a typed name follows the rule every door shares
        return [Mapped(None, {**custom, "event_type": name}, SOURCE)]
    spec_name, properties = spec
    return [spec_mapped(spec_name, {**properties, **ga4}, envelope, custom)]


def _spec(
    name: str, params: Mapping[str, Any], items: list[dict[str, Any]], kept: Mapping[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """A recommended GA4 event as Segment's spec name and properties."""
    ecommerce = obj(kept.get("ecommerce"))
    if name == "begin_checkout":
        return "Checkout Started", {**params, "products": items}
    if name == "purchase":
        order = params.get("transaction_id") or ecommerce.get("transaction_id")
        value = params.get("value", ecommerce.get("purchase_revenue"))
        return "Order Completed", {**params, "order_id": order, "products": items,
                                   "revenue": value}  # fmt: skip
    if name in ("search", "view_search_results"):
        return "Products Searched", {**params, "query": params.get("search_term")}
    if name == "select_item" and items:
        return "Product Clicked", {**params, "product_id": items[0]["product_id"]}
    if name == "click":  # enhanced measurement's outbound click
        link = params.get("link_url")
        return "Product Clicked", {**params, "product_id": params.get("link_id") or link,
                                   "url": link}  # fmt: skip
    if name == "login":
        return "Signed In", dict(params)
    if name == "sign_up":
        return "Signed Up", dict(params)
    if name == "video_start":
        video = params.get("video_url") or params.get("video_title")
        return "Video Playback Started", {**params, "video_id": video,
                                          "position": params.get("video_current_time"),
                                          "total_length": params.get("video_duration")}  # fmt: skip
    return None


def spec_mapped(
    spec_name: str,
    properties: Mapping[str, Any],
    envelope: Mapping[str, Any],
    custom: dict[str, Any],
) -> Mapped:
    """A Segment spec name's typed event with ``custom`` as its fallback reading."""
    reading = typed_reading(spec_name, properties)
    if reading is None:
        return Mapped(None, custom)
    event_type, typed = reading
    return Mapped({**envelope, "event_type": event_type, "properties": typed}, custom)


def _export_context(message: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    device, geo = obj(message.get("device")), obj(message.get("geo"))
    return context_of(
        platform=PLATFORMS.get(str(message.get("platform", "")).upper(), "server"),
        category=device.get("category"),
        country=geo.get("country"),
        language=device.get("language"),
        params=params,
    )


def context_of(
    *, platform: str, category: object, country: object, language: object,
    params: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The context of a GA4 event: its platform, device category, country (a name or a
    code, else the language's region) and the page and referrer its parameters name."""
    kind = str(category or "").lower()
    device = (
        kind if kind in DEVICES else ("mobile" if platform in ("ios", "android") else "unknown")
    )
    page = path_of(params.get("page_location")) or text(params.get("firebase_screen")) or NO_PAGE
    return context_fields(
        platform=platform,
        device=device,
        country=country_from(country_named(country), country, language),
        page=page,
        referrer=text(params.get("page_referrer")),
    )
