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
from typing import Any

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


def take_change(state: PartitionState) -> PartitionChange:
    """What changed since the last checkpoint, ready to store; the state forgets it."""
    by_hop: dict[int, dict[str, list[str]]] = {}
    for key in sorted(state.changed):
        pane = state.open[key]
        user, start = split_user_key(key)
        since = pane.saved
        by_hop.setdefault(start, {})[user] = [
            _packed(pane.times[since:]), "".join(pane.codes[since:]), _packed(pane.keys[since:])
        ]  # fmt: skip
        pane.saved = len(pane.times)
    segments = {}
    for start, users in sorted(by_hop.items()):
        segments[segment_key(start, state.segments)] = orjson.dumps(users).decode()
        state.segments += 1
    header = {
        "frontier_us": state.frontier_us,
        "late": state.late,
        "repeats": state.repeats,
        "segments": state.segments,
        "episodes": {user: episode.to_json() for user, episode in state.episodes.items()},
    }
    change = PartitionChange(orjson.dumps(header).decode(), segments, sorted(state.gone))
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
    for key in sorted(stored.segments):
        start = segment_hop(key)
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
    )
    state.changed.update(inline)
    return state


def _inline_pane(document: list[Any]) -> OpenWindow:
    """A pane of a one-document checkpoint: times as numbers, no id keys."""
    times = [int(t) for t in document[0]]
    return OpenWindow(times, list(document[1]), [UNKNOWN_KEY] * len(times))


def _packed(values: list[int]) -> str:
    return base64.b64encode(np.asarray(values, dtype=">i8").tobytes()).decode()


def _unpacked(text: str) -> list[int]:
    values: list[int] = np.frombuffer(base64.b64decode(text), dtype=">i8").tolist()
    return values
