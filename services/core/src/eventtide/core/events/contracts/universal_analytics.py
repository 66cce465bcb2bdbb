"""Universal Analytics' sessions as its BigQuery export holds them
(``--format universal-analytics``).

Universal Analytics 360 exported a table a day, ``ga_sessions_YYYYMMDD``: one row per
session with its hits nested in it (Google's public ``google_analytics_sample``, the
Google Merchandise Store, has this shape; BigQuery's JSON export writes INT64 columns
as strings). The session's fields are ``fullVisitorId``, ``userId``, ``visitId``,
``visitStartTime`` (epoch seconds), ``date``, ``totals``, ``trafficSource``,
``device``, ``geoNetwork``; each of its ``hits`` has ``hitNumber``, ``time``
(milliseconds after the session's start), ``type`` (``PAGE``, ``EVENT``,
``TRANSACTION``, ``ITEM``, ``SOCIAL``, ``APPVIEW``, ``EXCEPTION``), ``page``,
``eventInfo``, ``transaction``, ``item``, ``product`` and ``eCommerceAction``.

- Each hit is an event (or more, below) at the session's start plus the hit's time.
- The user is ``userId``, else the visitor: ``clientId`` (the browser's ``_ga`` cookie
  id, which GA4's ``user_pseudo_id`` and Measurement Protocol ``client_id`` also are, so
  a site's Universal Analytics and GA4 histories meet in one visitor), else
  ``fullVisitorId`` (Google's hash of it; the public sample has no ``clientId``). A row
  carrying a user and a visitor links the visitor to the user (as GA4's rows do,
  :func:`.ga4.link_reading`). The session is ``fullVisitorId`` and ``visitId``
  together: Google documents ``visitId`` as unique to its visitor only.
- ``PAGE`` hits are page views (the path of ``page.pagePath``, ``page.pageTitle``,
  ``referer``); ``APPVIEW`` hits are an app's screen views (``appInfo.screenName``).
- ``EVENT`` hits are the app's own events named by ``eventInfo.eventAction`` with
  ``category``, ``label`` and ``value``: the inverse of how Segment's Google Analytics
  destination sends a track. A name that is one of eventtide's typed names is read by
  the rule every door shares (the typed event if its properties fit, else ``ua:<name>``).
- Enhanced e-commerce (``eCommerceAction.action_type``) on any hit, by the names
  Segment's destination maps to these actions: 1 product click ``Product Clicked``, 2
  detail view ``Product Viewed``, 3 ``Product Added``, 4 ``Product Removed`` (each one
  event per product, impressions left out), 5 checkout ``Checkout Started`` (step 1)
  or ``Checkout Step Viewed``, 6 ``Order Completed``, 7 ``Order Refunded``, 8
  ``Checkout Step Completed``. An event hit carrying an action is that action (its
  ``eventInfo`` kept as it is); a page hit is its page view and the action. Classic
  e-commerce: a ``TRANSACTION`` hit with the ``ITEM`` hits of its transaction is an
  order. The products a hit's page listed (its impressions) are a ``Product List
  Viewed`` per list, as Segment's destination sends impressions.
- Other hits (``SOCIAL``, ``EXCEPTION``, an item of no transaction) are custom events
  named after their type, with their fields.
- A row without hits (a sessions table exported without them: Kaggle's ``train.csv``)
  is a ``session`` event of its totals at its start and, when its ``totals`` have a
  ``transactionRevenue`` (``totalTransactionRevenue``), one purchase of it (one line of
  an ``unknown`` product, no currency named).
- Money is exported times 10^6 (Google's schema) and read back. The amounts that are
  not ``local*`` are in the view's currency, which the row names only when a
  transaction gives its ``currencyCode`` with an equal local amount; otherwise it is
  ISO 4217's ``XXX`` (no currency named).
- What is not read is kept under ``$ua``: the session's fields and the hit's (under
  ``hit``), without the nulls, empty fields and the public sample's "not available in
  demo dataset" that the export writes for every field a row does not use.
- Ids derive from ``fullVisitorId``, the visit, its start, the hit's number and the
  reading's place in it: importing a day twice, or its intraday table and then the
  day's, stores each event once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from eventtide.core.events.contracts.common import (
    ID_NAMESPACE,
    NO_PAGE,
    NO_SESSION,
    Mapped,
    context_fields,
    country_from,
    obj,
    text,
    with_id,
)
from eventtide.core.events.contracts.countries import country_named
from eventtide.core.events.contracts.ga4 import link_reading, spec_mapped, without_nulls

SOURCE: Final = "ua"
"""The prefix of an app's own event named like a typed one."""
SOURCE_KEY: Final = "$ua"
"""Where what is not read is kept."""
MICROS: Final = 1_000_000
"""Google's schema: "expressed as the value passed to Analytics multiplied by 10^6"."""
NO_CURRENCY: Final = "XXX"
UNKNOWN_PRODUCT: Final = "unknown"
"""The product of an order known only by its session's totals."""
PLACEHOLDER: Final = "not available in demo dataset"
"""What Google's public sample writes for the fields it withholds."""
SESSION_READ: Final = frozenset({"userId", "clientId", "visitId", "visitStartTime", "hits"})
HIT_READ: Final = frozenset(
    {"hitNumber", "time", "type", "eventInfo", "product", "eCommerceAction", "transaction",
     "item", "refund"}
)  # fmt: skip
PER_PRODUCT: Final = {
    "1": "Product Clicked", "2": "Product Viewed", "3": "Product Added", "4": "Product Removed",
}  # fmt: skip
"""Enhanced e-commerce actions with an event per product."""
OWN_RECORD: Final = {"SOCIAL": "social", "EXCEPTION": "exceptionInfo", "ITEM": "item"}
"""The record whose fields are the properties of a hit of that type."""
DEVICES: Final = frozenset({"desktop", "mobile", "tablet"})
APP_PLATFORMS: Final = {"ios": "ios", "android": "android"}


