"""The live behaviour detector's checkpoint: what a batch changed of a partition's state
as rows to store, and stored rows back as the state. Pure.

The state is a header (frontier, late and repeat counts, open alert episodes, the
number of segments written) and event segments: per hop a batch added events to, one
segment with those events, by user (times, letters, id keys), numbered in the order
written. Reading the segments in key order (hop, then number) appends each pane's
events in the order they arrived. A batch so writes what it read, not the day of events
the state holds (``core.db.behaviour``). Times and id keys are base64 of 8 bytes each:
11 characters a value against 17 to 20 as JSON numbers.
"""

from __future__ import annotations

import base64
from typing import Any, Final

import numpy as np
import orjson

from eventtide.core.db.behaviour import (
    PartitionChange,
    StoredPartition,
    segment_hop,
    segment_key,
)
from eventtide.ml.behave_state import (
    UNKNOWN_KEY,
    Episode,
    OpenWindow,
    PartitionState,
    split_user_key,
    user_key,
)

COMPACT_AT: Final = 32
"""The segments a hop may hold before it is rewritten whole: a live stream cuts a batch
every half second, 7,200 an hour, and restoring reads every row."""


def take_change(state: PartitionState, compact_at: int = COMPACT_AT) -> PartitionChange:
    """What changed since the last checkpoint, ready to store; the state forgets it. A
    hop that would hold more than ``compact_at`` segments is written whole instead."""
    by_hop: dict[int, dict[str, list[str]]] = {}
    for key in sorted(state.changed):
        user, start = split_user_key(key)
        by_hop.setdefault(start, {})[user] = _added(state.open[key])
    segments: dict[str, str] = {}
    compacted: dict[int, int] = {}
    for start, users in sorted(by_hop.items()):
        held = state.hop_segments.get(start, 0)
        if held >= compact_at:
            users = _whole_hop(state, start)
            compacted[start] = state.segments
            held = 0
        state.hop_segments[start] = held + 1
        segments[segment_key(start, state.segments)] = orjson.dumps(users).decode()
        state.segments += 1
    for start in state.gone:
        state.hop_segments.pop(start, None)
    header = {
        "frontier_us": state.frontier_us,
        "late": state.late,
        "repeats": state.repeats,
        "segments": state.segments,
        "episodes": {user: episode.to_json() for user, episode in state.episodes.items()},
    }
    change = PartitionChange(orjson.dumps(header).decode(), segments, sorted(state.gone),
                             compacted)  # fmt: skip
    state.changed.clear()
    state.gone.clear()
    return change


def restore(stored: StoredPartition) -> PartitionState:
    """The state a partition's stored rows hold.

    A checkpoint of one document (written before segments) holds its panes under
    ``open``, some with their times as JSON numbers and without id keys (a repeat of one
    of their events is not known); they are marked changed, so the next checkpoint
    writes them as segments."""
    header = orjson.loads(stored.header)
    panes: dict[str, OpenWindow] = {}
    hop_segments: dict[int, int] = {}
    for key in sorted(stored.segments):
        start = segment_hop(key)
        hop_segments[start] = hop_segments.get(start, 0) + 1
        for user, (times, codes, keys) in orjson.loads(stored.segments[key]).items():
            pane = panes.setdefault(user_key(user, start), OpenWindow())
            pane.times += _unpacked(times)
            pane.codes += codes
            pane.keys += _unpacked(keys)
    for pane in panes.values():
        pane.saved = len(pane.times)
    inline: dict[str, list[Any]] = header.get("open", {})
    for key, document in inline.items():
        panes[key] = _inline_pane(document)
    frontier = header.get("frontier_us")
    state = PartitionState(
        frontier_us=None if frontier is None else int(frontier),
        open=panes,
        late=int(header.get("late", 0)),
        repeats=int(header.get("repeats", 0)),
        episodes={u: Episode.from_json(e) for u, e in header.get("episodes", {}).items()},
        segments=int(header.get("segments", 0)),
        hop_segments=hop_segments,
    )
    state.changed.update(inline)
    return state


def _added(pane: OpenWindow) -> list[str]:
    """A pane's events since its last checkpoint, as a segment holds them."""
    since = pane.saved
    pane.saved = len(pane.times)
    return [_packed(pane.times[since:]), "".join(pane.codes[since:]), _packed(pane.keys[since:])]


def _whole_hop(state: PartitionState, start: int) -> dict[str, list[str]]:
    """Every pane of a hop, all its events: the one segment a compacted hop keeps."""
    users = {}
    for key, pane in state.open.items():
        user, hop = split_user_key(key)
        if hop == start:
            pane.saved = 0
            users[user] = _added(pane)
    return users


def _inline_pane(document: list[Any]) -> OpenWindow:
    """A pane of a one-document checkpoint: times as numbers, no id keys."""
    times = [int(t) for t in document[0]]
    return OpenWindow(times, list(document[1]), [UNKNOWN_KEY] * len(times))


def _packed(values: list[int]) -> str:
    return base64.b64encode(np.asarray(values, dtype=">i8").tobytes()).decode()


def _unpacked(text: str) -> list[int]:
    values: list[int] = np.frombuffer(base64.b64decode(text), dtype=">i8").tolist()
    return values
