"""The live behaviour detector's checkpoint: a partition's state as stored rows and back.

Pure. The state is a header (frontier, late and repeat counts, open alert episodes) and
one document per pane (one hop of one user's events: times, letters, id keys). A batch
writes the header, the panes it added events to and the names of the panes it let go
(``core.db.behaviour``), so what it writes grows with the batch, not with the day of
events the state holds: a whole-state document was rewritten for every touched
partition each batch. Times and id keys are base64 of 8 bytes each: 11 characters a
value against 17 to 20 as JSON numbers.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson

from eventtide.core.db.behaviour import PartitionChange, StoredPartition
from eventtide.ml.behave_state import Episode, OpenWindow, PartitionState


def take_change(state: PartitionState) -> PartitionChange:
    """What changed since the last checkpoint, ready to store; the state forgets it."""
    header = {
        "frontier_us": state.frontier_us,
        "late": state.late,
        "repeats": state.repeats,
        "episodes": {user: episode.to_json() for user, episode in state.episodes.items()},
    }
    panes = {key: _pane_document(state.open[key]) for key in state.changed}
    change = PartitionChange(orjson.dumps(header).decode(), panes, sorted(state.gone))
    state.changed.clear()
    state.gone.clear()
    return change


def restore(stored: StoredPartition) -> PartitionState:
    """The state a partition's stored rows hold. A checkpoint of one document (written
    before panes had rows of their own) holds its panes under ``open``, some with their
    times as JSON numbers and without id keys (a repeat of one of their events is not
    known); they are marked changed, so the next checkpoint gives them rows."""
    header = orjson.loads(stored.header)
    inline: dict[str, list[Any]] = header.get("open", {})
    documents = {**inline, **{k: orjson.loads(v) for k, v in stored.panes.items()}}
    frontier = header.get("frontier_us")
    state = PartitionState(
        frontier_us=None if frontier is None else int(frontier),
        open={key: _pane(document) for key, document in documents.items()},
        late=int(header.get("late", 0)),
        repeats=int(header.get("repeats", 0)),
        episodes={u: Episode.from_json(e) for u, e in header.get("episodes", {}).items()},
    )
    state.changed.update(inline)
    return state


def _pane_document(pane: OpenWindow) -> str:
    return orjson.dumps([_packed(pane.times), "".join(pane.codes), _packed(pane.keys)]).decode()


def _pane(document: list[Any]) -> OpenWindow:
    times = document[0]
    return OpenWindow(
        _unpacked(times) if isinstance(times, str) else [int(t) for t in times],
        list(document[1]),
        _unpacked(document[2]) if len(document) > 2 else [],
    )


def _packed(values: list[int]) -> str:
    return base64.b64encode(np.asarray(values, dtype=">i8").tobytes()).decode()


def _unpacked(text: str) -> list[int]:
    values: list[int] = np.frombuffer(base64.b64decode(text), dtype=">i8").tolist()
    return values
