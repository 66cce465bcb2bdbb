"""The lines of a Snowplow export file, as the rows :mod:`.snowplow_enriched` reads.

One file may hold enriched TSV lines (131 tab-separated fields), JSON objects (a
warehouse's rows), or CSV under a header row of the atomic field names (a warehouse's CSV
export, the seeds of Snowplow's dbt packages). CSV needs what came before a line: the
header names its columns, and a quoted field may run over several lines (a page title
with a line break), so each file gets its own :class:`SnowplowLines`.
"""

from __future__ import annotations

import csv
from typing import Any, Final

from eventtide.core.events.contracts.exports import json_object_line
from eventtide.core.events.contracts.snowplow_enriched import ENRICHED_FIELDS
from eventtide.core.events.rejection import Rejection, single

HEADER_NEEDS: Final = frozenset({"event_id", "collector_tstamp"})
"""Columns a CSV header of atomic events has, whatever else the export chose."""


class SnowplowLines:
    """Reads one file's lines in order: each is a row, a refusal, or None when it holds
    no row of its own (the CSV header, or a CSV record that goes on to the next line)."""

    def __init__(self) -> None:
        self._header: list[str] | None = None
        self._pending = ""

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        if not self._pending and line.lstrip().startswith((b"{", b"[")):
            return json_object_line(line)  # no enriched app_id nor CSV header starts so
        text = line.decode("utf-8", errors="replace")
        if self._header is None and "\t" in text:
            return _enriched(text)
        if self._header is None:
            return self._header_or_refusal(text)
        return self._csv_record(text)

    def _header_or_refusal(self, text: str) -> Rejection | None:
        names = next(csv.reader([text.rstrip("\r\n")]), [])
        if set(names) >= HEADER_NEEDS:
            self._header = names
            return None
        return _refused(
            f"an enriched event has {len(ENRICHED_FIELDS)} tab-separated fields, this line "
            f"has {len(text.split(chr(9)))}"
        )

    def _csv_record(self, text: str) -> dict[str, Any] | Rejection | None:
        record = self._pending + text
        if record.count('"') % 2:  # a quoted field goes on: wait for its end
            self._pending = record
            return None
        self._pending = ""
        values = next(csv.reader([record.rstrip("\r\n")]), [])
        header = self._header or []
        if len(values) != len(header):
            return _refused(
                f"the header names {len(header)} columns, this record has {len(values)}"
            )
        return {name: value for name, value in zip(header, values, strict=True) if value}


def _enriched(text: str) -> dict[str, Any] | Rejection:
    values = text.rstrip("\r\n").split("\t")
    if len(values) != len(ENRICHED_FIELDS):
        return _refused(
            f"an enriched event has {len(ENRICHED_FIELDS)} tab-separated fields, this line "
            f"has {len(values)}"
        )
    return {name: value for name, value in zip(ENRICHED_FIELDS, values, strict=True) if value}


def _refused(what: str) -> Rejection:
    return single(
        "schema_violation", "", "enriched_fields",
        f"{what}: give Snowplow's enriched TSV, its rows as JSON objects, or CSV under a "
        "header row of the atomic field names",
    )  # fmt: skip
