"""A purchase log as a table, read as eventtide purchases (``--format purchases``).

The public purchase histories a churn model is judged on (a shop's invoice lines, a
retailer's orders, an e-commerce clickstream's purchases) come as tables
(:mod:`.table_rows`: their columns known by the names such logs use, ``CustomerID``,
``InvoiceDate``, ``InvoiceNo``, ``UnitPrice``, ``Quantity``...).

Each row is an order, or one line of an order: consecutive rows of one customer and one
order id (an invoice's lines, as such logs write them) make one ``purchase`` with a line
item per row. A row's value is its price times its quantity (quantity 1 when there is
none), or its amount when the log has no prices. A log with a column of event kinds
(``event_type``: ``view``, ``cart``, ``purchase``) gives its purchases and skips the rest.
An order whose status says it was no sale (:data:`NO_SALE`) is refused saying so. A
purchase log has no sessions, devices or pages: those are eventtide's "none"; the
currency is the log's, else ISO 4217's ``XXX`` (no currency named).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from eventtide.core.events.contracts.common import NO_PAGE, NO_SESSION, Mapped
from eventtide.core.events.contracts.exports import Held
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
from eventtide.core.events.properties.common import MAX_QUANTITY
from eventtide.core.events.rejection import Rejection

PURCHASE_KINDS: Final = frozenset({
    "purchase", "purchased", "transaction", "order", "ordercompleted", "orderplaced",
    "checkoutcompleted", "buy", "sale",
})  # fmt: skip
"""Values of a kind column (``event_type``) that mean a purchase, compared as the names."""
NO_SALE: Final = frozenset({
    "canceled", "cancelled", "refunded", "returned", "unavailable", "failed", "declined",
    "void", "voided", "rejected",
})  # fmt: skip
"""Values of an order's status column (``order_status``), compared as the names, that
say it was no sale (Olist's ``canceled`` and ``unavailable`` orders)."""


def missing_roles(roles: Roles) -> str | None:
    """What the table lacks to be read as purchases, or None."""
    return lacking(roles, ("user", "time", "amount (or price)"))


class _Order:
    """The rows of one order read so far."""

    def __init__(
        self,
        key: tuple[str, str],
        row: Mapping[str, Any],
        roles: Roles,
        started: int,
        at: datetime | str,
    ) -> None:
        self.key = key
        self.first = row
        self.roles = roles
        self.started = started
        self.at = at
        self.items: list[dict[str, Any]] = []
        self.problem: str | None = None


class PurchaseLines:
    """Reads one file's lines in order, giving each order when the next begins (and the
    last from :meth:`finish`): a purchase event, a refusal, or None (the header, a row
    of the current order, a row of another kind than a purchase)."""

    def __init__(self, name: str = "", hints: TableHints | None = None) -> None:
        self._rows = TableRows(missing_roles, hints)
        self._order: _Order | None = None
        self._calls = 0
        del name  # every table of purchases is read alike

    def __call__(self, line: bytes) -> Rejection | Held | None:
        self._calls += 1
        read = self._rows(line)
        if read is None or isinstance(read, Rejection):
            return read
        row, roles = read
        if "kind" in roles and name_key(str(row.get(roles["kind"], ""))) not in PURCHASE_KINDS:
            return None
        user = id_text(row.get(roles["user"]))
        order_id = id_text(row.get(roles["order"])) if "order" in roles else ""
        key = (user, order_id)
        done: Held | None = None
        if self._order is None or not order_id or self._order.key != key:
            # a row without an order id is an order of its own
            if self._order is not None:
                done = Held(_purchase(self._order), self._calls - self._order.started)
            self._order = _Order(key, row, roles, self._calls, self._rows.when(row, roles))
        _add_line(self._order, row, roles)
        return done

    def finish(self) -> Held | None:
        """The file's last order, once its last line has been read."""
        order, self._order = self._order, None
        return None if order is None else Held(_purchase(order), self._calls - order.started)

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._rows.unfinished()


def from_purchase_table(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """An order the decoder gathered: already eventtide's purchase (whose reading as a
    custom event is the same, so that a refusal says why the purchase is invalid)."""
    del imported_at  # a purchase log's time is the order's
    event = dict(message)
    return [Mapped(event, event)]


def _add_line(order: _Order, row: Mapping[str, Any], roles: Roles) -> None:
    """One row's line item; a line of no items (a quantity of 0, as in dunnhumby's
    baskets) adds nothing, and a row that cannot be one makes its order refused."""
    if "quantity" in roles and number(row.get(roles["quantity"])) == 0:
        return
    item = line_item(row, roles)
    if isinstance(item, str):
        order.problem = order.problem or item
    else:
        order.items.append(item)


def line_item(row: Mapping[str, Any], roles: Roles) -> dict[str, Any] | str:
    """A row's product, price and quantity, or why it has none: its price times its
    quantity is its value, or its amount divided by its quantity.

    A quantity that counts no items is a measure: a fraction (1.25 kg of apples at a
    price per kg), or, in a log of amounts without prices, more than a line can count
    (dunnhumby's fuel lines: thousands). The line is then one item of its value. A
    count over the limit beside a unit price stays a count, refused (UCI Online
    Retail's 80,995 cards, cancelled the same day)."""
    quantity = number(row.get(roles["quantity"])) if "quantity" in roles else 1.0
    price = number(row.get(roles["price"])) if "price" in roles else None
    amount = number(row.get(roles["amount"])) if "amount" in roles and price is None else None
    if (
        quantity is not None
        and quantity > 0
        and (not quantity.is_integer() or (quantity > MAX_QUANTITY and amount is not None))
    ):
        value = amount if amount is not None else (None if price is None else price * quantity)
        if value is not None:
            price, quantity = value, 1.0
    elif amount is not None and quantity:
        price = amount / quantity
    if quantity is None or not quantity.is_integer() or price is None:
        column = roles.get("price", roles.get("amount", ""))
        return (
            f"a line's {roles.get('quantity', 'quantity')} "
            f"{row.get(roles.get('quantity', ''), '')!s} or {column} "
            f"{row.get(column, '')!s} is not a number of items and a price"
        )
    product = id_text(row.get(roles["product"])) if "product" in roles else ""
    return {"product_id": product or UNKNOWN_PRODUCT, "price": price, "quantity": int(quantity)}


def _purchase(order: _Order) -> dict[str, Any] | Rejection:
    row, roles = order.first, order.roles
    user, order_id = order.key
    at = order.at
    where = f"order {order_id}" if order_id else "the order"
    if not user:
        return refused(f"{where} has no customer: its {roles['user']} is empty")
    if isinstance(at, str):
        return refused(f"{where}: {at}")
    status = id_text(row.get(roles["status"])) if "status" in roles else ""
    if name_key(status) in NO_SALE:
        return refused(f"{where} is no sale: its {roles['status']} is {status!r}")
    if order.problem is not None:
        return refused(f"{where}: {order.problem}")
    if not order.items:
        return refused(f"{where} has no items: its every {roles['quantity']} is 0")
    event_id = row_id(row, order.started, "purchases")
    currency = id_text(row.get(roles["currency"])) if "currency" in roles else ""
    return {
        "event_id": str(event_id),
        "event_type": "purchase",
        "user_id": user[:128],
        "session_id": NO_SESSION,
        "occurred_at": at,
        "received_at": at,
        "context": table_context(row, roles, NO_PAGE),
        "properties": {
            "order_id": order_id or str(event_id),
            "items": order.items,
            "amount": round(math.fsum(i["price"] * i["quantity"] for i in order.items), 6),
            "currency": currency.upper() or NO_CURRENCY,
        },
    }