@dataclass(frozen=True, slots=True)
class SessionContext:
    """A session's part of each of its events' context."""

    app_platform: str
    device: str
    country: str


def from_ua_export(session: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One exported session: the events its hits stand for, and its identity link if any."""
    full, user = _id(session.get("fullVisitorId")), _id(session.get("userId"))
    visitor = _id(session.get("clientId")) or full
    start = _start(session) or imported_at
    visit = _id(session.get("visitId"))
    hits = [hit for hit in _list(session.get("hits")) if isinstance(hit, dict)]
    base = {
        "user_id": user or visitor,
        "session_id": f"{full}:{visit}"[:128] if full and visit else NO_SESSION,
    }
    kept = _pruned({k: v for k, v in session.items() if k not in SESSION_READ})
    currency = _view_currency(hits)
    shared = _session_context(session)
    items = _items_by_transaction(hits)
    key = f"ua:{full}:{visit}:{_number(session.get('visitStartTime'))}"
    events: list[Mapped] = []
    for index, hit in enumerate(hits):
        at = _hit_time(start, hit)
        envelope = {**base, "occurred_at": at, "received_at": at,
                    "context": _context(shared, hit)}  # fmt: skip
        ua = {SOURCE_KEY: {**kept, "hit": _hit_kept(hit)}}
        number = _number(hit.get("hitNumber"))
        number = index if number is None else number
        for part, mapped in enumerate(_readings(hit, envelope, ua, currency, items)):
            events.append(with_id(mapped, uuid.uuid5(ID_NAMESPACE, f"{key}:{number}:{part}")))
    if not hits:  # a sessions table without its hits: the session and its revenue
        envelope = {**base, "occurred_at": start, "received_at": start,
                    "context": _context(shared, {})}  # fmt: skip
        for part, mapped in enumerate(_totals_readings(session, envelope, kept, key)):
            events.append(with_id(mapped, uuid.uuid5(ID_NAMESPACE, f"{key}:totals:{part}")))
    if user and visitor and user != visitor and events:
        envelope = {**base, "occurred_at": start, "received_at": start,
                    "context": _context(shared, hits[0] if hits else {})}  # fmt: skip
        events.append(link_reading(envelope, visitor, user, prefix="ua-link"))
    return events


def _totals_readings(
    session: Mapping[str, Any], envelope: Mapping[str, Any], kept: Mapping[str, Any], key: str
) -> Iterator[Mapped]:
    """A row without hits: a ``session`` event of its totals and, when it had revenue
    (and no count of no transactions), one purchase of it (its products unknown)."""
    yield _custom("session", {SOURCE_KEY: dict(kept)}, envelope)
    totals = obj(session.get("totals"))
    revenue = _amount(totals.get("transactionRevenue", totals.get("totalTransactionRevenue")))
    count = _number(totals.get("transactions"))  # Kaggle's first files leave it out
    if not revenue or (count is not None and count <= 0):
        return
    line = {"product_id": UNKNOWN_PRODUCT, "price": revenue, "quantity": 1}
    order = {"order_id": key, "revenue": revenue, "products": [line], "currency": NO_CURRENCY}
    yield _typed("Order Completed", order, envelope)


def _hit_kept(hit: Mapping[str, Any]) -> dict[str, Any]:
    """The hit's fields no reading takes."""
    kept: dict[str, Any] = _pruned({k: v for k, v in hit.items() if k not in HIT_READ})
    return kept


def _action_of(hit: Mapping[str, Any]) -> str:
    return str(obj(hit.get("eCommerceAction")).get("action_type") or "0")


def _readings(
    hit: Mapping[str, Any],
    envelope: Mapping[str, Any],
    ua: Mapping[str, Any],
    currency: str,
    items: Mapping[str, list[dict[str, Any]]],
) -> Iterator[Mapped]:
    """The hit's page view or own event, then its e-commerce action's events."""
    kind = str(hit.get("type") or "").upper()
    action = _action_of(hit)
    if kind in ("PAGE", "APPVIEW"):
        yield _page_view(hit, envelope, ua)
    elif kind == "EVENT" and action == "0":
        yield _own_event(hit, envelope, ua)
    elif kind == "TRANSACTION" and action != "6":
        order = _order(obj(hit.get("transaction")), currency)
        products = items.get(str(order.get("order_id")), [])
        yield _typed("Order Completed", {**order, "products": products, **ua}, envelope)
    elif kind == "ITEM" and str(obj(hit.get("item")).get("transactionId")) in items:
        pass  # a line of its transaction's order
    elif kind not in ("EVENT", "TRANSACTION"):
        own = _pruned(obj(hit.get(OWN_RECORD.get(kind, ""))))
        yield _custom(kind.lower() or "hit", {**own, **ua}, envelope)
    yield from _impressions(hit, envelope, currency)
    yield from _actions(hit, action, envelope, ua, currency)


def _impressions(
    hit: Mapping[str, Any], envelope: Mapping[str, Any], currency: str
) -> Iterator[Mapped]:
    """The products the hit's page listed, a ``Product List Viewed`` per list (what
    Segment's destination sends as impressions)."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for product in _list(hit.get("product")):
        if isinstance(product, dict) and _true(product.get("isImpression")):
            name = _text(product.get("productListName")) or "(not set)"
            lists.setdefault(name, []).append(_product(product))
    for name, products in lists.items():  # the hit's fields are its other event's
        listed = {"list_id": name, "products": products, "currency": currency}
        yield _custom("Product List Viewed", listed, envelope)


def _page_view(
    hit: Mapping[str, Any], envelope: Mapping[str, Any], ua: Mapping[str, Any]
) -> Mapped:
    page, app = obj(hit.get("page")), obj(hit.get("appInfo"))
    title = _text(page.get("pageTitle")) or _text(app.get("screenName"))
    properties: dict[str, Any] = {"title": title} if title else {}
    properties["extra"] = dict(ua)
    typed = {**envelope, "event_type": "page_view", "properties": properties}
    custom = {**envelope, "event_type": f"{SOURCE}:page_view", "properties": dict(ua)}
    return Mapped(typed, custom)


def _own_event(
    hit: Mapping[str, Any], envelope: Mapping[str, Any], ua: Mapping[str, Any]
) -> Mapped:
    info = obj(hit.get("eventInfo"))
    name = _text(info.get("eventAction")) or _text(info.get("eventCategory")) or "(not set)"
    properties = _event_info(info)
    custom = {**envelope, "event_type": name, "properties": {**properties, **ua}}
    return Mapped(None, custom, SOURCE)


def _event_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """An event's category, label and value as Segment's destination names them."""
    read = {"category": _text(info.get("eventCategory")), "label": _text(info.get("eventLabel")),
            "value": _number(info.get("eventValue"))}  # fmt: skip
    return {k: v for k, v in read.items() if v is not None}


def _actions(
    hit: Mapping[str, Any], action: str, envelope: Mapping[str, Any], ua: Mapping[str, Any],
    currency: str,
) -> Iterator[Mapped]:  # fmt: skip
    """An enhanced e-commerce action's events, by Segment's names for them."""
    if action == "0":
        return
    step = obj(hit.get("eCommerceAction"))
    info = _pruned(obj(hit.get("eventInfo")))  # a product's category is not the event's
    products = [_product(p) for p in _list(hit.get("product"))
                if isinstance(p, dict) and not _true(p.get("isImpression"))]  # fmt: skip
    common = {"currency": currency, **({"eventInfo": info} if info else {}), **ua}
    if action in PER_PRODUCT:
        for product in products or [{}]:
            yield _typed(PER_PRODUCT[action], {**common, **product}, envelope)
        return
    if action == "6":
        order = _order(obj(hit.get("transaction")), currency)
        yield _typed("Order Completed", {**common, **order, "products": products}, envelope)
        return
    at_step = {"step": _number(step.get("step")), "option": _text(step.get("option"))}
    at_step = {k: v for k, v in at_step.items() if v is not None}
    if action == "5":
        first = at_step.get("step") in (None, 1)
        name = "Checkout Started" if first else "Checkout Step Viewed"
        yield _typed(name, {**common, **at_step, "products": products}, envelope)
    elif action == "7":
        refund = _amount(obj(hit.get("refund")).get("refundAmount"))
        order_id = _text(obj(hit.get("transaction")).get("transactionId"))
        refunded = {"order_id": order_id, "total": refund, "products": products}
        named = {k: v for k, v in refunded.items() if v is not None}
        yield _typed("Order Refunded", {**common, **named}, envelope)
    elif action == "8":
        yield _typed("Checkout Step Completed", {**common, **at_step}, envelope)
    else:
        yield _custom(f"ecommerce_action_{action}", {**common, "products": products}, envelope)


def _product(product: Mapping[str, Any]) -> dict[str, Any]:
    """A product in Segment's form (the others of its fields kept)."""
    read = {source for source, _ in PRODUCT_FIELDS.values()} | {"isImpression"}
    rest = _pruned({k: v for k, v in product.items() if k not in read})
    return {**rest, **_fields(product, PRODUCT_FIELDS)}


def _order(transaction: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """A transaction's order fields in Segment's names."""
    return {**_fields(transaction, ORDER_FIELDS), "currency": currency}


def _fields(record: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """``record``'s fields under Segment's names, each read as its kind is; nulls left out."""
    read = {name: reader(record.get(source)) for name, (source, reader) in fields.items()}
    return {name: value for name, value in read.items() if value is not None}


def _items_by_transaction(hits: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Classic e-commerce's ``ITEM`` hits, as products, by the transaction they belong to
    (of those the row holds a ``TRANSACTION`` hit for)."""
    orders = {str(obj(h.get("transaction")).get("transactionId")) for h in hits
              if str(h.get("type")).upper() == "TRANSACTION"}  # fmt: skip
    items: dict[str, list[dict[str, Any]]] = {order: [] for order in orders}
    for hit in hits:
        item = obj(hit.get("item"))
        order = str(item.get("transactionId"))
        if str(hit.get("type")).upper() != "ITEM" or order not in items:
            continue
        quantity = _number(item.get("itemQuantity")) or 1
        revenue = _amount(item.get("itemRevenue"))
        price = None if revenue is None else round(revenue / quantity, 6)
        product = {**_fields(item, ITEM_FIELDS), "quantity": quantity}
        items[order].append(product if price is None else {**product, "price": price})
    return items


def _view_currency(hits: list[dict[str, Any]]) -> str:
    """The currency of the row's amounts: a transaction's ``currencyCode`` when its local
    revenue equals its revenue in the view's currency, else none named."""
    pairs = (("transaction", "transactionRevenue", "localTransactionRevenue"),
             ("item", "itemRevenue", "localItemRevenue"))  # fmt: skip
    for hit in hits:
        for field, amount, local in pairs:
            record = obj(hit.get(field))
            code = _text(record.get("currencyCode"))
            if code and str(record.get(local, record.get(amount))) == str(record.get(amount)):
                return code.upper()
    return NO_CURRENCY


def _typed(spec_name: str, properties: Mapping[str, Any], envelope: Mapping[str, Any]) -> Mapped:
    custom = {**envelope, "event_type": spec_name, "properties": dict(properties)}
    return spec_mapped(spec_name, properties, envelope, custom)


def _custom(name: str, properties: Mapping[str, Any], envelope: Mapping[str, Any]) -> Mapped:
    return Mapped(None, {**envelope, "event_type": name, "properties": dict(properties)})


def _session_context(session: Mapping[str, Any]) -> SessionContext:
    """What every hit of the session shares: its operating system (an app's platform),
    device category and country (a name, else the language's region)."""
    device, geo = obj(session.get("device")), obj(session.get("geoNetwork"))
    category = str(device.get("deviceCategory") or "").lower()
    return SessionContext(
        app_platform=APP_PLATFORMS.get(str(device.get("operatingSystem") or "").lower(), "server"),
        device=category if category in DEVICES else "unknown",
        country=country_from(
            country_named(_text(geo.get("country"))), _text(device.get("language"))
        ),
    )


def _context(shared: SessionContext, hit: Mapping[str, Any]) -> dict[str, Any]:
    page, app = obj(hit.get("page")), obj(hit.get("appInfo"))
    is_app = str(hit.get("type")).upper() == "APPVIEW" or hit.get("dataSource") == "app"
    path = _text(page.get("pagePath"))
    where = (urlsplit(path).path or "/") if path else _text(app.get("screenName"))
    return context_fields(
        platform=shared.app_platform if is_app else "web",
        device=shared.device,
        country=shared.country,
        page=where or NO_PAGE,
        referrer=_text(hit.get("referer")),
    )


def _hit_time(start: datetime, hit: Mapping[str, Any]) -> datetime:
    """The session's start plus the hit's milliseconds (the start when they are no time)."""
    try:
        return start + timedelta(milliseconds=_number(hit.get("time")) or 0)
    except (OverflowError, ValueError):
        return start


def _start(session: Mapping[str, Any]) -> datetime | None:
    seconds = _number(session.get("visitStartTime"))
    if seconds is not None:
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return datetime.strptime(str(session.get("date")), "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _pruned(value: Any) -> Any:
    """``value`` without nulls, empty lists and objects, and the sample's placeholders."""
    return without_nulls(value, (PLACEHOLDER,))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    """A field's text; the sample's placeholder is none."""
    found = text(value) if not isinstance(value, int | float) else str(value)
    return None if found == PLACEHOLDER else found


def _id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    return _text(value)


def _number(value: object) -> int | float | None:
    """An INT64 or FLOAT as BigQuery's JSON writes it (a number or its text)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    try:
        return int(str(value))
    except ValueError:
        try:
            return float(str(value))
        except ValueError:
            return None


def _amount(value: object) -> float | None:
    """An amount exported times 10^6, read back."""
    number = _number(value)
    return None if number is None else round(number / MICROS, 6)


def _true(value: object) -> bool:
    return value is True or str(value).lower() == "true"


Field = tuple[str, Callable[[object], Any]]
"""A field's name in the export, and how its value is read."""
PRODUCT_FIELDS: Final[dict[str, Field]] = {
    "product_id": ("productSKU", _text), "name": ("v2ProductName", _text),
    "category": ("v2ProductCategory", _text), "brand": ("productBrand", _text),
    "variant": ("productVariant", _text), "price": ("productPrice", _amount),
    "quantity": ("productQuantity", _number),
}  # fmt: skip
"""An enhanced e-commerce product's fields, by Segment's names for them."""
ORDER_FIELDS: Final[dict[str, Field]] = {
    "order_id": ("transactionId", _text), "revenue": ("transactionRevenue", _amount),
    "tax": ("transactionTax", _amount), "shipping": ("transactionShipping", _amount),
    "affiliation": ("affiliation", _text), "coupon": ("transactionCoupon", _text),
}  # fmt: skip
"""A transaction's fields, by Segment's names for an order's."""
ITEM_FIELDS: Final[dict[str, Field]] = {
    "product_id": ("productSku", _text), "name": ("productName", _text),
    "category": ("productCategory", _text),
}  # fmt: skip
"""A classic e-commerce item's fields, by Segment's names for a product's (its price is
its revenue over its quantity)."""
