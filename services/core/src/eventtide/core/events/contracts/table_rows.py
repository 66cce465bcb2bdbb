"""The rows of an event log kept as a table, and the parts of an event in its columns.

Public purchase histories and clickstreams (a shop's invoice lines, a retailer's orders,
an e-commerce site's views, carts and purchases) come as tables, not as events: CSV
under a header row (comma, semicolon, tab or ``|`` separated, or columns lined up with
spaces) or JSON lines. Their columns are known by the names such logs give them
(:data:`ROLES`: ``CustomerID``, ``InvoiceDate``, ``UnitPrice``, ``user_id``,
``event_time``, ``event_type``...), compared without case, spaces or punctuation, or
named by the user (``--column user=Kunden-Nr``). :mod:`.purchase_table` and
:mod:`.clickstream_table` read them so.

Some logs keep no dates, only day numbers from the start of a study (dunnhumby's The
Complete Journey: ``DAY`` 1 to 711, the time of day in ``TRANS_TIME`` as ``1631``). The
user says which date day 1 is (``--day-one 2020-01-01``); day N is then N - 1 days after
it, at the time of day the log gives (midnight without one).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import (
    ID_NAMESPACE,
    context_fields,
    country_from,
)
from eventtide.core.events.contracts.countries import country_named
from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import json_object_line, utc_time
from eventtide.core.events.rejection import Rejection, single

ROLES: Final[dict[str, tuple[str, ...]]] = {
    "user": ("customerid", "customer", "customeruniqueid", "customerno", "customernumber",
             "userid", "user", "clientid", "client", "visitorid", "memberid", "buyerid",
             "accountid", "personid", "shopperid", "householdkey"),
    "time": ("invoicedate", "orderdate", "purchasedate", "transactiondate", "saledate",
             "orderpurchasetimestamp", "eventtime", "purchasetime", "ordertime",
             "transactiontime", "invoicetime", "timestamp", "datetime", "createdat", "date",
             "time", "tdat", "transactiondt", "transdate"),
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
    "session": ("usersession", "sessionid", "session", "visitid"),
    "day": ("day", "dayno", "daynumber", "daynum", "dayindex"),
    "clock": ("transtime", "timeofday", "hhmm", "clock"),
    "status": ("orderstatus", "status", "transactionstatus", "invoicestatus", "paymentstatus"),
}  # fmt: skip
"""Each column's part, by the names such logs give it (lower case, letters and digits
only), the likelier first: a table's column takes the first part it names. A bare
``type`` is not a kind of event: an orders table's ``Type`` is usually the product's.
``day`` (a day number) and ``clock`` (its time of day) are read only in a table with no
``time``."""
ENDINGS: Final = {
    "price": ("price",),
    "quantity": ("quantity", "qty", "count", "cds", "items"),
    "amount": ("amount", "value", "revenue", "total", "sales", "spend"),
}
"""When no column has one of a part's names: the first whose name ends so
(``sale_price``, ``number_of_cds``, ``dollar_value``, ``gross_revenue``)."""
EXAMPLES: Final = {
    "user": "CustomerID, user_id, visitorid",
    "time": "InvoiceDate, order_date, event_time, timestamp; or day numbers, DAY",
    "kind": "event_type, event",
    "amount (or price)": "UnitPrice with Quantity, amount, revenue",
}
NO_CURRENCY: Final = "XXX"
"""ISO 4217's code for "no currency involved": the log did not say which."""
UNKNOWN_PRODUCT: Final = "unknown"
WHOLE_NUMBER: Final = re.compile(r"\d+\.0+")
US_DATES: Final = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%Y%m%d",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)
"""Times besides ISO 8601 and epoch numbers: a spreadsheet's US dates (as Excel writes
the UCI Online Retail file), compact days (``19970101``) and days with the month named
(``11-Feb-13``, ``11 February 2013``, ``Feb 11, 2013``: no day and month to mistake)."""
DELIMITERS: Final = ",;\t| "
EPOCH_DIGITS: Final = 9
"""A time written as this many digits or more is epoch seconds or milliseconds (RetailRocket's
``1433221332117``); fewer is a compact day (``19970101``)."""
MAX_DAY: Final = 100_000
"""Day numbers beyond this (274 years) are no study's days."""
MAX_KNOWN_TABLES: Final = 256
"""Sets of columns whose parts a reading remembers (JSON rows may each have their own)."""
CLOCK: Final = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")

