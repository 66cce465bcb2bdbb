"""Matomo's Tracking HTTP API: what Matomo's trackers send to ``matomo.php``.

A request is one tracking action in query-string parameters (Matomo's reference,
developer.matomo.org/api-reference/tracking-api); a bulk request is a list of them. Each
is read as the event it records, by the first of these that applies:

- ``ping=1`` (a heartbeat, which only extends Matomo's visit) records nothing;
- ``idgoal=0`` with ``ec_id``: an e-commerce order, Segment's "Order Completed" (the
  ``purchase``: ``revenue`` its amount, ``ec_items`` its lines, each ``[sku, name,
  category, price, quantity]``); Matomo's currency is the site's setting and is not sent,
  so it is ISO 4217's ``XXX``;
- ``idgoal=0`` without one: a cart update, custom ``cart_update`` with its items;
  another ``idgoal``: custom ``goal`` with the goal's id and revenue;
- ``e_c`` and ``e_a``: the app's own event named by its action (``e_a``), with its
  ``category``, ``name`` and ``value`` (a name like one of eventtide's typed events is
  that event when its properties fit, else ``matomo:<name>``);
- ``search``: the typed ``search`` (``search_count`` its results' count; a search in a
  category, ``search_cat``, is custom ``matomo:search``, the typed one having no place
  for it); ``link`` or ``download``: custom ``outlink`` or
  ``download``; ``c_n``: custom ``content_impression`` (``content_interaction`` with
  ``c_i``);
- anything else: a ``page_view`` of ``url``, titled ``action_name``.

The user is ``uid``, else the visitor (``cid``, else ``_id``); a request carrying both
stands for the link of the visitor to the user. The time is ``cdt`` (epoch seconds or a
UTC date and time), else the receipt, a microsecond on for each action before it in a
bulk request. The page is ``url``'s path, the referrer ``urlref``, the language ``lang``,
the country ``country``, the agent ``ua``. The other parameters (custom dimensions,
``res``, ``pv_id``...) are kept under ``$matomo``, without ``token_auth`` (a secret) and
``cip`` (an IP address), and without ``rand`` and ``rec`` (they say nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import (
    NO_PAGE,
    NO_SESSION,
    POSITION,
    Mapped,
    context_fields,
    country_from,
    in_order,
    number_sent_as_text,
    path_of,
    text,
)
from eventtide.core.events.contracts.exports import utc_time
from eventtide.core.events.contracts.ga4 import link_reading, spec_mapped

SOURCE: Final = "matomo"
NOT_KEPT: Final = frozenset({"token_auth", "cip", "rand", "rec", POSITION})
READ: Final = frozenset({"uid", "cid", "_id", "cdt", "url", "urlref", "lang", "country", "ua",
                         "action_name", "idgoal", "ec_id", "ec_items", "revenue", "e_c", "e_a",
                         "e_n", "e_v", "search", "search_cat", "search_count", "link",
                         "download", "c_n", "c_p", "c_t", "c_i"})  # fmt: skip
"""Parameters the event's own fields take; the rest are kept under ``$matomo``."""
NO_CURRENCY: Final = "XXX"


def records_nothing(message: Mapping[str, Any]) -> bool:
    """A heartbeat (``ping=1``): it extends Matomo's visit and records no action."""
    return str(message.get("ping", "")) == "1"


def link_event(
    message: Mapping[str, Any],
) -> tuple[tuple[str, str], dict[str, Any] | None] | None:
    """For a request naming a user and a visitor: the pair, and the message linking them."""
    user, visitor = _ids(message)
    if user is None or visitor is None or user == visitor:
        return None
    return (visitor, user), {**message, "$link": True}


