"""A purchase log as a table, read as eventtide purchases (``--format purchases``).

The public purchase histories a churn model is judged on (a shop's invoice lines, a
retailer's orders, an e-commerce clickstream's purchases) come as tables, not as
events: CSV under a header row (comma, semicolon or tab separated) or JSON lines. Their
columns are known by the names such logs use (:data:`ROLES`: ``CustomerID``,
``InvoiceDate``, ``InvoiceNo``, ``UnitPrice``, ``Quantity``, ``user_id``,
``event_time``, ``price``...), compared without case, spaces or punctuation.

Each row is an order, or one line of an order: consecutive rows of one customer and one
order id (an invoice's lines, as such logs write them) make one ``purchase`` with a line
item per row. A row's value is its price times its quantity (quantity 1 when there is
none), or its amount when the log has no prices. A log with a column of event kinds
(``event_type``: ``view``, ``cart``, ``purchase``) gives its purchases and skips the rest.
A purchase log has no sessions, devices or pages: those are eventtide's "none"; the
currency is the log's, else ISO 4217's ``XXX`` (no currency named).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import (
    ID_NAMESPACE,
    NO_PAGE,
    NO_SESSION,
    Mapped,
    context_fields,
    country_from,
)
from eventtide.core.events.contracts.countries import country_named
from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import Held, json_object_line, utc_time
from eventtide.core.events.rejection import Rejection, single

ROLES: Final[dict[str, tuple[str, ...]]] = {
    "user": ("customerid", "customer", "customeruniqueid", "customerno", "customernumber",
             "userid", "user", "clientid", "client", "visitorid", "memberid", "buyerid",
             "accountid", "personid", "shopperid", "householdkey"),
    "time": ("invoicedate", "orderdate", "purchasedate", "transactiondate", "saledate",
             "orderpurchasetimestamp", "eventtime", "purchasetime", "ordertime",
             "transactiontime", "invoicetime", "timestamp", "datetime", "createdat", "date",
             "time"),
    "order": ("invoiceno", "invoice", "invoiceid", "invoicenumber", "orderid", "ordernumber",
              "orderno", "transactionid", "receiptid", "basketid"),
    "price": ("unitprice", "price", "itemprice", "priceeach"),
    "quantity": ("quantity", "qty", "units", "quantityordered", "numberofitems"),
    "amount": ("amount", "revenue", "total", "totalamount", "ordertotal", "ordervalue",
               "sales", "saleamount", "purchaseamount", "paymentvalue", "monetary",
               "totalprice", "linetotal", "value", "spend"),
    "product": ("stockcode", "productid", "sku", "itemid", "productcode", "articleid",
                "product", "item"),
    "currency": ("currency", "currencycode"),
    "country": ("country", "countrycode"),
    "kind": ("eventtype", "eventname", "event"),
}  # fmt: skip
"""Each column's part, by the names purchase logs give it (lower case, letters and
digits only), the likelier first: a table's column takes the first part it names. A bare
``type`` is not a kind of event: an orders table's ``Type`` is usually the product's."""
ENDINGS: Final = {
    "price": ("price",),
    "quantity": ("quantity", "qty", "count", "cds", "items"),
    "amount": ("amount", "value", "revenue", "total", "sales", "spend"),
}
"""When no column has one of a part's names: the first whose name ends so
(``sale_price``, ``number_of_cds``, ``dollar_value``, ``gross_revenue``)."""
PURCHASE_KINDS: Final = frozenset({
    "purchase", "purchased", "transaction", "order", "ordercompleted", "orderplaced",
    "checkoutcompleted", "buy", "sale",
})  # fmt: skip
"""Values of a kind column (``event_type``) that mean a purchase, compared as the names."""
NO_CURRENCY: Final = "XXX"
"""ISO 4217's code for "no currency involved": the log did not say which."""
UNKNOWN_PRODUCT: Final = "unknown"
WHOLE_NUMBER: Final = re.compile(r"\d+\.0+")
US_DATES: Final = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y%m%d")
"""Times besides ISO 8601 and epoch numbers: a spreadsheet's US dates (as Excel writes
the UCI Online Retail file) and compact days (``19970101``)."""


def name_key(name: str) -> str:
    """A column name as :data:`ROLES` compares it."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=256)
def roles_of(columns: tuple[str, ...]) -> dict[str, str]:
    """Each part to the first column that names it, in :data:`ROLES`' order of names."""
    keys = {name_key(column): column for column in reversed(columns)}
    keys = dict(reversed(keys.items()))  # the table's order, the first of equal names
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for role, names in ROLES.items():
        column = next((keys[n] for n in names if n in keys and keys[n] not in taken), None)
        if column is None and role in ENDINGS:
            column = next(
                (c for k, c in keys.items() if k.endswith(ENDINGS[role]) and c not in taken),
                None,
            )
        if column is not None:
            roles[role] = column
            taken.add(column)
    return roles


