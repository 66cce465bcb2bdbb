"""An export's events, in order, for every command that reads one (``eventtide produce
--from-file``, ``eventtide ml evaluate --from-file``).

``--from-file`` takes a file, a zip archive or a folder, gzipped or not
(:mod:`.export_members`), and each place is named ``line 12`` or ``<file> line 12``. A
shop's tables that only together are a purchase log (orders, their lines, their
customers) are read joined (:mod:`.purchase_join`). A line that does not decode is
refused with its place; each event a line stands for is validated as the API validates
the same tool's messages. A line's events after its first (a GA4 row's other items, an
identity link) are given once per export by id: the links that many lines share come
once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Final

from eventtide.core.events.contracts import EXPORT_READERS, READ_LAST, line_decoder, to_event
from eventtide.core.events.contracts.csv_records import MAX_RECORD_LINES
from eventtide.core.events.contracts.export_members import Place, export_members
from eventtide.core.events.contracts.exports import ExportReader, Held, LineDecoder
from eventtide.core.events.contracts.purchase_join import joined_lines
from eventtide.core.events.contracts.recent import Recent
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.core.events.models import AnyEvent
from eventtide.core.events.rejection import Rejection
from eventtide.core.events.validation import validate_json_event

PLACES_REMEMBERED: Final = 2 * MAX_RECORD_LINES
"""Lines back a gathered order may be reported at: an order has at most 500 items, and
the order before a CSV record left open for :data:`MAX_RECORD_LINES` lines is given
after them."""
LINKS_REMEMBERED: Final = 250_000
"""Identity links a reading remembers having given (48 MB measured with tracemalloc): a
signed-in user's every exported event carries the same link, and one is enough. Past
that many pairs the least recently seen is given again when it comes back (storage
keeps one)."""
JOINED_FORMAT: Final = "purchases"
"""The format a shop's tables are joined for."""


def where(place: Place) -> str:
    """``line 12``, or ``2024-03-01_10#0.json.gz line 12`` inside a zip or folder."""
    name, number = place
    return f"{name} line {number}" if name else f"line {number}"


def export_lines(
    path: Path, read_last: Callable[[str], bool] | None = None
) -> Iterator[tuple[Place, bytes]]:
    """Every non-blank line of the export at ``path``, with its place; a folder's files by
    name, those ``read_last`` names after the others."""
    for _, lines in export_members(path, read_last):
        yield from lines


def first_lines(path: Path, count: int) -> list[tuple[str, bytes]]:
    """The export's first ``count`` non-blank lines, each with its file in the export (a
    shop's tables: their join's)."""
    joined = joined_lines(path)
    placed = export_lines(path) if joined is None else joined[1]
    lines = ((place[0], line) for place, line in placed if isinstance(line, bytes))
    return list(islice(lines, count))


def joined_note(path: Path, file_format: str) -> str | None:
    """What the command tells the user when it reads the export's tables joined."""
    joined = joined_lines(path) if file_format == JOINED_FORMAT else None
    if joined is None:
        return None
    return f"reading {path} as one purchase log joined from its tables: {joined[0].describe()}"


def native_events(
    path: Path, context: Mapping[str, Any] | None = None
) -> Iterator[tuple[Place, AnyEvent | Rejection]]:
    """(place, event or why not) for each line of an export of eventtide's own events."""
    for place, line in export_lines(path):
        yield place, validate_json_event(line, context)


def exported_events(
    path: Path,
    file_format: str,
    context: Mapping[str, Any] | None = None,
    hints: TableHints | None = None,
) -> Iterator[tuple[Place, AnyEvent | Rejection]]:
    """(place, event or why not) for each event of another tool's export; each file of
    it read by a decoder of its own (a CSV file's header is its own, a warehouse table's
    name is in its file's); ``hints``: what the user said of a table."""
    reader = EXPORT_READERS[file_format]
    imported_at = datetime.now(UTC)
    links: Recent[object] = Recent(LINKS_REMEMBERED)
    decode: LineDecoder | None = None
    recent: deque[Place] = deque(maxlen=PLACES_REMEMBERED)
    joined = joined_lines(path) if file_format == JOINED_FORMAT else None
    placed = export_lines(path, READ_LAST.get(file_format)) if joined is None else joined[1]
    for place, line in placed:
        if isinstance(line, Rejection):  # a joined order's, at its own place
            yield from _events([(place, line)], reader, imported_at, links, context)
            continue
        if decode is None or place[0] != recent[-1][0]:
            if decode is not None:
                yield from _events(_finished(decode, recent), reader, imported_at, links, context)
            decode = line_decoder(file_format, decoder_name(path.name, place[0]), hints)
            recent.clear()
        recent.append(place)
        yield from _events([_placed(decode(line), recent)], reader, imported_at, links, context)
    if decode is not None:
        yield from _events(_finished(decode, recent), reader, imported_at, links, context)


def decoder_name(export: str, member: str) -> str:
    """The name a file's decoder reads (a warehouse table's is in it): the export's own
    name, with the file's path inside it (``identifies/part-0.csv`` in ``warehouse``)."""
    return f"{export}/{member}" if member else export


def _placed(
    decoded: dict[str, Any] | Rejection | Held | None, recent: deque[Place]
) -> tuple[Place, dict[str, Any] | Rejection | None]:
    """A decoded line with its place: a gathered one's where it began."""
    if not isinstance(decoded, Held):
        return recent[-1], decoded
    back = min(decoded.back, len(recent) - 1)
    return recent[-1 - back], decoded.value


def _finished(decode: LineDecoder, recent: deque[Place]) -> list[tuple[Place, Any]]:
    """What a gathering decoder still holds at its file's end, and the refusal of a CSV
    record a quoted field left open there."""
    finish = getattr(decode, "finish", None)
    unfinished = getattr(decode, "unfinished", None)
    held = [] if finish is None else [_placed(finish(), recent)]
    return held + ([] if unfinished is None else [(recent[-1], unfinished())])


def _events(
    decoded: Iterable[tuple[Place, dict[str, Any] | Rejection | None]],
    reader: ExportReader,
    imported_at: datetime,
    links: Recent[object],
    context: Mapping[str, Any] | None,
) -> Iterator[tuple[Place, AnyEvent | Rejection]]:
    for place, message in decoded:
        if message is None:
            continue
        if isinstance(message, Rejection):
            yield place, message
            continue
        for index, mapped in enumerate(reader(message, imported_at)):
            if index > 0 and not links.first(mapped.custom.get("event_id")):
                continue  # a link an earlier line gave
            yield place, to_event(mapped, context)