Roles = dict[str, str]
"""Part (``user``, ``time``...) to the column that holds it."""


@dataclass(frozen=True)
class TableHints:
    """What the user says of a table that its columns do not: the column of a part whose
    name says nothing :data:`ROLES` knows (``--column``), and the date of day 1 when its
    times are day numbers (``--day-one``)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    day_one: date | None = None


Needs = Callable[[Roles], "str | None"]
"""What a table of these parts lacks to be read as a format, or None."""


def name_key(name: str) -> str:
    """A column name as :data:`ROLES` compares it."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=256)
def roles_of(columns: tuple[str, ...]) -> Roles:
    """Each part to the first column that names it, in :data:`ROLES`' order of names."""
    keys = {name_key(column): column for column in reversed(columns)}
    keys = dict(reversed(keys.items()))  # the table's order, the first of equal names
    roles: Roles = {}
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
            raise ValueError(f"{part!r} is not a part of an event: one of {', '.join(ROLES)}")
        given[part] = column
    return given


def with_given(roles: Roles, given: Mapping[str, str], columns: Iterable[str]) -> Roles | str:
    """``roles`` with the columns the user named for some parts (a named column takes no
    other part), or what is wrong: a named column the table does not have."""
    present = list(columns)
    absent = [f"{column!r} (for the {part})" for part, column in given.items()
              if column not in present]  # fmt: skip
    if absent:
        return f"no column {', '.join(absent)} in the table; its columns: {', '.join(present)}"
    named = set(given.values())
    return {**{p: c for p, c in roles.items() if c not in named}, **given}


def lacking(roles: Roles, parts: Iterable[str]) -> str | None:
    """What of ``parts`` (``amount (or price)`` for either) a table lacks, or None."""
    either = {"amount (or price)": {"amount", "price"}, "time": {"time", "day"}}
    absent = [part for part in parts if not either.get(part, {part}) & roles.keys()]
    if not absent:
        return None
    return "no column for the " + "; no column for the ".join(
        f"{part} (named like {EXAMPLES[part]})" for part in absent
    )


class TableRows:
    """One file's lines as rows with their parts: each line a row and the table's roles,
    a refusal, or None (the CSV header, a record going on to the next line)."""

    def __init__(self, needs: Needs, hints: TableHints | None = None) -> None:
        self._csv = CsvRecords(refused, delimiters=DELIMITERS)
        self._needs = needs
        self._hints = hints or TableHints()
        self._known: dict[tuple[str, ...], Roles | str] = {}

    def __call__(self, line: bytes) -> tuple[Mapping[str, Any], Roles] | Rejection | None:
        if self._csv.header is not None:
            record = self._csv.record(line.decode("utf-8-sig", errors="replace"))
            if not isinstance(record, dict):
                return record
            return self._row(record, tuple(self._csv.header))
        row = json_object_line(line)
        if isinstance(row, dict):
            return self._row(row, tuple(row))
        text = line.decode("utf-8-sig", errors="replace")
        if self._csv.take_header(text, lambda names: self._lacks(tuple(names)) is None):
            return None
        return refused(
            "neither a JSON object nor a CSV header row naming the parts of an event: "
            f"{self._lacks(tuple(self._csv.header_names(text)))}"
        )

    def _row(
        self, row: Mapping[str, Any], columns: tuple[str, ...]
    ) -> tuple[Mapping[str, Any], Roles] | Rejection:
        """A row with its table's parts (a CSV row leaves out its empty values, so the
        header's columns say them)."""
        roles = self._roles(columns)
        if isinstance(roles, str):
            return refused(roles)
        if (lacks := self._needs(roles)) is not None:
            return refused(lacks)
        return row, roles

    def _roles(self, columns: tuple[str, ...]) -> Roles | str:
        """The parts of a table of ``columns``, worked out once per set of columns (a CSV
        file has one; JSON rows may differ)."""
        known = self._known.get(columns)
        if known is None:
            found = roles_of(columns)
            given = self._hints.columns
            known = with_given(found, given, columns) if given else found
            if not isinstance(known, str) and "time" in known:
                known = {part: col for part, col in known.items() if part not in ("day", "clock")}
            if len(self._known) < MAX_KNOWN_TABLES:
                self._known[columns] = known
        return known

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._csv.unfinished()

    def when(self, row: Mapping[str, Any], roles: Roles) -> datetime | str:
        """The row's time, or why it has none: its ``time``, or its ``day`` number counted
        from the day one the user gave, at its ``clock``'s time of day."""
        if "time" in roles:
            value = row.get(roles["time"])
            at = time_of(value)
            return f"its {roles['time']} {value!r} is not a time" if at is None else at
        day = roles["day"]
        value = row.get(day)
        count = id_text(value)
        if not (count.isascii() and count.isdigit()) or int(count) > MAX_DAY:
            return f"its {day} {value!r} is not a day number"
        if self._hints.day_one is None:
            return (
                f"its {day} is a day number, not a date: give --day-one DATE, the date of day 1 "
                "(for example --day-one 2020-01-01)"
            )
        clock = clock_of(row.get(roles["clock"])) if "clock" in roles else time()
        if clock is None:
            return f"its {roles['clock']} {row.get(roles['clock'])!r} is not a time of day"
        try:
            on = self._hints.day_one + timedelta(days=int(count) - 1)
        except OverflowError:
            return f"its {day} {count} is past the last date there is"
        return datetime.combine(on, clock, tzinfo=UTC)

    def _lacks(self, columns: tuple[str, ...]) -> str | None:
        roles = self._roles(columns)
        return roles if isinstance(roles, str) else self._needs(roles)


