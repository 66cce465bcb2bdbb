"""A shop's tables, joined into the one purchase log they stand for (``--format purchases``
on a folder or zip of tables).

A shop's database keeps an order's time, its lines and its customer apart, so a public
dump of one (Olist's Brazilian e-commerce data set: ``olist_orders_dataset.csv``,
``olist_order_items_dataset.csv``, ``olist_customers_dataset.csv``...) has no table that
is a purchase log alone. The tables are joined by what their columns are
(:data:`.table_rows.ROLES`) and the columns they share, never by their file names:

- The **orders**: the one table that is a log of its own (a column for the user and one
  for the time). Two such tables are two logs: no join then.
- Its **lines**, when the orders have no amount: a table that is no log of its own,
  holds the orders' order-id column (the same name) and a price or an amount; the one
  with prices first (an order's items rather than its payments), then by file name.
  Each order's rows follow it; an order without one is refused, saying so.
- Its **people**, when the orders' user ids are not people's: a table that is no log of
  its own, holds the orders' user column and another id of the same user, a column
  named as a user and beginning as it does (``customer_unique_id`` beside
  ``customer_id``: Olist gives a customer id per order, the person's id in the
  customers table). The orders' user column is then that column.

The joined table reaches :mod:`.purchase_table` as CSV under one header, each row placed
at its order's line; what is not joined is read as it is.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Final

from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.export_members import Place, export_members
from eventtide.core.events.contracts.table_rows import (
    DELIMITERS,
    ROLES,
    Roles,
    name_key,
    refused,
    roles_of,
)
from eventtide.core.events.rejection import Rejection

PERSON_NAMES: Final = frozenset(ROLES["user"])


@dataclass(frozen=True)
class Table:
    """A file of the export that is a table: its path inside the export and its header."""

    name: str
    columns: tuple[str, ...]

    @property
    def roles(self) -> Roles:
        return roles_of(self.columns)

    @property
    def is_log(self) -> bool:
        """Whether its rows are events of their own: someone, at some time."""
        roles = self.roles
        return "user" in roles and ("time" in roles or "day" in roles)


@dataclass(frozen=True)
class JoinPlan:
    """Which tables make the purchase log, and by which columns."""

    orders: Table
    lines: Table | None
    people: Table | None
    person: str | None
    """The people table's column that names the person."""

    @property
    def order_key(self) -> str:
        return self.orders.roles["order"]

    @property
    def user_key(self) -> str:
        return self.orders.roles["user"]

    def header(self) -> list[str]:
        """The joined table's columns: the orders' (the person's id in place of the
        user's), then the lines' own."""
        columns = [
            self.person if column == self.user_key and self.person else column
            for column in self.orders.columns
        ]
        if self.lines is not None:
            columns += [c for c in self.lines.columns if c not in columns]
        return columns

    def describe(self) -> str:
        """What was joined, for the user to check."""
        said = f"orders from {self.orders.name}"
        if self.lines is not None:
            said += f", their lines from {self.lines.name} by {self.order_key}"
        if self.people is not None:
            said += f", each {self.user_key} as its {self.person} from {self.people.name}"
        return said


def plan(tables: Sequence[Table]) -> JoinPlan | None:
    """The join that makes ``tables`` one purchase log, or None when there is none to make
    (one table, several logs, or nothing joins)."""
    logs = [table for table in tables if table.is_log]
    if len(logs) != 1:
        return None
    (orders,) = logs
    others = sorted((t for t in tables if not t.is_log), key=lambda t: t.name)
    lines = None
    if not {"amount", "price"} & orders.roles.keys() and "order" in orders.roles:
        key = orders.roles["order"]
        priced = [t for t in others if key in t.columns and {"amount", "price"} & t.roles.keys()]
        lines = next(iter(sorted(priced, key=lambda t: "price" not in t.roles)), None)
    user = orders.roles["user"]
    stem = name_key(user).removesuffix("id")
    people, person = None, None
    for table in others:
        named = [c for c in table.columns if c != user and _another_id(c, stem)]
        if user in table.columns and named:
            people, person = table, min(named, key=lambda c: ROLES["user"].index(name_key(c)))
            break
    if lines is None and people is None:
        return None
    return JoinPlan(orders, lines, people, person)


