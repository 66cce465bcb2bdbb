"""Whether a file given with ``--from-file`` (to ``eventtide produce`` or ``eventtide ml
evaluate``) is in the format it was given as, judged on its first lines.

A file imported under the wrong ``--format`` (or an export replayed without one) has
every line refused, a million lines each with the same reason. When none of the first
lines reads as the format given but some read as another, the command stops before
doing anything and names the format that reads them. ``--format auto`` reads the file as
the format most of its first lines read as.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import groupby, islice
from pathlib import Path
from typing import Any, Final

from eventtide.core.events import Rejection, validate_json_event
from eventtide.core.events.contracts import EXPORT_READERS, line_decoder, to_event
from eventtide.core.events.contracts.export_files import decoder_name
from eventtide.core.events.contracts.exports import Held, LineDecoder, json_object_line
from eventtide.core.events.contracts.table_rows import TableHints

SAMPLE_LINES: Final = 100
NATIVE: Final = "eventtide"
AUTO: Final = "auto"
TABLE: Final = "purchases"
"""The table format whose refusal says what a table that reads as nothing lacks."""
SIGNATURES: Final[dict[str, tuple[frozenset[str], ...]]] = {
    NATIVE: (frozenset({"event_type", "occurred_at", "context"}),),
    "segment": (frozenset({"type", "userId"}), frozenset({"type", "anonymousId"})),
    "posthog": (frozenset({"event", "distinct_id"}),),
    "mixpanel": (frozenset({"event", "properties"}),),
    "amplitude": tuple(frozenset({"event_type", key})
                       for key in ("event_time", "time", "device_id", "$insert_id", "insert_id")),
    "ga4": (frozenset({"event_name", "event_timestamp"}),),
    "universal-analytics": (frozenset({"fullVisitorId", "hits"}),
                            frozenset({"fullVisitorId", "visitStartTime", "totals"})),
    "snowplow": (frozenset({"event_id", "collector_tstamp"}),),
    "purchases": (frozenset({"event_type", "user_id", "occurred_at"}),),
    "clickstream": (frozenset({"row", "roles", "index"}),),
}  # fmt: skip
"""Fields by which a line is recognisably a format's (any one set of them, all present).
The readers themselves are lenient (an Amplitude event needs little more than a name and
a user), so a line is only said to read as a format when it also looks like one."""


Sample = list[tuple[str, bytes]]
"""The first lines of an export, each with the file it is in (``""`` for the one file
given): a folder's files are each read by a decoder of their own, as the import does."""


def lines_read(
    lines: Iterable[bytes | tuple[str, bytes]],
    file_format: str,
    name: str = "",
    hints: TableHints | None = None,
) -> int:
    """How many of ``lines`` (of the file or folder ``name``) look like
    ``file_format``'s and read as valid events (``hints``: what the user said of a
    table)."""
    now = datetime.now(UTC)
    count = 0
    for line, held in _decoded(_placed(lines), file_format, name, hints):
        message = held.value if isinstance(held, Held) else held
        if message is None or isinstance(message, Rejection) or not _looks(message, file_format):
            continue
        if file_format == NATIVE:
            count += not isinstance(validate_json_event(line), Rejection)
            continue
        events = (to_event(mapped) for mapped in EXPORT_READERS[file_format](message, now))
        count += any(not isinstance(event, Rejection) for event in events)
    return count


def _decoded(
    sample: Sample, file_format: str, name: str, hints: TableHints | None
) -> Iterator[tuple[bytes, Any]]:
    """Each line decoded by its file's decoder, and what a gathering decoder holds at
    each file's end."""
    for member, lines in groupby(sample, key=lambda placed: placed[0]):
        if file_format == NATIVE:
            decode: LineDecoder = json_object_line
        else:
            decode = line_decoder(file_format, decoder_name(Path(name).name, member), hints)
        for _, line in lines:
            yield line, decode(line)
        finish = getattr(decode, "finish", None)
        if finish is not None:
            yield b"", finish()


