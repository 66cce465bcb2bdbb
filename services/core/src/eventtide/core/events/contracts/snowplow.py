"""Snowplow's tracker protocol: one event of a ``payload_data`` batch (or a GET ``/i``).

An event is a flat map of short string fields (Snowplow's "tracker protocol"):

- ``e`` the kind: ``pv`` page view, ``pp`` page ping, ``se`` structured event, ``ue``
  self-describing event, ``tr``/``ti`` the legacy e-commerce transaction and its items;
- ``eid`` the event id; ``uid`` the user id set by the app, ``duid`` the tracker's
  domain user id (a cookie), ``nuid`` the collector's network user id; ``sid`` the
  client session;
- ``dtm`` (created), ``stm`` (sent) and ``ttm`` (true) timestamps in epoch milliseconds;
- ``url``, ``page`` (title), ``refr``, ``p`` (platform), ``lang``, ``ua``, ``aid``...;
- ``ue_pr``/``ue_px`` the self-describing event (JSON, or base64url of it), and
  ``co``/``cx`` the attached entities (contexts), both Iglu self-describing JSON.

The event time is Snowplow's ``derived_tstamp`` (``collector - (sent - created)``), or the
true timestamp when the app set one. The user is ``uid``, else ``duid``, else ``nuid``.
A self-describing event is named by its schema (``iglu:com.acme/invite_sent/...`` is
``invite_sent``); Snowplow's own link clicks, screen views and e-commerce actions become
the typed events they are. An app's events happen on a screen rather than at a URL: the
page is the screen's name, as for Segment's and PostHog's screens. Fields the event does
not map are kept: in a custom event's properties under ``$snowplow`` (and the contexts
under ``$contexts``), in a typed event's ``extra``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import (
    NO_PAGE,
    NO_SESSION,
    Mapped,
    context_fields,
    country_from,
    event_id,
    obj,
    path_of,
    skew_corrected,
    text,
)
from eventtide.core.events.contracts.ecommerce import typed_reading

SOURCE: Final = "snowplow"
"""The door's name: a custom event named like a typed one that does not fit it is
kept as ``snowplow:<name>`` (:func:`.common.to_event`)."""

SNOWPLOW: Final = "com.snowplowanalytics.snowplow"
"""The vendor of Snowplow's own event schemas (link clicks, the trackers' cart events)."""
CART: Final = {"add_to_cart": "Product Added", "remove_from_cart": "Product Removed"}
"""The trackers' own cart events (``buildAddToCart``: sku, unitPrice, quantity, currency)."""
EVENTTIDE: Final = "io.eventtide"
IDENTIFY: Final = f"iglu:{EVENTTIDE}/identify/jsonschema/1-0-0"
"""eventtide's own self-describing event for Snowplow's trackers: the event's user
(``uid``) was ``anonymous_id`` (else the event's ``duid``), with ``traits`` to set. The
protocol has no identify call; the collector also adds one per (uid, duid) pair it sees
(:func:`link_event`)."""
UNSTRUCT: Final = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
LINKS: Final = uuid.UUID("3c8e4f1a-62d7-4b90-a5e1-0f7d2c9b8a46")
"""Namespace of the ids of the identify events :func:`link_event` makes (UUID v5)."""
MOBILE: Final = "com.snowplowanalytics.mobile"
"""The vendor of the mobile trackers' schemas: their screen views and the ``screen``
entity each event carries (the screen it happened on)."""
SCREEN_VIEWS: Final = frozenset({SNOWPLOW, MOBILE})
"""Vendors of a ``screen_view`` schema: Snowplow's first one (the Go, Java, Python and
C++ trackers) and the mobile trackers' (iOS, Android, React Native, Flutter)."""
ECOMMERCE: Final = "com.snowplowanalytics.snowplow.ecommerce"
"""The vendor of Snowplow's e-commerce plugin's schemas (actions and their entities)."""
ECOMMERCE_ACTIONS: Final = {
    "add_to_cart": "Product Added",
    "remove_from_cart": "Product Removed",
    "transaction": "Order Completed",
}
"""Snowplow e-commerce action types read through the spec table's names."""
USED: Final = frozenset(
    {"e", "eid", "uid", "sid", "dtm", "stm", "ttm", "url", "page", "refr", "p", "lang", "ua",
     "ue_pr", "ue_px", "co", "cx"}
)  # fmt: skip
"""Fields the envelope or the event's reading takes; the rest (``duid`` and ``nuid``
among them, even when one is the user id) go to ``$snowplow``."""
STRUCTURED: Final = {"se_ca": "category", "se_ac": "action", "se_la": "label",
                     "se_pr": "property", "se_va": "value"}  # fmt: skip
