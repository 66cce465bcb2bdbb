"""The lines of a Universal Analytics sessions export, as the rows
:mod:`.universal_analytics` reads.

A file holds the ``ga_sessions`` rows as BigQuery's JSON export writes them (one session
a line), or the same table as CSV under a header row with its nested columns as text:
the form in which the public Google Merchandise Store sample is most often shared (the
Kaggle "Google Analytics Customer Revenue Prediction" files), where ``device``,
``geoNetwork``, ``totals`` and ``trafficSource`` are JSON and ``hits`` and
``customDimensions`` are written as Python literals (single quotes, ``True``). Both
are read; a literal is only ever parsed as data (:func:`ast.literal_eval`), never run.
A session row with neither hits nor totals holds no event to read and is refused saying
so.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import json_object_line
from eventtide.core.events.rejection import Rejection, single

HEADER_NEEDS: Final = frozenset({"fullVisitorId", "visitStartTime"})
QUOTED: Final = re.compile(r"""('[^']*'|"[^"]*")""")
"""A string of a Python literal without backslashes, quotes and all."""
JSON_WORDS: Final = (("True", "true"), ("False", "false"), ("None", "null"))
"""Python's constants as JSON writes them (outside strings they are whole words)."""
NESTED: Final = ("device", "geoNetwork", "totals", "trafficSource", "hits", "customDimensions")
"""Columns a CSV export writes as text of a record or a list of them."""


class UniversalAnalyticsLines:
    """Reads one file's lines in order: each is a session row, a refusal, or None when it
    holds no row of its own (the CSV header, or a record that goes on to the next line)."""

    def __init__(self) -> None:
        self._csv = CsvRecords(refused)

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        if not self._csv.continues and line.lstrip().startswith(b"{"):
            return _a_session(json_object_line(line))
        text = line.decode("utf-8", errors="replace")
        if self._csv.header is not None:
            record = self._csv.record(text)
            return record if not isinstance(record, dict) else _a_session(_nested(record))
        if self._csv.take_header(text, lambda names: set(names) >= HEADER_NEEDS):
            return None
        return refused("neither a session row as JSON nor the header row of a CSV export")

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._csv.unfinished()


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
                row[column] = python_literal(value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return refused(f"its {column} column is neither JSON nor a Python literal")
    return row


def python_literal(text: str) -> Any:
    """The value a Python literal writes (a ``repr`` of lists, dicts, strings, numbers,
    ``True``, ``False``, ``None``), read as data, never run.

    :func:`ast.literal_eval` reads any literal, at about 1 MB/s: a day of the public
    sample's hits would take minutes. A ``repr`` without backslashes (nearly all of them:
    Python writes one only for a string holding both quote kinds or an unprintable
    character) has strings that end at their next quote of their own kind, so it is
    rewritten as JSON in a few passes over the whole text and read by orjson, eight times
    faster; anything else, and any text that does not read as JSON so rewritten (a
    ``nan``, a tuple), is read by :func:`ast.literal_eval`.
    """
    rewritten = literal_as_json(text)
    if rewritten is not None:
        try:
            return orjson.loads(rewritten)
        except orjson.JSONDecodeError:
            pass
    return ast.literal_eval(text)


def _a_session(row: dict[str, Any] | Rejection) -> dict[str, Any] | Rejection:
    """The row, when it holds hits or at least the session's totals."""
    if isinstance(row, Rejection):
        return row
    hits, totals = row.get("hits"), row.get("totals")
    if (isinstance(hits, list) and hits) or (isinstance(totals, dict) and totals):
        return row
    return single(
        "schema_violation", "hits", "hits_expected",
        "a session row with neither hits nor totals holds no event: export ga_sessions "
        "with its hits column (or at least its totals)",
    )  # fmt: skip


def refused(what: str) -> Rejection:
    """A line that reads as no session."""
    return single(
        "schema_violation", "", "ga_sessions_row",
        f"{what}: give Universal Analytics' ga_sessions rows as BigQuery's JSON export "
        "writes them, or as CSV under a header row of their column names",
    )  # fmt: skip


def literal_as_json(text: str) -> str | None:
    """A Python literal without backslashes rewritten as JSON (None for one with them)."""
    if "\\" in text or "\x00" in text:
        return None
    parts = QUOTED.split(text)  # outside, string, outside, string, ..., outside
    outside = "\x00".join(parts[0::2])
    for word, json_word in JSON_WORDS:
        outside = outside.replace(word, json_word)
    parts[0::2] = outside.split("\x00")
    parts[1::2] = ['"' + quoted[1:-1].replace('"', '\\"') + '"' for quoted in parts[1::2]]
    return "".join(parts)
