"""The lines of a Segment (or RudderStack) export file, as the messages
:func:`.exports.from_segment_export` reads.

A file holds archived messages (the S3 and object-storage destinations' JSON lines) or a
warehouse table's rows (:mod:`.segment_warehouse`), as JSON objects or as CSV under a
header row. A table's rows need the table's name, which the file's carries, and a CSV
record its file's header, so each file gets its own :class:`SegmentLines`.
"""

from __future__ import annotations

from typing import Any, Final

from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import json_object_line
from eventtide.core.events.contracts.segment_warehouse import (
    archived_message,
    is_warehouse_row,
    refused,
    table_of,
)
from eventtide.core.events.rejection import Rejection

HEADER_NEEDS: Final = frozenset({"anonymous_id", "user_id", "received_at"})
"""A table's CSV header names ``id`` and one of these (the ``users`` table has no
``anonymous_id``, ``tracks`` may have neither id column filled but names them)."""


class SegmentLines:
    """Reads one file's lines in order: each is a message, a refusal, or None when it
    holds none of its own (the CSV header, or a record that goes on to the next line)."""

    def __init__(self, name: str = "") -> None:
        self._table = table_of(name)
        self._csv = CsvRecords(refused)

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        if self._csv.header is not None:
            record = self._csv.record(line.decode("utf-8", errors="replace"))
            return record if not isinstance(record, dict) else self._message(record)
        message = json_object_line(line)
        if isinstance(message, dict):
            return self._message(message) if is_warehouse_row(message) else message
        if self._csv.take_header(line.decode("utf-8", errors="replace"), _is_header):
            return None
        return message  # the line's refusal as JSON: most exports are JSON lines

    def _message(self, row: dict[str, Any]) -> dict[str, Any] | Rejection:
        return archived_message(row, self._table)

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._csv.unfinished()


def _is_header(names: list[str]) -> bool:
    return "id" in names and bool(HEADER_NEEDS.intersection(names))