TRANSACTION: Final = {"tr_id": "order_id", "tr_af": "affiliation", "tr_tt": "revenue",
                      "tr_tx": "tax", "tr_sh": "shipping", "tr_ci": "city", "tr_st": "state",
                      "tr_co": "country", "tr_cu": "currency"}  # fmt: skip
ITEM: Final = {"ti_id": "order_id", "ti_sk": "sku", "ti_nm": "name", "ti_ca": "category",
               "ti_pr": "price", "ti_qu": "quantity", "ti_cu": "currency"}  # fmt: skip
PING: Final = {"pp_mix": "min_x_offset", "pp_max": "max_x_offset",
               "pp_miy": "min_y_offset", "pp_may": "max_y_offset"}  # fmt: skip
NUMBERS: Final = frozenset(
    {"value", "revenue", "tax", "shipping", "price", "quantity", *PING.values()}
)


def from_snowplow(
    message: Mapping[str, Any], *, received_at: datetime, sent_at: object = None
) -> Mapped:
    """One tracker-protocol event as eventtide events (typed where it maps, else custom).

    ``sent_at`` is unused: each Snowplow event carries its own sent time (``stm``)."""
    del sent_at
    kind = text(message.get("e"))
    contexts = _entities(message.get("cx"), message.get("co"))
    name, own, typed = _reading(kind, message, contexts)
    screen = text(own.get("name")) if name == "screen_view" and typed else _screen(contexts)
    envelope: dict[str, Any] = {
        "event_id": event_id(message.get("eid"), "snowplow"),
        "user_id": _user(message),
        "session_id": str(message.get("sid") or NO_SESSION)[:128],
        "occurred_at": _occurred_at(message, received_at),
        "received_at": received_at,
        "context": _context(message, contexts, screen),
    }
    if envelope["event_id"] is None:
        del envelope["event_id"]
    rest = {k: v for k, v in message.items() if k not in USED and not _kind_field(k)}
    kept: dict[str, Any] = {"$snowplow": rest} if rest else {}
    if contexts:
        kept["$contexts"] = contexts
    custom = {**envelope, "event_type": name, "properties": {**own, **kept}}
    if typed is None:
        return Mapped(None, custom, SOURCE)
    event_type, properties = typed
    if kept and event_type != "identify":  # an identify's properties are strict
        properties["extra"] = {**properties.get("extra", {}), **kept}
    return Mapped({**envelope, "event_type": event_type, "properties": properties}, custom, SOURCE)


def _user(message: Mapping[str, Any]) -> str | None:
    """The app's user id, else the tracker's cookie id, else the collector's."""
    return text(message.get("uid")) or text(message.get("duid")) or text(message.get("nuid"))


def _reading(
    kind: str | None, message: Mapping[str, Any], contexts: list[dict[str, Any]]
) -> tuple[str, dict[str, Any], tuple[str, dict[str, Any]] | None]:
    """(custom name, its properties, the typed reading or None) for the event's kind."""
    if kind == "pv":
        title = text(message.get("page"))
        return "page_view", {}, ("page_view", {"title": title} if title else {})
    if kind == "pp":
        return "page_ping", _fields(message, PING), None
    if kind == "se":
        fields = _fields(message, STRUCTURED)
        return str(fields.get("action") or "structured_event"), fields, None
    if kind == "tr":  # no purchase: its items come as separate ``ti`` events
        return "transaction", _fields(message, TRANSACTION), None
    if kind == "ti":
        return "transaction_item", _fields(message, ITEM), None
    if kind == "ue":
        return _self_describing(message, contexts)
    return kind or "", {}, None