def from_matomo(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One tracking request as an event (or the link :func:`link_event` made)."""
    del sent_at  # the API sends none: ``cdt`` is judged by the clock rule
    user, visitor = _ids(message)
    envelope: dict[str, Any] = {
        "user_id": user or visitor,
        "session_id": NO_SESSION,
        "occurred_at": _time(message.get("cdt")) or in_order(received_at, message.get(POSITION)),
        "received_at": received_at,
        "context": context_fields(
            platform="web" if text(message.get("url")) else "server",
            device="unknown",
            country=country_from(message.get("country"), _language(message.get("lang"))),
            page=path_of(message.get("url")) or NO_PAGE,
            referrer=text(message.get("urlref")),
            user_agent=text(message.get("ua")),
        ),
    }
    if message.get("$link") and user is not None and visitor is not None:
        return link_reading(envelope, visitor, user, prefix="matomo-link")
    kept = {k: v for k, v in message.items() if k not in READ and k not in NOT_KEPT}
    own = {"$matomo": kept} if kept else {}
    goal = str(message.get("idgoal", ""))
    if goal == "0" and text(message.get("ec_id")):
        return _order(message, envelope, own)
    if goal:
        items = {"items": _items(message.get("ec_items"))} if goal == "0" else {"goal_id": goal}
        name = "cart_update" if goal == "0" else "goal"
        return _custom(envelope, name, {**items, **_numbers(message, revenue="revenue"), **own})
    if text(message.get("e_c")) and text(message.get("e_a")):
        read = {"category": message["e_c"], "name": message.get("e_n"),
                **_numbers(message, value="e_v")}  # fmt: skip
        properties = {k: v for k, v in read.items() if v not in (None, "")}
        custom = {**envelope, "event_type": message["e_a"], "properties": {**properties, **own}}
        return Mapped(None, custom, SOURCE)
    if query := text(message.get("search")):
        return _search(message, query, envelope, own)
    for key, name, fields in KINDS:
        if text(message.get(key)):
            read = {field: message.get(param) for field, param in fields.items()}
            properties = {k: v for k, v in read.items() if v not in (None, "")}
            if key == "c_n" and text(message.get("c_i")):
                name = "content_interaction"
            return _custom(envelope, name, {**properties, **own})
    title = text(message.get("action_name"))
    typed = {**envelope, "event_type": "page_view",
             "properties": {**({"title": title} if title else {}), "extra": dict(own)}}  # fmt: skip
    custom = {**envelope, "event_type": f"{SOURCE}:page_view",
              "properties": {**({"title": title} if title else {}), **own}}  # fmt: skip
    return Mapped(typed, custom)


KINDS: Final = (
    ("link", "outlink", {"url": "link"}),
    ("download", "download", {"url": "download"}),
    ("c_n", "content_impression",
     {"name": "c_n", "piece": "c_p", "target": "c_t", "interaction": "c_i"}),
)  # fmt: skip
"""The other kinds of action: the parameter that marks one, its custom name, and its
properties' parameters."""


def _order(
    message: Mapping[str, Any], envelope: Mapping[str, Any], own: Mapping[str, Any]
) -> Mapped:
    """An e-commerce order as Segment's "Order Completed", its custom reading the order
    as sent."""
    items = _items(message.get("ec_items"))
    products = [{"product_id": i.get("sku"), "name": i.get("name"), "price": i.get("price"),
                 "quantity": i.get("quantity", 1)} for i in items]  # fmt: skip
    revenue = _numbers(message, revenue="revenue").get("revenue")
    properties = {"order_id": message.get("ec_id"), "products": products, "revenue": revenue,
                  "currency": NO_CURRENCY, **own}  # fmt: skip
    custom = {**envelope, "event_type": f"{SOURCE}:order",
              "properties": {"order_id": message.get("ec_id"), "items": items,
                             **_numbers(message, revenue="revenue"), **own}}  # fmt: skip
    return spec_mapped("Order Completed", properties, envelope, custom)


def _search(
    message: Mapping[str, Any], query: str, envelope: Mapping[str, Any], own: Mapping[str, Any]
) -> Mapped:
    """A site search as the typed ``search`` (its query and count of results); one in a
    category is ``matomo:search``, since the typed search has no place for it."""
    read = {"query": query, "category": message.get("search_cat"),
            **_numbers(message, results_count="search_count")}  # fmt: skip
    properties = {k: v for k, v in read.items() if v not in (None, "")}
    custom = {**envelope, "event_type": f"{SOURCE}:search", "properties": {**properties, **own}}
    if "category" in properties:
        return Mapped(None, custom)
    return Mapped({**envelope, "event_type": "search", "properties": properties}, custom)


def _custom(envelope: Mapping[str, Any], name: str, properties: dict[str, Any]) -> Mapped:
    return Mapped(None, {**envelope, "event_type": name, "properties": properties}, SOURCE)


def _items(value: object) -> list[dict[str, Any]]:
    """``ec_items``: a JSON list of ``[sku, name, category, price, quantity]``."""
    try:
        rows = orjson.loads(value) if isinstance(value, str | bytes) else value
    except orjson.JSONDecodeError:
        return []
    items = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, list) or not row:
            continue
        named = dict(zip(("sku", "name", "category", "price", "quantity"), row, strict=False))
        items.append({k: number_sent_as_text(v) if k in ("price", "quantity") else v
                      for k, v in named.items() if v not in (None, "")})  # fmt: skip
    return items


def _numbers(message: Mapping[str, Any], **fields: str) -> dict[str, Any]:
    """The parameters ``fields`` names, as numbers where they are."""
    read = {name: number_sent_as_text(message.get(param)) for name, param in fields.items()}
    return {name: value for name, value in read.items() if value not in (None, "")}


def _time(value: object) -> datetime | None:
    """``cdt``: epoch seconds, or a UTC date and time (``2024-03-01 10:00:00``, ISO 8601)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return utc_time(int(value.strip()))
    if isinstance(value, str) and value.strip():
        return utc_time(value.strip())
    return None


def _language(value: object) -> str | None:
    """The first language of an ``Accept-Language`` value (``de-DE,de;q=0.9``)."""
    return value.split(",")[0].split(";")[0].strip() if isinstance(value, str) else None


def _ids(message: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The user id, and the visitor id (``cid``, else ``_id``)."""
    return text(message.get("uid")), text(message.get("cid")) or text(message.get("_id"))
