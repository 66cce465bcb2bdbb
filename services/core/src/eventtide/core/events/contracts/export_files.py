"""An export file's events, in order, for every tool that reads one (``eventtide
produce --from-file``, ``eventtide ml evaluate --from-file``).

Lines are read gzipped or not (gzip is known by its first bytes, whatever the file's
name). A line that does not decode is refused with its number; each event a line stands
for is validated as the API validates the same tool's messages. A line's events after
its first (a GA4 row's other items, an identity link) are given once per file by id:
the links that many lines share come once.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from io import BufferedReader
from pathlib import Path
from typing import Any, Final

from eventtide.core.events.contracts.common import to_event
from eventtide.core.events.contracts.exports import ExportReader, LineDecoder, json_object_line
from eventtide.core.events.contracts.recent import Recent
from eventtide.core.events.models import AnyEvent
from eventtide.core.events.rejection import Rejection

GZIP_MAGIC: Final = b"\x1f\x8b"
LINKS_REMEMBERED: Final = 250_000
"""Identity links a file's reading remembers having given (48 MB measured with
tracemalloc): a signed-in user's every exported event carries the same link, and one
is enough. Past that many pairs the least recently seen is given again when it comes
back (storage keeps one)."""


def open_lines(path: Path) -> gzip.GzipFile | BufferedReader:
    """The file's bytes, gunzipped when it starts with gzip's magic (whatever its name)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


def exported_events(
    path: Path,
    reader: ExportReader,
    context: Mapping[str, Any] | None = None,
    decode: LineDecoder = json_object_line,
) -> Iterator[tuple[int, AnyEvent | Rejection]]:
    """(line number, event or why not) for each event of another tool's export."""
    imported_at = datetime.now(UTC)
    links: Recent[object] = Recent(LINKS_REMEMBERED)
    with open_lines(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            message = decode(line)
            if message is None:
                continue
            if isinstance(message, Rejection):
                yield number, message
                continue
            for index, mapped in enumerate(reader(message, imported_at)):
                if index > 0 and not links.first(mapped.custom.get("event_id")):
                    continue  # a link an earlier line gave
                yield number, to_event(mapped, context)
