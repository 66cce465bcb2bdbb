"""Bad messages for the dead-letter tests: broken JSON, wrong types, huge values, odd
unicode, missing fields. Each one is checked to be refused (by validation or by the
storage rules), so "every bad message is dead-lettered" has a precise meaning."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from eventtide.core.db import Unstorable, event_row
from eventtide.core.events import Rejection
from eventtide.core.kafka import decode

Mutation = Callable[[random.Random, dict[str, Any]], bytes]


def is_bad(raw: bytes) -> bool:
    """True if the consumer must dead-letter ``raw``."""
    result = decode(raw)
    if isinstance(result, Rejection):
        return True
    return isinstance(event_row(result), Unstorable)


def _dump(event: dict[str, Any]) -> bytes:
    """Compact JSON; the standard library, since orjson refuses integers past 64 bits."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def broken_json(rng: random.Random, event: dict[str, Any]) -> bytes:
    raw = _dump(event)
    choice = rng.randrange(4)
    if choice == 0:
        return raw[: rng.randrange(1, len(raw) - 1)]
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if choice == 2:
        cut = rng.randrange(1, len(raw) - 1)
        return raw[:cut] + b"\xff\xfe" + raw[cut:]
    return raw + b"}garbage"


WRONG_TYPES: list[tuple[tuple[str, ...], Any]] = [
    (("user_id",), 12345),
    (("occurred_at",), 1717243200),
    (("schema_version",), "1"),
    (("event_id",), "not-a-uuid"),
    (("properties",), ["a", "list"]),
    (("context",), "web"),
    (("context", "country"), 49),
    (("session_id",), None),
    (("event_type",), True),
    (("received_at",), {"at": "now"}),
]


def wrong_type(rng: random.Random, event: dict[str, Any]) -> bytes:
    path, value = rng.choice(WRONG_TYPES)
    target = event
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return _dump(event)


def huge_value(rng: random.Random, event: dict[str, Any]) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        event["user_id"] = "u" * rng.randrange(129, 20_000)
    elif choice == 1:
        event["context"]["page"] = "/" + "p" * rng.randrange(2048, 100_000)
    elif choice == 2:
        event["schema_version"] = 10 ** rng.randrange(3, 30)
    elif choice == 3:
        event["event_type"], event["properties"] = "page_view", {"load_time_ms": 10**18}
    else:
        event["schema_version"] = 1
        raw = _dump(event).replace(b'"schema_version":1', b'"schema_version":1e400')
        assert b"1e400" in raw
        return raw
    return _dump(event)


ODD_TEXT = ["D\u00c9", "\u202eDE", "\U0001f600", "d\u200be", "\u0000\u0000", "\uff24\uff25"]


def odd_unicode(rng: random.Random, event: dict[str, Any]) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        event["context"]["country"] = rng.choice(ODD_TEXT)
        return _dump(event)
    if choice == 1:
        # A look-alike of a typed name from a version 1 writer, whose vocabulary is closed
        # (from version 2 on such a name would be a custom event, and valid).
        event["event_type"] = "page_view" + rng.choice(["\u200b", "\u0301", "\U0001f4a5"])
        event["schema_version"] = 1
        return _dump(event)
    if choice == 2:
        event["context"]["page"] = "/caf\u00e9/\u0000/" + rng.choice(ODD_TEXT)
        return _dump(event)
    raw = _dump(event)
    return raw.replace(b'"session_id":"', b'"session_id":"\\ud800', 1)


def missing_field(rng: random.Random, event: dict[str, Any]) -> bytes:
    key = rng.choice(
        ["event_id", "user_id", "session_id", "occurred_at", "received_at", "context", "event_type"]
    )
    event.pop(key, None)
    if rng.random() < 0.3:
        event["context"].pop("page", None) if "context" in event else None
    return _dump(event)


MUTATIONS: dict[str, Mutation] = {
    "broken_json": broken_json,
    "wrong_type": wrong_type,
    "huge_value": huge_value,
    "odd_unicode": odd_unicode,
    "missing_field": missing_field,
}


def fuzzed(
    count: int, template: Callable[[], dict[str, Any]], seed: int = 1
) -> list[tuple[str, bytes]]:
    """``count`` bad payloads, cycling through the mutation families."""
    rng = random.Random(seed)  # noqa: S311
    names = sorted(MUTATIONS)
    found: list[tuple[str, bytes]] = []
    while len(found) < count:
        name = names[len(found) % len(names)]
        raw = MUTATIONS[name](rng, template())
        if is_bad(raw):
            found.append((name, raw))
    return found
