"""The files an export is made of, each with its lines, for every reader of one.

An export is rarely one file: Amplitude's Export API answers a zip of gzipped hourly
files, Segment's S3 archive and Snowplow's enriched archive are folders of them, GA4's
BigQuery export a table a day, and a shop's database dump a folder (or a zip) of
tables. A file may be gzipped (known by its first bytes, whatever the name), a zip
archive, or a folder (every file in it and below, by name; each may be gzipped or a zip
itself). Each file comes with a lazy iterator of its lines, so that a reader that needs
only a file's header (:mod:`.purchase_join`) does not read the rest.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Final, cast

LOOK_AHEAD: Final = 65_536
"""Bytes read at a file's start to know how its lines end."""
GZIP_MAGIC: Final = b"\x1f\x8b"
ZIP_MAGIC: Final = b"PK\x03\x04"

Place = tuple[str, int]
"""The file inside the export (``""`` for the one file given) and the line number."""
Member = tuple[str, Iterator[tuple[Place, bytes]]]
"""A file of the export (its path inside it) and its non-blank lines with their places:
read them before taking the next file, which closes this one."""


def export_members(path: Path, read_last: Callable[[str], bool] | None = None) -> Iterator[Member]:
    """The files of the export at ``path``: a folder's by name, those ``read_last`` names
    after the others."""
    if path.is_dir():
        members = {p.relative_to(path).as_posix(): p for p in path.rglob("*") if p.is_file()}
        last = read_last or (lambda _name: False)
        for name in sorted(members, key=lambda name: (last(name), name)):
            with members[name].open("rb") as stream:
                yield from _stream_members(stream, name)
        return
    with path.open("rb") as stream:
        yield from _stream_members(stream, "")


def _stream_members(stream: IO[bytes], name: str) -> Iterator[Member]:
    """A file: gunzipped, or each member of a zip archive, or as it is."""
    magic = stream.read(4)
    stream.seek(0)
    if magic.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=stream) as inflated:
            yield name, _numbered(cast("IO[bytes]", inflated), name)
    elif magic == ZIP_MAGIC:
        with zipfile.ZipFile(stream) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith("/"):
                    continue
                inner = f"{name}/{member}" if name else member
                with archive.open(member) as packed:  # seekable: it can look and go back
                    yield from _stream_members(packed, inner)
    else:
        yield name, _numbered(stream, name)


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's lines, ended by a line feed, or by a carriage return alone in a file
    whose first :data:`LOOK_AHEAD` bytes (at least its first line) hold one and no line
    feed (a spreadsheet's "CSV (Macintosh)" export; JSON escapes a carriage return in
    its text)."""
    head = stream.read(LOOK_AHEAD)
    while b"\n" not in head and b"\r" not in head and (more := stream.read(LOOK_AHEAD)):
        head += more  # a first line longer than that: on to its end
    if head.endswith(b"\r"):
        head += stream.read(1)  # a line feed may follow
    if b"\n" in head or b"\r" not in head:
        yield from _joined(head, stream)
        return
    pending = head
    while True:
        *complete, pending = pending.split(b"\r")
        yield from (line + b"\n" for line in complete)
        chunk = stream.read(LOOK_AHEAD)
        if not chunk:
            break
        pending += chunk
    if pending:
        yield pending


def _joined(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``head`` then of the rest of ``stream`` (``head``'s last line goes on
    in the stream's first)."""
    *complete, rest = head.split(b"\n")
    yield from (line + b"\n" for line in complete)
    if rest:
        yield rest + stream.readline()
    yield from stream


def _numbered(stream: IO[bytes], name: str) -> Iterator[tuple[Place, bytes]]:
    for number, line in enumerate(_lines(stream), start=1):
        if line.strip():
            yield (name, number), line
