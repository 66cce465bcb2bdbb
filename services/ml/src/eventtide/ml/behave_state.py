"""The live behaviour detector's state and step: events in, closed user-windows out.

Pure. Each ``events.v1`` partition keeps its own state (users are keyed to one
partition, so a user's windows never span two): the frontier (largest event time
seen), the open user-windows with their events, and a count of late events. Event by
event, in partition order: an event whose window already closed (its end at or below
the watermark, frontier minus allowed lateness, before the event) is late and dropped;
otherwise it joins its user-window; then the frontier advances and every open window
whose end the new watermark reached closes. Deciding per event, never per batch, is
what makes the outcome independent of how the stream was cut into batches, so a
replay after a crash (from the state committed with the offsets) closes the same
windows with the same events.

A window keeps only what the behaviour features read: event times (µs) and one letter
per event (``p`` purchase, ``v`` page view, ``o`` anything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from eventtide.ml.behaviour_model import KEY_SEP
from eventtide.ml.features import PAGE_VIEW, PURCHASE
from eventtide.ml.history import EventLog

US: Final = 1_000_000
CODES: Final = {PURCHASE: "p", PAGE_VIEW: "v"}
NAMES: Final = {"p": PURCHASE, "v": PAGE_VIEW, "o": "other"}


@dataclass(frozen=True)
class LiveEvent:
    """What the live detector reads of one event."""

    user: str
    at_us: int
    name: str


@dataclass(frozen=True)
class ClosedWindow:
    """A user's window that the watermark closed, with its events (µs, letters)."""

    user: str
    start_us: int
    times: tuple[int, ...]
    codes: str


@dataclass
class OpenWindow:
    """A user-window still collecting events."""

    times: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class PartitionState:
    """One partition's frontier, open user-windows and late count."""

    frontier_us: int | None = None
    open: dict[str, OpenWindow] = field(default_factory=dict)
    late: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready document (the checkpoint row's value)."""
        return {
            "frontier_us": self.frontier_us,
            "late": self.late,
            "open": {k: [w.times, "".join(w.codes)] for k, w in self.open.items()},
        }

    @staticmethod
    def from_json(document: dict[str, Any]) -> PartitionState:
        """Back from :meth:`to_json`."""
        frontier = document.get("frontier_us")
        return PartitionState(
            frontier_us=None if frontier is None else int(frontier),
            open={
                k: OpenWindow([int(t) for t in times], list(codes))
                for k, (times, codes) in document.get("open", {}).items()
            },
            late=int(document.get("late", 0)),
        )


def _key(user: str, start_us: int) -> str:
    return f"{user}{KEY_SEP}{start_us}"


def advance(
    state: PartitionState, events: list[LiveEvent], window_us: int, lateness_us: int
) -> list[ClosedWindow]:
    """Take a partition's events in order; the windows they closed, in closing order."""
    closed: list[ClosedWindow] = []
    for event in events:
        start = event.at_us - event.at_us % window_us
        before = None if state.frontier_us is None else state.frontier_us - lateness_us
        if before is not None and start + window_us <= before:
            state.late += 1
            continue
        window = state.open.setdefault(_key(event.user, start), OpenWindow())
        window.times.append(event.at_us)
        window.codes.append(CODES.get(event.name, "o"))
        if state.frontier_us is None or event.at_us > state.frontier_us:
            old = before
            state.frontier_us = event.at_us
            now = state.frontier_us - lateness_us
            if old is None or now // window_us > old // window_us:
                closed.extend(_close(state, now, window_us))
    return closed


def _close(state: PartitionState, watermark: int, window_us: int) -> list[ClosedWindow]:
    """Every open window whose end the watermark reached, by start then user."""
    due: list[tuple[int, str, str]] = []
    for key in state.open:
        user, start = key.rsplit(KEY_SEP, 1)
        if int(start) + window_us <= watermark:
            due.append((int(start), user, key))
    due.sort()
    out = []
    for start_us, user, key in due:
        window = state.open.pop(key)
        out.append(ClosedWindow(user, start_us, tuple(window.times), "".join(window.codes)))
    return out


def closed_log(windows: list[ClosedWindow]) -> EventLog:
    """The closed windows' events as one log, each window under its own grouping key."""
    if not windows:
        return EventLog.from_rows([])
    users = np.concatenate([np.full(len(w.times), _key(w.user, w.start_us)) for w in windows])
    times = np.concatenate([np.asarray(w.times, dtype=float) / US for w in windows])
    names = np.array([NAMES[c] for w in windows for c in w.codes], dtype=str)
    return EventLog(users.astype(str), times, names, np.zeros(times.size))