def _kind_field(key: str) -> bool:
    """A field of one event kind (``se_*``, ``tr_*``, ``ti_*``, ``pp_*``), read by it."""
    return key[:3] in ("se_", "tr_", "ti_", "pp_")


def _fields(message: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The kind's fields under readable names, numbers as numbers."""
    out: dict[str, Any] = {}
    for field, name in names.items():
        value = message.get(field)
        if value is None or value == "":
            continue
        out[name] = _number(value) if name in NUMBERS else value
    return out


def _number(value: object) -> object:
    try:
        number = float(str(value))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _self_describing(
    message: Mapping[str, Any], contexts: list[dict[str, Any]]
) -> tuple[str, dict[str, Any], tuple[str, dict[str, Any]] | None]:
    wrapper = _json(message.get("ue_px"), message.get("ue_pr"))
    inner = wrapper.get("data") if isinstance(wrapper, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("schema"), str):
        unread = {k: message[k] for k in ("ue_px", "ue_pr") if k in message}
        return "self_describing_event", {"$unreadable": unread}, None
    schema: str = inner["schema"]
    data = obj(inner.get("data"))
    vendor, name = _schema_name(schema)
    own = {**data, "$schema": schema}
    if vendor == EVENTTIDE and name == "identify":
        anonymous = text(data.get("anonymous_id")) or text(message.get("duid"))
        identify: dict[str, Any] = {"set": obj(data.get("traits"))}
        if anonymous:  # sent before setUserId: the cookie id's own traits
            identify["anonymous_id"] = anonymous
        return "identify", own, ("identify", identify)
    if vendor == SNOWPLOW and name in CART:
        item = {"product_id": data.get("sku"), "price": _field(data, "unitPrice"),
                "quantity": data.get("quantity", 1), "currency": data.get("currency")}  # fmt: skip
        return name, own, typed_reading(CART[name], item)
    if vendor in SCREEN_VIEWS and name == "screen_view":
        title, rest = data.get("name"), {k: v for k, v in data.items() if k != "name"}
        page_view: dict[str, Any] = {"title": title} if isinstance(title, str) else {}
        return name, own, ("page_view", {**page_view, "extra": rest} if rest else page_view)
    if vendor == SNOWPLOW and name == "link_click":
        click = {"product_id": _field(data, "elementId") or _field(data, "elementContent"),
                 "url": _field(data, "targetUrl")}  # fmt: skip
        return name, own, typed_reading("Product Clicked", click)
    if vendor == ECOMMERCE and name == "snowplow_ecommerce_action":
        spec = ECOMMERCE_ACTIONS.get(str(data.get("type")))
        action = str(data.get("type") or name)
        return action, own, typed_reading(spec, _commerce(contexts)) if spec else None
    return name, own, None


def _field(data: Mapping[str, Any], name: str) -> Any:
    """A schema's field by its own name (``unitPrice``), else in snake case
    (``unit_price``: BigQuery's loader writes an entity's fields so)."""
    if name in data:
        return data[name]
    return data.get("".join(f"_{c.lower()}" if c.isupper() else c for c in name))


def _commerce(contexts: list[dict[str, Any]]) -> dict[str, Any]:
    """The e-commerce plugin's entities as the spec table's properties."""
    products: list[dict[str, Any]] = []
    transaction: dict[str, Any] = {}
    for entity in contexts:
        vendor, name = _schema_name(str(entity.get("schema", "")))
        data = obj(entity.get("data"))
        if vendor != ECOMMERCE:
            continue
        if name == "product":
            products.append(data)
        elif name == "transaction":
            transaction = data
    first = products[0] if products else {}
    items = [
        {"product_id": p.get("id"), "price": p.get("price"), "quantity": p.get("quantity", 1)}
        for p in products
    ]
    return {
        "product_id": first.get("id"),
        "price": first.get("price"),
        "quantity": first.get("quantity", 1),
        "currency": transaction.get("currency") or first.get("currency"),
        "order_id": transaction.get("transaction_id"),
        "products": items,
    }


def _schema_name(uri: str) -> tuple[str, str]:
    """(vendor, name) of ``iglu:vendor/name/format/version``; ("", "") if it is not one."""
    parts = uri.removeprefix("iglu:").split("/")
    return (parts[0], parts[1]) if uri.startswith("iglu:") and len(parts) == 4 else ("", "")


def _entities(encoded: object, plain: object) -> list[dict[str, Any]]:
    """The attached entities (``cx`` base64url or ``co`` JSON): their list of {schema, data}."""
    wrapper = _json(encoded, plain)
    data = wrapper.get("data") if isinstance(wrapper, dict) else None
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def _json(encoded: object, plain: object) -> object:
    """The JSON of a base64url field (padding optional), else of its plain twin; None."""
    raw: bytes | None = None
    if isinstance(encoded, str) and encoded:
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raw = None
    elif isinstance(plain, str) and plain:
        raw = plain.encode()
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _occurred_at(message: Mapping[str, Any], received_at: datetime) -> object:
    """``ttm``; else ``received - (stm - dtm)`` (never later than receipt); else ``dtm``."""
    true, created, sent = (_millis(message.get(f)) for f in ("ttm", "dtm", "stm"))
    if true is not None:
        return true
    if created is None:
        return received_at
    return skew_corrected(created, sent, received_at)


def _millis(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _screen(contexts: list[dict[str, Any]]) -> str | None:
    """The name of the screen an app's event happened on (the mobile ``screen`` entity)."""
    for entity in contexts:
        if _schema_name(str(entity.get("schema", ""))) == (MOBILE, "screen"):
            return text(obj(entity.get("data")).get("name"))
    return None


def _context(
    message: Mapping[str, Any], contexts: list[dict[str, Any]], screen: str | None
) -> dict[str, Any]:
    """Where and on what the event happened; the page is the URL's path, else the screen.
    The country is an enriched event's ``geo_country`` (the IP lookup's), else the
    region of the browser's language."""
    agent = text(message.get("ua")) or ""
    mobile = next(
        (e.get("data") for e in contexts if "/mobile_context/" in str(e.get("schema"))), None
    )
    os_type = str(_field(mobile, "osType") or "") if isinstance(mobile, dict) else ""
    platform = _platform(str(message.get("p") or ""), f"{os_type} {agent}".lower())
    return context_fields(
        platform=platform,
        device=_device(str(message.get("p") or ""), platform, agent),
        country=country_from(message.get("geo_country"), message.get("lang")),
        page=path_of(message.get("url")) or screen or NO_PAGE,
        referrer=text(message.get("refr")),
        user_agent=agent,
    )


def _platform(code: str, hints: str) -> str:
    """``p`` as eventtide's platform: ``web``, else the OS a mobile context or the user
    agent names, else ``server`` (an app's tracker that says neither)."""
    if code == "web":
        return "web"
    if "ios" in hints or "iphone" in hints or "ipad" in hints:
        return "ios"
    if "android" in hints:
        return "android"
    return "server"


def _device(code: str, platform: str, agent: str) -> str:
    if code == "mob" or platform in ("ios", "android"):
        return "mobile"
    if code == "tv":
        return "tv"
    if code == "web":
        return "mobile" if "Mobi" in agent else "desktop"
    return "unknown"


def link_event(message: Mapping[str, Any]) -> tuple[tuple[str, str], dict[str, Any]] | None:
    """For an event carrying a user id and a different tracker cookie id: the pair, and
    the identify (:data:`IDENTIFY`) linking them, in the protocol's own form.

    Its id derives from the pair, so storage keeps one however often it is made; its
    time, platform and page are the event's."""
    user, cookie = text(message.get("uid")), text(message.get("duid"))
    if user is None or cookie is None or user == cookie:
        return None
    shared = {k: message[k] for k in ("dtm", "stm", "ttm", "p", "url", "lang", "ua", "sid", "aid")
              if k in message}  # fmt: skip
    inner = {"schema": IDENTIFY, "data": {"anonymous_id": cookie}}
    link = {
        **shared,
        "e": "ue",
        "uid": user,
        "duid": cookie,
        "eid": str(uuid.uuid5(LINKS, f"{user}\x1f{cookie}")),
        "ue_pr": orjson.dumps({"schema": UNSTRUCT, "data": inner}).decode(),
    }
    return (user, cookie), link
