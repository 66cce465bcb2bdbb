"""Segment's and RudderStack's warehouse tables, read back as the messages they were
loaded from.

Both tools load each call into a table of its kind (``tracks`` and a table per event,
``pages``, ``screens``, ``identifies``, ``users``, ``aliases``, ``groups``), one column
per field: ``id`` is the ``messageId``, ``user_id``/``anonymous_id`` the ids, the four
times by their snake-case names, the context flattened into ``context_<object>_<field>``
columns, and the properties (or traits) as columns of their own, arrays as JSON text.
A team whose history lives only in its warehouse exports these tables (as JSON lines or
CSV) and imports them with ``--format segment``: each row becomes the message Segment
archived for it, mapped as the archive's are, so an event that also reached eventtide
live, or through the archive, keeps its id and is stored once.

A row's call shows in its columns when it has an ``event`` (a track) and otherwise in
its table's name, which the file's name carries (``pages.csv``, ``identifies/part-0.json``);
``previous_id`` (an alias), ``group_id`` (a group) and page fields (``url``, ``path``)
answer when the name does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

import orjson

from eventtide.core.events.rejection import Rejection, single

TABLE_CALLS: Final = {
    "tracks": "track",
    "pages": "page",
    "screens": "screen",
    "identifies": "identify",
    "users": "identify",
    "aliases": "alias",
    "groups": "group",
}
"""The tables each tool writes a call's rows to, by name (``users`` holds each user's
latest traits under ``id``)."""
LOADER_COLUMNS: Final = frozenset({
    "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp",
    "original_timestamp", "event", "event_text", "previous_id", "group_id", "channel",
    "uuid", "uuid_ts", "loaded_at", "request_ip",
})  # fmt: skip
"""Columns the loaders write for every row, never a property or trait (Segment discards
properties named like them; ``channel`` and ``request_ip`` are RudderStack's)."""
TIMES: Final = (
    ("timestamp", "timestamp"),
    ("original_timestamp", "originalTimestamp"),
    ("sent_at", "sentAt"),
    ("received_at", "receivedAt"),
)
CONTEXT_OBJECTS: Final = frozenset({
    "app", "campaign", "device", "library", "location", "network", "os", "page",
    "referrer", "screen", "traits",
})  # fmt: skip
"""The context's objects in Segment's spec: ``context_page_url`` is ``context.page.url``;
other columns are the context's own fields (``context_user_agent`` is ``userAgent``)."""
PAGE_COLUMNS: Final = frozenset({"url", "path", "title", "referrer", "search"})
"""A page call's properties in Segment's spec: a row with one and no table name is a page."""
IDENTITY_COLUMNS: Final = frozenset({"anonymous_id", "user_id"})
ARCHIVE_FIELDS: Final = frozenset({"type", "messageId", "anonymousId", "userId"})
NULLS: Final = ("", None)
"""A column's value when the row has none: JSON's null, CSV's empty field."""


def is_warehouse_row(row: Mapping[str, Any]) -> bool:
    """Whether ``row`` is a table's row (snake-case ids) rather than an archived message
    (camel case; a row may have a property named ``type``)."""
    if row.keys() & ARCHIVE_FIELDS - {"type"}:
        return False
    return bool(row.keys() & IDENTITY_COLUMNS) or {"id", "received_at"} <= row.keys()


def table_of(name: str) -> str | None:
    """The call table a file's name (or path) names, the last one named: ``pages.csv``,
    ``website_prod.identifies-000000000000.json.gz``, ``users/part-0.csv``."""
    words = re.split(r"[^a-z0-9]+", name.lower())
    return next((word for word in reversed(words) if word in TABLE_CALLS), None)


def is_rollup_table(name: str) -> bool:
    """Whether a file holds the ``tracks`` table, every track without its properties
    (they are in the event's own table, whose rows share the ids)."""
    return table_of(name) == "tracks"


def archived_message(row: Mapping[str, Any], table: str | None) -> dict[str, Any] | Rejection:
    """The Segment message ``row`` was loaded from, or why its call cannot be told."""
    call = _call(row, table)
    if call is None:
        return refused(
            "a row without an event is a page, screen, identify, alias or group call, and "
            "which one is its table's: name the file after it (pages.csv, identifies.json...)"
        )
    message: dict[str, Any] = {"type": call}
    if table == "users" and call == "identify":
        message["userId"] = row.get("id")  # the users table's id is the user's
    else:
        message["messageId"] = row.get("id")
        message["userId"] = row.get("user_id")
    message["anonymousId"] = row.get("anonymous_id")
    for column, field in TIMES:
        message[field] = _time(row.get(column))
    message["context"] = _context(row)
    own = {
        key: _value(value)
        for key, value in row.items()
        if key not in LOADER_COLUMNS and not key.startswith("context_") and value not in NULLS
    }  # a wide table's NULL is a field this call did not have (an identify unsets nothing)
    if call == "track":
        message["event"] = row.get("event_text") or row.get("event")
        message["properties"] = own
    elif call in ("page", "screen"):
        message["name"] = own.pop("name", None)
        message["properties"] = own
    elif call == "alias":
        message["previousId"] = row.get("previous_id")
    else:
        message["traits"] = own
        if call == "group":
            message["groupId"] = row.get("group_id")
    return {key: value for key, value in message.items() if value is not None}


def _call(row: Mapping[str, Any], table: str | None) -> str | None:
    if row.get("event") or row.get("event_text"):
        return "track"
    if table is not None:
        return TABLE_CALLS[table]
    if "previous_id" in row:
        return "alias"
    if "group_id" in row:
        return "group"
    return "page" if row.keys() & PAGE_COLUMNS else None


def _context(row: Mapping[str, Any]) -> dict[str, Any]:
    """``context_<object>_<field>`` columns back into the context's objects; Segment's
    own field names in camel case (``advertising_id`` is ``advertisingId``), the user's
    traits as they are."""
    context: dict[str, Any] = {}
    for column, value in row.items():
        if not column.startswith("context_") or value in NULLS:
            continue
        head, field = _context_place(column)
        if head is None:
            context[field] = _value(value)
        else:
            context.setdefault(head, {})[field] = _value(value)
    return context


@lru_cache(maxsize=4096)
def _context_place(column: str) -> tuple[str | None, str]:
    """Where a context column goes: (object or None for the context itself, field);
    an export has a few dozen such columns, read on every row."""
    head, _, rest = column.removeprefix("context_").partition("_")
    if head in CONTEXT_OBJECTS and rest:
        return head, rest if head == "traits" else _camel(rest)
    return None, _camel(column.removeprefix("context_"))


def _camel(snake: str) -> str:
    first, *others = snake.split("_")
    return first + "".join(word.capitalize() for word in others)


def _value(value: Any) -> Any:
    """A column's value; an array or object the loader stringified, parsed back."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _time(value: Any) -> Any:
    """A warehouse's time as ISO 8601: BigQuery writes ``2021-03-01 10:00:00 UTC``,
    Snowflake ``2021-03-01 10:00:00.000 +0000``."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if stripped.endswith(" UTC"):
        return stripped[:-4] + "+00:00"
    return re.sub(r" ([+-]\d{2}:?\d{2})$", r"\1", stripped)


def refused(what: str) -> Rejection:
    """A Segment export line that reads as no message."""
    return single(
        "schema_violation", "", "warehouse_row",
        f"{what}: give Segment's (or RudderStack's) archived messages, or a warehouse "
        "table's rows as JSON objects or as CSV under a header row of its column names",
    )  # fmt: skip