def _another_id(column: str, stem: str) -> bool:
    """Whether ``column`` is another id of the orders' user: a user's name beginning as
    theirs does (``customer_unique_id`` beside ``customer_id``; a ``users`` table's
    ``account_id`` beside ``user_id`` is another thing, an account, and joins nothing)."""
    key = name_key(column)
    return key in PERSON_NAMES and key.startswith(stem)


def joined_lines(
    path: Path,
) -> tuple[JoinPlan, Iterator[tuple[Place, bytes | Rejection]]] | None:
    """The export's tables joined into one purchase log (what was joined, and the log's
    lines as CSV, or an order's refusal where no CSV reads it), or None when the export
    is not such a set of tables."""
    tables = _tables(path)
    found = plan(tables)
    if found is None:
        return None
    return found, _joined(path, found)


def _tables(path: Path) -> list[Table]:
    """The export's files that begin with a CSV header row (read no further)."""
    tables: list[Table] = []
    for name, lines in export_members(path):
        first = next(lines, None)
        if first is None or first[1].lstrip().startswith((b"{", b"[")):
            continue
        records = CsvRecords(refused, delimiters=DELIMITERS)
        if records.take_header(first[1].decode("utf-8-sig", errors="replace"), bool):
            tables.append(Table(name, tuple(records.header or ())))
    return tables


def _joined(path: Path, found: JoinPlan) -> Iterator[tuple[Place, bytes | Rejection]]:
    lines: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    people: dict[str, str] = {}
    for name, records in _records(path, {t.name for t in (found.lines, found.people) if t}):
        for _, record in records:
            if isinstance(record, Rejection):
                continue  # a line or a person no CSV reads joins nothing
            if found.lines is not None and name == found.lines.name:
                key = record.get(found.order_key)
                if key is not None:
                    lines[key].append(tuple(record.get(c, "") for c in found.lines.columns))
            elif found.person is not None:
                user, person = record.get(found.user_key), record.get(found.person)
                if user is not None and person is not None:
                    people[user] = person
    header = found.header()
    yield (found.orders.name, 1), _csv_line(header)
    for _, records in _records(path, {found.orders.name}):
        for place, record in records:
            if isinstance(record, Rejection):
                yield place, record
                continue
            row = dict(record)
            if found.person is not None and (user := row.pop(found.user_key, None)):
                row[found.person] = people.get(user, user)
            if found.lines is None:
                yield place, _csv_line([row.get(column, "") for column in header])
                continue
            order = row.get(found.order_key, "")
            if order not in lines:
                yield place, refused(f"order {order!r} has no line in {found.lines.name}")
                continue
            for values in lines[order]:
                joined = {**dict(zip(found.lines.columns, values, strict=True)), **row}
                yield place, _csv_line([joined.get(column, "") for column in header])


def _records(
    path: Path, wanted: set[str]
) -> Iterator[tuple[str, Iterator[tuple[Place, dict[str, str] | Rejection]]]]:
    """The records of the files named ``wanted``, each a dict under its file's header
    (or why no CSV reads it)."""
    for name, lines in export_members(path):
        if name in wanted:
            yield name, _file_records(lines)


def _file_records(
    lines: Iterator[tuple[Place, bytes]],
) -> Iterator[tuple[Place, dict[str, str] | Rejection]]:
    records = CsvRecords(refused, delimiters=DELIMITERS)
    for _, line in islice(lines, 1):
        records.take_header(line.decode("utf-8-sig", errors="replace"), bool)
    place: Place | None = None
    for place, line in lines:
        record = records.record(line.decode("utf-8-sig", errors="replace"))
        if record is not None:
            yield place, record
    if place is not None and (left_open := records.unfinished()) is not None:
        yield place, left_open


def _csv_line(values: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode()
