"""A clickstream as a table, read as eventtide events (``--format clickstream``).

The public e-commerce clickstreams (a multi-category store's views, carts and
purchases; a shop's views, add-to-carts and transactions) are tables of one event per
row: a user, a time and the event's kind, with the product, its price and the session
where the log has them (:mod:`.table_rows` knows their columns by the names such logs
use: ``user_id``, ``visitorid``, ``event_time``, ``timestamp``, ``event_type``,
``event``, ``product_id``, ``itemid``, ``price``, ``user_session``...).

A row's kind (compared without case or punctuation) names a typed event where one
means it (:data:`KINDS`: ``view`` a ``page_view``, ``cart`` an ``add_to_cart``,
``remove_from_cart``, ``purchase`` a one-line ``purchase``), read with the row's
product, price and quantity (1 without one) and its other columns in ``extra``; a row
that does not fit its typed event (a cart without a price) and any other kind is a
custom event of the kind's own name with the row as its properties. The currency is the
log's, else ISO 4217's ``XXX``; the log has no platform, device or page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import NO_PAGE, NO_SESSION, Mapped
from eventtide.core.events.contracts.purchase_table import PURCHASE_KINDS, line_item
from eventtide.core.events.contracts.table_rows import (
    NO_CURRENCY,
    UNKNOWN_PRODUCT,
    Roles,
    TableHints,
    TableRows,
    id_text,
    lacking,
    name_key,
    number,
    refused,
    row_id,
    table_context,
)
from eventtide.core.events.rejection import Rejection

SOURCE: Final = "clickstream"
"""The custom name's door when a row's kind is one of eventtide's typed names but its
row does not fit it (``clickstream:purchase``)."""
KINDS: Final[dict[str, str]] = {
    **dict.fromkeys(("view", "pageview", "productview", "viewproduct", "viewitem",
                     "viewed", "detail", "productviewed"), "page_view"),
    **dict.fromkeys(("cart", "addtocart", "addedtocart", "productadded"), "add_to_cart"),
    **dict.fromkeys(("removefromcart", "removedfromcart", "productremoved"),
                    "remove_from_cart"),
    **dict.fromkeys(PURCHASE_KINDS, "purchase"),
}  # fmt: skip
"""A row's kind (as :func:`.table_rows.name_key` writes it) to the typed event it means."""
PART_COLUMNS: Final = ("user", "time", "day", "clock", "kind", "session")
"""Parts the envelope takes: never a property."""
ITEM_COLUMNS: Final = (*PART_COLUMNS, "product", "price", "quantity", "amount", "currency",
                       "order")  # fmt: skip
"""Parts a cart or purchase event's own fields take: never in its ``extra``."""


def missing_roles(roles: Roles) -> str | None:
    """What the table lacks to be read as a clickstream, or None."""
    return lacking(roles, ("user", "time", "kind"))


class ClickstreamLines:
    """Reads one file's lines in order: each a row with its table's parts, a refusal, or
    None (the CSV header, a record going on to the next line)."""

    def __init__(self, name: str = "", hints: TableHints | None = None) -> None:
        self._rows = TableRows(missing_roles, hints)
        self._calls = 0
        del name  # every clickstream is read alike

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        self._calls += 1
        read = self._rows(line)
        if read is None or isinstance(read, Rejection):
            return read
        row, roles = read
        user, at = id_text(row.get(roles["user"])), self._rows.when(row, roles)
        kind = id_text(row.get(roles["kind"]))
        if not user:
            return refused(f"the row has no user: its {roles['user']} is empty")
        if isinstance(at, str):
            return refused(f"the row has no time: {at}")
        if not kind:
            return refused(f"the row has no kind of event: its {roles['kind']} is empty")
        return {"row": row, "roles": roles, "index": self._calls, "user": user, "at": at,
                "kind": kind}  # fmt: skip

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._rows.unfinished()


def from_clickstream(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """A clickstream row as its typed event, with its custom reading."""
    del imported_at  # a log's time is the event's
    row: Mapping[str, Any] = message["row"]
    roles: Roles = message["roles"]
    kind, at = message["kind"], message["at"]  # the decoder read them (or refused the row)
    session = id_text(row.get(roles["session"])) if "session" in roles else ""
    envelope = {
        "event_id": row_id(row, message["index"], SOURCE),
        "user_id": message["user"][:128],
        "session_id": session[:128] or NO_SESSION,
        "occurred_at": at,
        "received_at": at,
        "context": table_context(row, roles, NO_PAGE),
    }
    custom = {**envelope, "event_type": kind, "properties": _rest(row, roles, PART_COLUMNS)}
    typed = _typed(KINDS.get(name_key(kind)), row, roles, envelope)
    return [Mapped(typed, custom, SOURCE)]


def _typed(
    event_type: str | None, row: Mapping[str, Any], roles: Roles, envelope: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The typed reading of a row whose kind means one, or None."""
    if event_type is None:
        return None
    if event_type == "page_view":
        rest = _rest(row, roles, PART_COLUMNS)
        return {**envelope, "event_type": event_type, "properties": {"extra": rest} if rest else {}}
    if event_type == "remove_from_cart":  # no price of its own: the row's stays in extra
        quantity = number(row.get(roles["quantity"])) if "quantity" in roles else 1.0
        if quantity is None or not quantity.is_integer():
            return None
        product = id_text(row.get(roles["product"])) if "product" in roles else ""
        rest = _rest(row, roles, (*PART_COLUMNS, "product", "quantity"))
        removal = {"product_id": product or UNKNOWN_PRODUCT, "quantity": int(quantity)}
        properties = {**removal, **({"extra": rest} if rest else {})}
        return {**envelope, "event_type": event_type, "properties": properties}
    item = line_item(row, roles)
    if isinstance(item, str):
        return None  # not the typed event: its custom reading says why not
    rest = _rest(row, roles, ITEM_COLUMNS)
    currency = id_text(row.get(roles["currency"])) if "currency" in roles else ""
    own: dict[str, Any] = {**item, "currency": currency.upper() or NO_CURRENCY}
    if event_type == "purchase":
        order = id_text(row.get(roles["order"])) if "order" in roles else ""
        own = {
            "order_id": order or str(envelope["event_id"]),
            "items": [item],
            "amount": round(item["price"] * item["quantity"], 6),
            "currency": own["currency"],
        }
    properties = {**own, **({"extra": rest} if rest else {})}
    return {**envelope, "event_type": event_type, "properties": properties}


def _rest(row: Mapping[str, Any], roles: Roles, parts: tuple[str, ...]) -> dict[str, Any]:
    """The row's columns that are none of ``parts``: its properties, or its extra."""
    used = {column for part, column in roles.items() if part in parts}
    return {key: value for key, value in row.items() if key not in used}
