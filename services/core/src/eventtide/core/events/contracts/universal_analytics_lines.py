"""The lines of a Universal Analytics sessions export, as the rows
:mod:`.universal_analytics` reads.

A file holds the ``ga_sessions`` rows as BigQuery's JSON export writes them (one session
a line), or the same table as CSV under a header row with its nested columns as text:
the form in which the public Google Merchandise Store sample is most often shared (the
Kaggle "Google Analytics Customer Revenue Prediction" files), where ``device``,
``geoNetwork``, ``totals`` and ``trafficSource`` are JSON and ``hits`` and
``customDimensions`` are written as Python literals (single quotes, ``True``). Both
are read; a literal is only ever parsed as data (:func:`ast.literal_eval`), never run.
A session row without hits holds no event to read and is refused saying so.
"""

from __future__ import annotations

import ast
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import json_object_line
from eventtide.core.events.rejection import Rejection, single

HEADER_NEEDS: Final = frozenset({"fullVisitorId", "visitStartTime"})
NESTED: Final = ("device", "geoNetwork", "totals", "trafficSource", "hits", "customDimensions")
"""Columns a CSV export writes as text of a record or a list of them."""


class UniversalAnalyticsLines:
    """Reads one file's lines in order: each is a session row, a refusal, or None when it
    holds no row of its own (the CSV header, or a record that goes on to the next line)."""

    def __init__(self) -> None:
        self._csv = CsvRecords(refused)

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        if not self._csv.continues and line.lstrip().startswith(b"{"):
            return _with_hits(json_object_line(line))
        text = line.decode("utf-8", errors="replace")
        if self._csv.header is not None:
            record = self._csv.record(text)
            return record if not isinstance(record, dict) else _with_hits(_nested(record))
        if self._csv.take_header(text, lambda names: set(names) >= HEADER_NEEDS):
            return None
        return refused("neither a session row as JSON nor the header row of a CSV export")


def _nested(record: dict[str, str]) -> dict[str, Any] | Rejection:
    """A CSV record with its nested columns read from their text."""
    row: dict[str, Any] = dict(record)
    for column in NESTED:
        value = record.get(column)
        if value is None:
            continue
        try:
            row[column] = orjson.loads(value)
        except orjson.JSONDecodeError:
            try:
                row[column] = ast.literal_eval(value)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return refused(f"its {column} column is neither JSON nor a Python literal")
    return row


def _with_hits(row: dict[str, Any] | Rejection) -> dict[str, Any] | Rejection:
    if isinstance(row, Rejection):
        return row
    if not isinstance(row.get("hits"), list) or not row["hits"]:
        return single(
            "schema_violation", "hits", "hits_expected",
            "a session row without hits holds no event: export ga_sessions with its hits "
            "column (the Kaggle files without hits, train.csv and test.csv, hold sessions' "
            "totals only; train_v2.csv and test_v2.csv hold the hits)",
        )  # fmt: skip
    return row


def refused(what: str) -> Rejection:
    """A line that reads as no session."""
    return single(
        "schema_violation", "", "ga_sessions_row",
        f"{what}: give Universal Analytics' ga_sessions rows as BigQuery's JSON export "
        "writes them, or as CSV under a header row of their column names",
    )  # fmt: skip