def given_columns(values: Iterable[str]) -> dict[str, str]:
    """``--column PART=COLUMN`` values as ``{part: column}``, for a log whose column
    names say nothing :data:`ROLES` knows (``user=Kunden-Nr``); ValueError says what is
    wrong with one."""
    given: dict[str, str] = {}
    for value in values:
        part, equals, column = value.partition("=")
        part, column = part.strip().lower(), column.strip()
        if not equals or not part or not column:
            raise ValueError(f"{value!r}: give PART=COLUMN, for example user=Kunden-Nr")
        if part not in ROLES:
            raise ValueError(f"{part!r} is not a part of a purchase: one of {', '.join(ROLES)}")
        given[part] = column
    return given


def with_given(
    roles: Mapping[str, str], given: Mapping[str, str], columns: Iterable[str]
) -> dict[str, str] | str:
    """``roles`` with the columns the user named for some parts (a named column takes no
    other part), or what is wrong: a named column the table does not have."""
    present = list(columns)
    absent = [f"{column!r} (for the {part})" for part, column in given.items()
              if column not in present]  # fmt: skip
    if absent:
        return f"no column {', '.join(absent)} in the table; its columns: {', '.join(present)}"
    named = set(given.values())
    return {**{p: c for p, c in roles.items() if c not in named}, **given}


def missing_roles(roles: Mapping[str, str]) -> str | None:
    """What the table lacks to be read as purchases, or None."""
    lacking = [role for role in ("user", "time") if role not in roles]
    if not ({"amount", "price"} & roles.keys()):
        lacking.append("amount (or price)")
    if not lacking:
        return None
    examples = {"user": "CustomerID, user_id", "time": "InvoiceDate, order_date, event_time",
                "amount (or price)": "UnitPrice with Quantity, amount, revenue"}  # fmt: skip
    return "no column for the " + "; no column for the ".join(
        f"{role} (named like {examples[role]})" for role in lacking
    )


class _Order:
    """The rows of one order read so far."""

    def __init__(self, key: tuple[str, str], row: Mapping[str, Any], started: int) -> None:
        self.key = key
        self.first = row
        self.started = started
        self.items: list[dict[str, Any]] = []
        self.problem: str | None = None


class PurchaseLines:
    """Reads one file's lines in order, giving each order when the next begins (and the
    last from :meth:`finish`): a purchase event, a refusal, or None (the header, a row
    of the current order, a row of another kind than a purchase)."""

    def __init__(self, name: str = "", given: Mapping[str, str] | None = None) -> None:
        self._csv = CsvRecords(refused, delimiters=",;\t| ")
        self._given = dict(given or {})
        self._order: _Order | None = None
        self._calls = 0
        del name  # every table of purchases is read alike

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | Held | None:
        self._calls += 1
        if self._csv.header is not None:
            record = self._csv.record(line.decode("utf-8-sig", errors="replace"))
            if not isinstance(record, dict):
                return record
            return self._row(record, self._roles(tuple(self._csv.header)))
        row = json_object_line(line)
        if isinstance(row, dict):
            return self._row(row, self._roles(tuple(row)))
        text = line.decode("utf-8-sig", errors="replace")
        if self._csv.take_header(text, lambda names: self._lacks(tuple(names)) is None):
            return None
        return refused(
            "neither a JSON object nor a CSV header row naming a customer, a time and an "
            f"amount: {self._lacks(tuple(self._csv.header_names(text)))}"
        )

    def _lacks(self, columns: tuple[str, ...]) -> str | None:
        """What a table of these columns lacks to be read as purchases, or None."""
        roles = self._roles(columns)
        return roles if isinstance(roles, str) else missing_roles(roles)

    def _roles(self, columns: tuple[str, ...]) -> dict[str, str] | str:
        """The parts of a table with these columns, the user's naming first."""
        found = roles_of(columns)
        return with_given(found, self._given, columns) if self._given else found

    def finish(self) -> Held | None:
        """The file's last order, once its last line has been read."""
        order, self._order = self._order, None
        return None if order is None else Held(_purchase(order), self._calls - order.started)

    def _row(self, row: Mapping[str, Any], roles: dict[str, str] | str) -> Rejection | Held | None:
        """One row, its parts found by its table's columns (a CSV row leaves out its
        empty values)."""
        if isinstance(roles, str) or (lacking := missing_roles(roles)) is not None:
            return refused(roles if isinstance(roles, str) else str(lacking))
        if "kind" in roles and name_key(str(row.get(roles["kind"], ""))) not in PURCHASE_KINDS:
            return None
        user = _text(row.get(roles["user"]))
        order_id = _text(row.get(roles["order"])) if "order" in roles else ""
        key = (user, order_id)
        done: Held | None = None
        if self._order is None or not order_id or self._order.key != key:
            # a row without an order id is an order of its own
            if self._order is not None:
                done = Held(_purchase(self._order), self._calls - self._order.started)
            self._order = _Order(key, {**row, "$roles": roles}, self._calls)
        _add_line(self._order, row, roles)
        return done