def _placed(lines: Iterable[bytes | tuple[str, bytes]]) -> Sample:
    """``lines`` with their files (plain lines are the one file's)."""
    return [line if isinstance(line, tuple) else ("", line) for line in lines]


def _looks(message: dict[str, object], file_format: str) -> bool:
    return any(fields <= message.keys() for fields in SIGNATURES[file_format])


def mismatch(
    lines: Iterable[bytes | tuple[str, bytes]],
    file_format: str,
    name: str,
    hints: TableHints | None = None,
) -> str | None:
    """What to tell the user when the first lines read as another format and not as
    ``file_format``; None when they read as it (or as nothing: each line's own refusal
    says more then)."""
    sample = _sample(lines)
    if not sample or lines_read(sample, file_format, name, hints):
        return None
    others = {fmt: lines_read(sample, fmt, name, hints) for fmt in (NATIVE, *EXPORT_READERS)
              if fmt != file_format}  # fmt: skip
    most = max(others.values())
    if not most:
        return None
    readers = " or ".join(_as(fmt) for fmt, read in others.items() if read == most)
    return (
        f"none of the first {len(sample)} lines of {name} reads as {_as(file_format)}, and "
        f"{most} of them read as {readers}: run again with the one the file is in (or "
        "--format auto)"
    )


class FormatProblemError(ValueError):
    """The file is not in the format given (or, with ``auto``, in none): the message says
    which format reads it, or that none does."""


def settle(
    lines: Iterable[bytes | tuple[str, bytes]],
    file_format: str,
    name: str,
    hints: TableHints | None = None,
) -> tuple[str, str | None]:
    """The format to read the file ``name`` as, judged on its first ``lines``, and what to
    tell the user about the choice (None: nothing to tell): ``auto`` becomes the format
    most of them read as; on a tie, eventtide's own first, then in
    :data:`EXPORT_READERS`' order (a tool's own export before the tables, which read
    an Amplitude or Segment line as a row too).

    Raises :class:`FormatProblemError` when the lines read as another format than the
    one given, or (``auto``) as none."""
    if file_format != AUTO:
        wrong = mismatch(lines, file_format, name, hints)
        if wrong is not None:
            raise FormatProblemError(wrong)
        return file_format, None
    sample = _sample(lines)
    if not sample:
        return NATIVE, None
    counts = {fmt: lines_read(sample, fmt, name, hints) for fmt in (NATIVE, *EXPORT_READERS)}
    chosen = max(counts, key=lambda fmt: counts[fmt])
    if not counts[chosen]:
        table = _first_refusal(sample, TABLE, name, hints)
        raise FormatProblemError(
            f"none of the first {len(sample)} lines of {name} reads as eventtide events or "
            f"as any --format ({', '.join(EXPORT_READERS)}): the lines' own errors show "
            "with the format given"
            + (f"; read as a table (--format {TABLE}), the first says: {table}" if table else "")
        )
    return chosen, (
        f"reading {name} as {_as(chosen)}: {counts[chosen]} of its first {len(sample)} "
        "lines read so"
    )


def _first_refusal(sample: Sample, file_format: str, name: str, hints: TableHints | None) -> str:
    """Why the first refused line of ``sample`` is no event of ``file_format`` (``""``
    when none is refused): for a table, what it lacks (a column, ``--day-one``)."""
    for _, held in _decoded(sample, file_format, name, hints):
        message = held.value if isinstance(held, Held) else held
        if isinstance(message, Rejection):
            return message.message
    return ""


def _sample(lines: Iterable[bytes | tuple[str, bytes]]) -> Sample:
    placed = _placed(lines)
    return list(islice((line for line in placed if line[1].strip()), SAMPLE_LINES))


def _as(file_format: str) -> str:
    return "eventtide events (no --format)" if file_format == NATIVE else f"--format {file_format}"
