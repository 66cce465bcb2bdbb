"""The live behaviour detector's state and step: events in, closed user-windows out.

Pure. Each ``events.v1`` partition keeps its own state (users are keyed to one
partition, so a user's windows never span two): the frontier (largest event time
seen), the user's events cut into panes of one hop, a count of late events, and the
user's open alert episode. Event by event, in partition order: an event
whose pane already closed (its end at or below the watermark, frontier minus allowed
lateness, before the event) is late and dropped; otherwise it joins its user's pane;
then the frontier advances, and every pane whose end the new watermark reached closes
the user's window of the model's length ending there (the panes it spans). Panes stay
until no later window can span them. With the hop equal to the window these are
tumbling windows; with an hour's hop and a day's window each active user's trailing
day is judged every hour. Deciding per event, never per batch, is what makes the
outcome independent of how the stream was cut into batches, so a replay after a crash
(from the state committed with the offsets) closes the same windows with the same
events.

A pane keeps only what the behaviour features read: event times (µs) and one letter
per event (``p`` purchase, ``v`` page view, ``o`` anything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from eventtide.ml.behaviour_model import KEY_SEP, panes_per_window
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
    """A user's pane: one hop of their events (still collecting until it closes)."""

    times: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class Episode:
    """A user's run of overlapping flagged windows: one alert, growing in place."""

    start_us: int
    """The first flagged window's start: the alert's id and ``at``."""
    end_us: int
    """The last flagged window's end."""
    windows: int
    high: bool
    """Whether any of its windows was of high severity."""

    def to_json(self) -> list[int]:
        """Compact: the checkpoint is rewritten every batch."""
        return [self.start_us, self.end_us, self.windows, int(self.high)]

    @staticmethod
    def from_json(document: list[int]) -> Episode:
        """Back from :meth:`to_json`."""
        start, end, windows, high = document
        return Episode(int(start), int(end), int(windows), bool(high))


@dataclass
class PartitionState:
    """One partition's frontier, users' panes, late count and open alert episodes."""

    frontier_us: int | None = None
    open: dict[str, OpenWindow] = field(default_factory=dict)
    late: int = 0
    episodes: dict[str, Episode] = field(default_factory=dict)
    """Per user, their alert episode while a later window may overlap its last one."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready document (the checkpoint row's value)."""
        return {
            "frontier_us": self.frontier_us,
            "late": self.late,
            "open": {k: [w.times, "".join(w.codes)] for k, w in self.open.items()},
            "episodes": {u: e.to_json() for u, e in self.episodes.items()},
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
            episodes={u: Episode.from_json(e) for u, e in document.get("episodes", {}).items()},
        )


def _key(user: str, start_us: int) -> str:
    return f"{user}{KEY_SEP}{start_us}"


def advance(
    state: PartitionState,
    events: list[LiveEvent],
    window_us: int,
    lateness_us: int,
    hop_us: int | None = None,
) -> list[ClosedWindow]:
    """Take a partition's events in order; the windows they closed, in closing order.

    ``hop_us`` (the window by default) must divide ``window_us``.
    """
    hop = window_us if hop_us is None else hop_us
    panes_per_window(window_us / US, hop / US)
    closed: list[ClosedWindow] = []
    for event in events:
        start = event.at_us - event.at_us % hop
        before = None if state.frontier_us is None else state.frontier_us - lateness_us
        if before is not None and start + hop <= before:
            state.late += 1
            continue
        pane = state.open.setdefault(_key(event.user, start), OpenWindow())
        pane.times.append(event.at_us)
        pane.codes.append(CODES.get(event.name, "o"))
        if state.frontier_us is None or event.at_us > state.frontier_us:
            state.frontier_us = event.at_us
            now = state.frontier_us - lateness_us
            if before is None or now // hop > before // hop:
                closed.extend(_close(state, before, now, window_us, hop))
    return closed


def _close(
    state: PartitionState, before: int | None, watermark: int, window_us: int, hop: int
) -> list[ClosedWindow]:
    """The windows ending at every pane end the watermark passed since ``before``, by end
    then user; then the panes no later window spans are let go."""
    due: list[tuple[int, str]] = []
    for key in state.open:
        user, start = key.rsplit(KEY_SEP, 1)
        end = int(start) + hop
        if end <= watermark and (before is None or end > before):
            due.append((int(start), user))
    due.sort()
    out = []
    for last, user in due:
        first = last + hop - window_us
        panes = [state.open.get(_key(user, at)) for at in range(first, last + hop, hop)]
        times = tuple(t for p in panes if p is not None for t in p.times)
        codes = "".join(c for p in panes if p is not None for c in p.codes)
        out.append(ClosedWindow(user, first, times, codes))
    for key in [k for k in state.open if int(k.rsplit(KEY_SEP, 1)[1]) + window_us <= watermark]:
        del state.open[key]
    return out


def closed_log(windows: list[ClosedWindow]) -> EventLog:
    """The closed windows' events as one log, each window under its own grouping key."""
    if not windows:
        return EventLog.from_rows([])
    users = np.concatenate([np.full(len(w.times), _key(w.user, w.start_us)) for w in windows])
    times = np.concatenate([np.asarray(w.times, dtype=float) / US for w in windows])
    names = np.array([NAMES[c] for w in windows for c in w.codes], dtype=str)
    return EventLog(users.astype(str), times, names, np.zeros(times.size))
