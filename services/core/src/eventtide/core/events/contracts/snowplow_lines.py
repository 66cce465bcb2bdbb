"""The lines of a Snowplow export file, as the rows :mod:`.snowplow_enriched` reads.

One file may hold enriched TSV lines (131 tab-separated fields), JSON objects (a
warehouse's rows), or CSV under a header row of the atomic field names (a warehouse's CSV
export, the seeds of Snowplow's dbt packages). A CSV record needs its file's header, so
each file gets its own :class:`SnowplowLines`.
"""

from __future__ import annotations

from typing import Any, Final

from eventtide.core.events.contracts.csv_records import CsvRecords
from eventtide.core.events.contracts.exports import json_object_line
from eventtide.core.events.contracts.snowplow_enriched import ENRICHED_FIELDS
from eventtide.core.events.rejection import Rejection, single

HEADER_NEEDS: Final = frozenset({"event_id", "collector_tstamp"})
"""Columns a CSV header of atomic events has, whatever else the export chose."""


class SnowplowLines:
    """Reads one file's lines in order: each is a row, a refusal, or None when it holds
    no row of its own (the CSV header, or a CSV record that goes on to the next line)."""

    def __init__(self) -> None:
        self._csv = CsvRecords(_refused)

    def __call__(self, line: bytes) -> dict[str, Any] | Rejection | None:
        if not self._csv.continues and line.lstrip().startswith((b"{", b"[")):
            return json_object_line(line)  # no enriched app_id nor CSV header starts so
        text = line.decode("utf-8", errors="replace")
        if self._csv.header is None and "\t" in text:
            return _enriched(text)
        if self._csv.header is not None:
            return self._csv.record(text)
        if self._csv.take_header(text, lambda names: set(names) >= HEADER_NEEDS):
            return None
        return _refused(
            f"an enriched event has {len(ENRICHED_FIELDS)} tab-separated fields, this line "
            f"has {len(text.split(chr(9)))}"
        )

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused."""
        return self._csv.unfinished()


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
