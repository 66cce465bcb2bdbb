"""A quote left open in a CSV export loses no line without a word: at the file's end the
open record is refused, and one that runs over a thousand lines is refused with them,
the lines after it read again."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventtide.core.events import PurchaseEvent, Rejection
from eventtide.core.events.contracts.csv_records import MAX_RECORD_LINES
from eventtide.core.events.contracts.export_files import exported_events, where

pytestmark = pytest.mark.unit

HEADERS = {
    "purchases": "CustomerID,InvoiceDate,InvoiceNo,UnitPrice",
    "clickstream": "user_id,event_time,event_type",
    "segment": "id,user_id,received_at,timestamp",
    "snowplow": "event_id,collector_tstamp,event",
    "universal-analytics": "fullVisitorId,visitStartTime,visitId",
}
"""A header each CSV reader takes as its table's."""


@pytest.mark.parametrize("file_format", sorted(HEADERS))
def test_a_quote_open_at_the_end_is_refused_there(file_format: str, tmp_path: Path) -> None:
    path = tmp_path / "tracks.csv"  # Segment's tables are known by their names
    path.write_text(f'{HEADERS[file_format]}\n"a,b\nc\n')
    read = [(where(place), event) for place, event in exported_events(path, file_format)]
    assert read, "the open record came back as nothing"
    place, last = read[-1]
    assert place == "line 3"
    assert isinstance(last, Rejection)
    assert "a quoted field opened 1 line back never closes" in last.message


def test_a_stray_quote_takes_a_thousand_lines_and_not_the_rest_of_the_file(
    tmp_path: Path,
) -> None:
    rows = [f"c{n},2024-01-01T00:00:00Z,o{n},1.5" for n in range(2, 2_002)]
    rows[10 - 2] = 'c10,2024-01-01T00:00:00Z,"o10,1.5'  # line 10: a quote opens
    path = tmp_path / "orders.csv"
    path.write_text("CustomerID,InvoiceDate,InvoiceNo,UnitPrice\n" + "\n".join(rows) + "\n")
    read = sorted(exported_events(path, "purchases"), key=lambda placed: placed[0])
    refused = [(line, event) for (_, line), event in read if isinstance(event, Rejection)]
    gave_up = 10 + MAX_RECORD_LINES
    assert [line for line, _ in refused] == [gave_up]
    assert f"opened {MAX_RECORD_LINES:,} lines back does not close" in refused[0][1].message
    orders = [line for (_, line), event in read if isinstance(event, PurchaseEvent)]
    assert orders == [*range(2, 10), *range(gave_up + 1, 2_002)]