def row_id(row: Mapping[str, Any], index: int, kind: str) -> uuid.UUID:
    """An id from a row's content and its place in the file (a log may hold two equal
    rows: two like orders in a day), so that a second import of the file stores nothing."""
    content = orjson.dumps(row, option=orjson.OPT_SORT_KEYS, default=str).decode()
    return uuid.uuid5(ID_NAMESPACE, f"import:{kind}:{index}:{content}")


def table_context(row: Mapping[str, Any], roles: Roles, page: str) -> dict[str, Any]:
    """A log's context: no platform, device or page of its own; the country its column
    names (a code or an English name)."""
    country = id_text(row.get(roles["country"])) if "country" in roles else ""
    return context_fields(
        platform="server",
        device="unknown",
        country=country_named(country) or country_from(country),
        page=page,
    )


def id_text(value: object) -> str:
    """An id as text; a spreadsheet's ``17850.0`` (a number column's id) is ``17850``."""
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value).strip()
    return text[: text.index(".")] if WHOLE_NUMBER.fullmatch(text) else text


def number(value: object) -> float | None:
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
        parsed = float(text)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None


def time_of(value: object) -> datetime | None:
    """A log's time: ISO 8601 (a trailing `` UTC`` too), epoch seconds or milliseconds,
    or one of :data:`US_DATES`; naive is UTC."""
    if isinstance(value, str):
        text = value.strip().removesuffix(" UTC")
        if text.isdigit() and len(text) >= EPOCH_DIGITS:
            return utc_time(int(text))  # epoch seconds or milliseconds, as CSV text
        if (at := utc_time(text)) is not None:
            return at
        for layout in US_DATES:
            try:
                return datetime.strptime(text, layout).replace(tzinfo=UTC)
            except ValueError:
                continue
        return None
    return utc_time(value)


def clock_of(value: object) -> time | None:
    """A time of day: ``16:31`` (``:05`` seconds too), or as a number ``1631`` (dunnhumby's
    ``TRANS_TIME``; ``5`` is 00:05)."""
    text = id_text(value)
    if text.isascii() and text.isdigit() and len(text) <= 4:
        hours, minutes = divmod(int(text), 100)
        seconds = 0
    elif (match := CLOCK.fullmatch(text)) is not None:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
    else:
        return None
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return time(hours, minutes, seconds)


def refused(what: str) -> Rejection:
    """A table's row that reads as no event."""
    return single("schema_violation", "", "table_row", what)