def from_purchase_table(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """An order the decoder gathered: already eventtide's purchase (whose reading as a
    custom event is the same, so that a refusal says why the purchase is invalid)."""
    del imported_at  # a purchase log's time is the order's
    event = dict(message)
    return [Mapped(event, event)]


def _add_line(order: _Order, row: Mapping[str, Any], roles: Mapping[str, str]) -> None:
    """One row's line item; a row that cannot be one makes its order refused."""
    quantity = _number(row.get(roles["quantity"])) if "quantity" in roles else 1.0
    price = _number(row.get(roles["price"])) if "price" in roles else None
    if price is None and "amount" in roles:
        amount = _number(row.get(roles["amount"]))
        price = None if amount is None or not quantity else amount / quantity
    if quantity is None or not quantity.is_integer() or price is None:
        column = roles.get("price", roles.get("amount", ""))
        order.problem = order.problem or (
            f"a line's {roles.get('quantity', 'quantity')} "
            f"{row.get(roles.get('quantity', ''), '')!s} or {column} "
            f"{row.get(column, '')!s} is not a number of items and a price"
        )
        return
    product = _text(row.get(roles["product"])) if "product" in roles else ""
    order.items.append(
        {"product_id": product or UNKNOWN_PRODUCT, "price": price, "quantity": int(quantity)}
    )


def _purchase(order: _Order) -> dict[str, Any] | Rejection:
    row = order.first
    roles: Mapping[str, str] = row["$roles"]
    user, order_id = order.key
    at = _time(row.get(roles["time"]))
    where = f"order {order_id}" if order_id else "the order"
    if not user:
        return refused(f"{where} has no customer: its {roles['user']} is empty")
    if at is None:
        return refused(f"{where}'s {roles['time']} {row.get(roles['time'])!r} is not a time")
    if order.problem is not None:
        return refused(f"{where}: {order.problem}")
    content = orjson.dumps(
        {k: v for k, v in row.items() if k != "$roles"}, option=orjson.OPT_SORT_KEYS, default=str
    ).decode()
    # the first row's place too: a log may hold two equal rows (two like orders in a day)
    event_id = uuid.uuid5(ID_NAMESPACE, f"import:purchases:{order.started}:{content}")
    country = _text(row.get(roles["country"])) if "country" in roles else ""
    currency = _text(row.get(roles["currency"])) if "currency" in roles else ""
    return {
        "event_id": str(event_id),
        "event_type": "purchase",
        "user_id": user[:128],
        "session_id": NO_SESSION,
        "occurred_at": at,
        "received_at": at,
        "context": context_fields(
            platform="server",
            device="unknown",
            country=country_named(country) or country_from(country),
            page=NO_PAGE,
        ),
        "properties": {
            "order_id": order_id or str(event_id),
            "items": order.items,
            "amount": round(math.fsum(i["price"] * i["quantity"] for i in order.items), 6),
            "currency": currency.upper() or NO_CURRENCY,
        },
    }


def _text(value: object) -> str:
    """An id as text; a spreadsheet's ``17850.0`` (a number column's id) is ``17850``."""
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value).strip()
    return text[: text.index(".")] if WHOLE_NUMBER.fullmatch(text) else text


def _number(value: object) -> float | None:
    """A number, or its text: ``2.55``, ``2,55`` (a decimal comma), ``£2.55`` no."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _time(value: object) -> datetime | None:
    if isinstance(value, str):
        text = value.strip().removesuffix(" UTC")
        if (at := utc_time(text)) is not None:
            return at
        for layout in US_DATES:
            try:
                return datetime.strptime(text, layout).replace(tzinfo=UTC)
            except ValueError:
                continue
        return None
    return utc_time(value)


def refused(what: str) -> Rejection:
    """A purchase log's row or order that reads as no purchase."""
    return single("schema_violation", "", "purchase_row", what)
