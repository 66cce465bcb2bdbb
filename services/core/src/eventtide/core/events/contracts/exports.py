"""Lines of another analytics tool's event export, read as eventtide events.

A team that moves to eventtide brings its history: Segment's and RudderStack's archives
(their S3 and object-storage destinations write one message per line, as received), PostHog's
batch exports, Mixpanel's raw export and Amplitude's export. Each reader takes one line's
object and gives the events it stands for (usually one; an identity link may add one).

What differs from live ingestion: the times are history. A vendor's stored ``timestamp``
has had the client's clock skew removed already, so it is taken as it is (never
corrected again against the batch's ``sentAt``), and the receipt time is the vendor's
(``receivedAt``, ``created_at``, ``server_received_time``). Times without a zone are the
vendors' UTC. A line without an id of its own gets one derived from its content, so an
import run twice stores each event once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import ID_NAMESPACE, Mapped, obj, with_id
from eventtide.core.events.contracts.posthog import from_posthog
from eventtide.core.events.contracts.segment import from_segment
from eventtide.core.events.rejection import Rejection, single

ExportReader = Callable[[Mapping[str, Any], datetime], list[Mapped]]
"""One export line's object and the time of the import (the receipt time of last
resort) to the events it stands for."""


@dataclass(frozen=True, slots=True)
class Held:
    """What a decoder gives back for rows it gathered (an order's lines): the object or
    refusal, and how many lines before the current one it began, where it is reported."""

    value: dict[str, Any] | Rejection
    back: int


LineDecoder = Callable[[bytes], "dict[str, Any] | Rejection | Held | None"]
"""One line of an export file to the object its reader takes, the
:class:`~eventtide.core.events.Rejection` saying why it is none, or None when the line
holds no event of its own (a CSV header, a row a later line completes). A decoder that
gathers rows also has a ``finish()`` giving what it still holds at the file's end."""

MILLISECONDS_AFTER: Final = 100_000_000_000
"""An epoch number above this is in milliseconds (1973 in ms; the year 5138 in seconds)."""


def json_object_line(line: bytes) -> dict[str, Any] | Rejection:
    """A line holding one JSON object (most exports' lines), or why it does not."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return single("malformed_json", "", "json", f"not JSON: {error}")
    if isinstance(message, dict):
        return message
    kind = "null" if message is None else type(message).__name__
    return single(
        "schema_violation", "", "object_expected", f"an exported event is an object, not {kind}"
    )


def utc_time(value: object) -> datetime | None:
    """An export's time: ISO 8601 (naive is UTC, with a space or a ``T``), or epoch
    seconds or milliseconds; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= MILLISECONDS_AFTER else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def first_time(*values: object) -> datetime | None:
    """The first of ``values`` that reads as a time."""
    for value in values:
        at = utc_time(value)
        if at is not None:
            return at
    return None


def with_line_id(mapped: Mapped, message: Mapping[str, Any], source: str) -> Mapped:
    """``mapped`` with an id derived from the line's content when the export gave none."""
    if "event_id" in mapped.custom:
        return mapped
    content = orjson.dumps(message, option=orjson.OPT_SORT_KEYS, default=str)
    return with_id(mapped, uuid.uuid5(ID_NAMESPACE, f"import:{source}:{content.decode()}"))


def with_link(
    event: Mapped,
    link: tuple[object, dict[str, Any] | None] | None,
    map_link: Callable[[Mapping[str, Any]], Mapped],
) -> list[Mapped]:
    """An exported event, then the identity link it stands for (a protocol's
    ``link_event``, mapped at the event's times), if it carries one."""
    if link is None or link[1] is None:
        return [event]
    return [event, map_link(link[1])]


def from_segment_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """A Segment (or RudderStack) message as archived: ``timestamp`` is already Segment's
    corrected time, ``receivedAt`` the receipt; a message with only ``originalTimestamp``
    and ``sentAt`` is corrected against ``receivedAt`` as it would have been live."""
    received = first_time(
        message.get("receivedAt"), message.get("timestamp"), message.get("originalTimestamp")
    )
    kept = dict(message)
    if (stamped := utc_time(kept.get("timestamp"))) is not None:
        kept.pop("sentAt", None)
        kept["timestamp"] = stamped.isoformat()
    mapped = from_segment(kept, received_at=received or imported_at)
    return [with_line_id(mapped, message, "segment")]


def from_posthog_export(message: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """A PostHog event as its batch exports write it: ``uuid``, ``event``,
    ``distinct_id``, ``timestamp``, ``properties`` (an object, or its JSON text as the
    events table holds it), ``set``/``set_once`` (the person properties the event set)
    and ``created_at`` (ingestion)."""
    properties = message.get("properties")
    unreadable = {"$unreadable_properties": properties}
    kept: dict[str, Any] = {**message, "properties": obj(_decoded(properties, unreadable))}
    for field in ("set", "set_once"):
        value = _decoded(kept.pop(field, None), None)
        if isinstance(value, dict) and value:
            kept.setdefault(f"${field}", value)
    if (stamped := utc_time(kept.get("timestamp"))) is not None:
        kept["timestamp"] = stamped.isoformat()
    kept.pop("sent_at", None)
    received = first_time(message.get("created_at"), message.get("timestamp"))
    mapped = from_posthog(kept, received_at=received or imported_at)
    return [with_line_id(mapped, message, "posthog")]


def _decoded(value: object, unreadable: object) -> object:
    """A field PostHog's events table holds as JSON text, decoded (``unreadable`` when
    the text is not JSON); any other value as it is."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return unreadable
