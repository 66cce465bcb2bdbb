"""Segment's e-commerce, B2B and video spec names onto eventtide's typed events.

Both SDK contracts share this table (PostHog has no spec of its own; teams that use
Segment's names there get the same mapping). Each function takes the message's
properties and returns the typed properties, with every property the typed event does
not define kept in ``extra``. Whether the result fits the typed model is for the
validation to say; if not, the message is kept as a custom event (see ``to_event``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

DEFAULT_CURRENCY: Final = "USD"
"""Segment's spec leaves ``currency`` optional; its destinations read a missing one as USD."""

Properties = Mapping[str, Any]


def _with_extra(typed: dict[str, Any], properties: Properties, used: set[str]) -> dict[str, Any]:
    rest = {key: value for key, value in properties.items() if key not in used}
    if rest:
        typed["extra"] = rest
    return {key: value for key, value in typed.items() if value is not None}


def _currency(properties: Properties) -> Any:
    value = properties.get("currency")
    return value.upper() if isinstance(value, str) else DEFAULT_CURRENCY


def _quantity(value: Any) -> Any:
    return 1 if value is None else value


def _search(p: Properties) -> dict[str, Any]:
    typed = {"query": p.get("query"), "results_count": p.get("results_count")}
    return _with_extra(typed, p, {"query", "results_count"})


def _click(p: Properties) -> dict[str, Any]:
    typed = {"element_id": p.get("product_id"), "target_url": p.get("url")}
    return _with_extra(typed, p, {"product_id", "url"})


def _add(p: Properties) -> dict[str, Any]:
    typed = {
        "product_id": p.get("product_id"),
        "price": p.get("price"),
        "quantity": _quantity(p.get("quantity")),
        "currency": _currency(p),
    }
    return _with_extra(typed, p, {"product_id", "price", "quantity", "currency"})


def _remove(p: Properties) -> dict[str, Any]:
    typed = {"product_id": p.get("product_id"), "quantity": _quantity(p.get("quantity"))}
    return _with_extra(typed, p, {"product_id", "quantity"})


def _items(products: Any) -> list[dict[str, Any]] | None:
    if not isinstance(products, list) or not products:
        return None
    return [
        {
            "product_id": item.get("product_id"),
            "price": item.get("price"),
            "quantity": _quantity(item.get("quantity")),
        }
        for item in products
        if isinstance(item, dict)
    ]


def _items_total(items: list[dict[str, Any]] | None) -> float | None:
    if not items:
        return None
    try:
        return round(math.fsum(float(i["price"]) * float(i["quantity"]) for i in items), 2)
    except (TypeError, ValueError):
        return None


def _checkout(p: Properties) -> dict[str, Any]:
    items = _items(p.get("products"))
    value = next((p[k] for k in ("value", "revenue", "total") if p.get(k) is not None), None)
    count = sum(i["quantity"] for i in items if isinstance(i["quantity"], int)) if items else None
    typed = {
        "cart_value": value if value is not None else _items_total(items),
        "item_count": count or 1,
        "currency": _currency(p),
    }
    return _with_extra(typed, p, {"value", "revenue", "total", "currency"})


def _order(p: Properties) -> dict[str, Any]:
    items = _items(p.get("products"))
    typed = {
        "order_id": p.get("order_id"),
        "items": items,
        "amount": _items_total(items),  # total/revenue include tax and shipping: kept in extra
        "currency": _currency(p),
    }
    return _with_extra(typed, p, {"order_id", "products", "currency"})


def _signup(p: Properties) -> dict[str, Any]:
    return _with_extra({"method": p.get("method")}, p, {"method"})


def _login(p: Properties) -> dict[str, Any]:
    return _with_extra({"method": p.get("method"), "success": True}, p, {"method"})


def _logout(p: Properties) -> dict[str, Any]:
    return _with_extra({}, p, set())


def _video(p: Properties) -> dict[str, Any]:
    video = next((p[k] for k in ("content_asset_id", "asset_id", "video_id") if p.get(k)), None)
    typed = {
        "video_id": video,
        "position_s": p.get("position"),
        "duration_s": p.get("total_length"),
        "autoplay": p.get("autoplay"),
    }
    used = {"content_asset_id", "asset_id", "video_id", "position", "total_length", "autoplay"}
    return _with_extra(typed, p, used)


SPEC_EVENTS: Final[dict[str, tuple[str, Callable[[Properties], dict[str, Any]]]]] = {
    "Products Searched": ("search", _search),
    "Product Clicked": ("click", _click),
    "Product Added": ("add_to_cart", _add),
    "Product Removed": ("remove_from_cart", _remove),
    "Checkout Started": ("checkout_started", _checkout),
    "Order Completed": ("purchase", _order),
    "Signed Up": ("signup", _signup),
    "Signed In": ("login", _login),
    "Signed Out": ("logout", _logout),
    "Video Playback Started": ("video_play", _video),
}
"""Spec event name -> (eventtide type, properties mapping). Any other name is custom."""


def typed_reading(name: str, properties: Properties) -> tuple[str, dict[str, Any]] | None:
    """The typed event a spec name maps to, with its properties; None for other names."""
    entry = SPEC_EVENTS.get(name)
    if entry is None:
        return None
    event_type, mapping = entry
    return event_type, mapping(properties)
