"""A CSV file's records under its header row, read one line at a time.

Warehouse tables exported as CSV (Snowplow's atomic events, Segment's and RudderStack's
tables) reach the export readers line by line, like every other export. A CSV record
needs what came before it: the header names its columns, and a quoted field may run over
several lines (a page title with a line break), so each file gets its own reader.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Final

from eventtide.core.events.rejection import Rejection

FIELD_LIMIT: Final = 1 << 30
"""The largest field read (the csv module's own limit, 128 KiB, is smaller than a long
session's hits in a Universal Analytics CSV export)."""
MAX_RECORD_LINES: Final = 1_000
"""Lines a record's quoted field may run over (a page title with line breaks runs over a
few). A quote left open by mistake would otherwise take the rest of the file into one
record, read line after line into a longer string and never refused."""
WHITESPACE: Final = " "
"""A delimiter that stands for any run of spaces (a table lined up in columns, like the
CDNOW purchase log), when the header holds none of the others."""


csv.field_size_limit(FIELD_LIMIT)


class CsvRecords:
    """One file's header, then its records as ``{column: value}`` (empty values left
    out, as a warehouse's NULL)."""

    def __init__(self, refuse: Callable[[str], Rejection], delimiters: str = ",") -> None:
        self.header: list[str] | None = None
        self.delimiter = delimiters[0]
        self._delimiters = delimiters
        self._pending: list[str] = []
        self._quotes = 0
        self._refuse = refuse

    @property
    def continues(self) -> bool:
        """Whether the last line left a quoted field open."""
        return bool(self._pending)

    def unfinished(self) -> Rejection | None:
        """At the file's end: the record a quoted field left open, refused (None when
        every record closed)."""
        if not self._pending:
            return None
        return self._refuse(f"a quoted field opened {self._let_go()} never closes: the file ends")

    def _let_go(self) -> str:
        """Lets the open record go, and says where it began (for its refusal)."""
        back = len(self._pending) - 1
        self._pending, self._quotes = [], 0
        return "on this line" if not back else f"{back:,} line{'s' * (back > 1)} back"

    def take_header(self, text: str, fits: Callable[[list[str]], bool]) -> bool:
        """Keep ``text`` as the header when its column names ``fits`` the format."""
        line = text.rstrip("\r\n")
        delimiter = self._delimiter_of(line)
        names = self._split(line, delimiter)
        if isinstance(names, str) or not fits(names):
            return False
        self.header, self.delimiter = names, delimiter
        return True

    def header_names(self, text: str) -> list[str]:
        """The column names ``text`` would give as a header (to say what it lacks)."""
        line = text.rstrip("\r\n")
        names = self._split(line, self._delimiter_of(line))
        return [] if isinstance(names, str) else names

    def _delimiter_of(self, line: str) -> str:
        """Of the delimiters allowed, the one that splits the header most."""
        others = self._delimiters.replace(WHITESPACE, "")
        delimiter = max(others, key=line.count) if others else WHITESPACE
        if WHITESPACE in self._delimiters and not line.count(delimiter):
            delimiter = WHITESPACE  # columns lined up with spaces
        return delimiter

    @staticmethod
    def _split(line: str, delimiter: str) -> list[str] | str:
        """The line's fields, or why no CSV reads it (a carriage return or a NUL inside a
        field: a file from an old Mac, or binary)."""
        if delimiter == WHITESPACE:
            return line.split()
        try:
            return next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error as error:  # its advice to open the file otherwise is not the user's
            return str(error).split(" - ")[0]

    def record(self, text: str) -> dict[str, str] | Rejection | None:
        """The record ``text`` ends, its refusal, or None while a quoted field goes on (a
        field open over :data:`MAX_RECORD_LINES` is refused with its lines)."""
        quotes = text.count('"')
        if self._pending or quotes % 2:
            self._pending.append(text)
            self._quotes += quotes
            if not self._quotes % 2:
                record, self._pending, self._quotes = "".join(self._pending), [], 0
            elif len(self._pending) > MAX_RECORD_LINES:
                return self._refuse(
                    f"a quoted field opened {self._let_go()} does not close within "
                    f"{MAX_RECORD_LINES:,} lines: an unbalanced quote? Its lines are refused"
                )
            else:
                return None  # a quoted field goes on: wait for its end
        else:
            record = text
        values = self._split(record.rstrip("\r\n"), self.delimiter)
        header = self.header or []
        if isinstance(values, str):
            return self._refuse(
                f"no CSV reads this record ({values}): a carriage return or a NUL in a field?"
            )
        if len(values) != len(header):
            return self._refuse(
                f"the header names {len(header)} columns, this record has {len(values)}"
            )
        return {name: value for name, value in zip(header, values, strict=True) if value}
