"""The live behaviour detector's state and step: events in, closed user-windows out.

Pure. Each ``events.v1`` partition keeps its own state (users are keyed to one
partition, so a user's windows never span two): the frontier (largest event time
seen), the user's events cut into panes of one hop, counts of late and repeated
events, and the user's open alert episode. Event by event, in partition order: an event
whose pane already closed (its end at or below the watermark, frontier minus allowed
lateness, before the event) is late and dropped; an event whose id an event held in a
pane already had (a client's or producer's retry) is a repeat and dropped, as storage
drops it on its unique ``event_id``; otherwise it joins its user's pane;
then the frontier advances, and every pane whose end the new watermark reached closes
the user's window of the model's length ending there (the panes it spans). Panes stay
until no later window can span them. With the hop equal to the window these are
tumbling windows; with an hour's hop and a day's window each active user's trailing
day is judged every hour. Deciding per event, never per batch, is what makes the
outcome independent of how the stream was cut into batches, so a replay after a crash
(from the state committed with the offsets) closes the same windows with the same
events.

A pane keeps what the behaviour features read, event times (µs) and one letter per
event (``p`` purchase, ``v`` page view, ``o`` anything else), and each event's id
folded to 61 bits (:func:`id_key`), which is what repeats are known by. A retry carries
its first send's time, so it falls in the first send's pane, and that pane is held for
as long as the retry could still be accepted: once it is let go, the retry is late
anyway. (An id repeated with another time is dropped too while the first is held.)
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import numpy as np

from eventtide.ml.behaviour_model import KEY_SEP, panes_per_window
from eventtide.ml.features import PAGE_VIEW, PURCHASE
from eventtide.ml.history import EventLog

US: Final = 1_000_000
CODES: Final = {PURCHASE: "p", PAGE_VIEW: "v"}
NAMES: Final = {"p": PURCHASE, "v": PAGE_VIEW, "o": "other"}
UNKNOWN_KEY: Final = -1
"""The key of an event read from a checkpoint that kept no ids: no event's key (keys are
non-negative), so it matches no repeat."""
ID_MODULUS: Final = 2**61 - 1
"""A prime: an id's 128 bits modulo it keep every part of the id (the time fields of a
version 1 or 7 uuid, the random bits of a version 4), and a key fits 8 bytes. A new
event is taken for a repeat when its key equals a held event's: odds of 4e-13 with a
million events held."""


CANONICAL_UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def id_key(event_id: str) -> int:
    """An ``event_id`` as the key repeats are known by; ``ValueError`` when it is no
    uuid. Parsed, so that the same id written in capitals or braces is the same key, as
    storage's ``uuid`` column holds it. The canonical form, nearly every id, is read
    with one match and one ``int``: 0.6 µs against ``uuid.UUID``'s 1.1 µs, which is
    most of what knowing repeats costs an event."""
    if CANONICAL_UUID.fullmatch(event_id):
        return int(event_id.replace("-", ""), 16) % ID_MODULUS
    return uuid.UUID(event_id).int % ID_MODULUS


class LiveEvent(NamedTuple):
    """What the live detector reads of one event. A named tuple: one is built per event,
    in half the time of a frozen dataclass."""

    user: str
    at_us: int
    name: str
    key: int
    """The event id's :func:`id_key`."""


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
    keys: list[int] = field(default_factory=list)
    """Its events' id keys (``UNKNOWN_KEY`` for those read from a checkpoint that kept
    none)."""
    saved: int = field(default=0, compare=False, repr=False)
    """How many of its events a checkpoint already holds (``behave_checkpoint``)."""


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
        """Compact: the checkpoint's header is rewritten every batch."""
        return [self.start_us, self.end_us, self.windows, int(self.high)]

    @staticmethod
    def from_json(document: list[int]) -> Episode:
        """Back from :meth:`to_json`."""
        start, end, windows, high = document
        return Episode(int(start), int(end), int(windows), bool(high))


@dataclass
class PartitionState:
    """One partition's frontier, users' panes, late and repeat counts and open alert
    episodes."""

    frontier_us: int | None = None
    open: dict[str, OpenWindow] = field(default_factory=dict)
    late: int = 0
    repeats: int = 0
    episodes: dict[str, Episode] = field(default_factory=dict)
    """Per user, their alert episode while a later window may overlap its last one."""
    held: set[int] = field(init=False, repr=False, compare=False)
    """The id keys of every event in ``open``: derived from the panes, never stored."""
    changed: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    """The panes that got events since the last checkpoint (``behave_checkpoint``)."""
    gone: set[int] = field(default_factory=set, init=False, repr=False, compare=False)
    """The starts of the hops whose panes were let go since the last checkpoint."""
    segments: int = field(default=0, compare=False)
    """How many event segments the checkpoint has written: the next one's number."""
    hop_segments: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    """How many segments the checkpoint holds for each hop held."""

    def __post_init__(self) -> None:
        self.held = {k for pane in self.open.values() for k in pane.keys if k != UNKNOWN_KEY}


def user_key(user: str, start_us: int) -> str:
    """A user and a start as one key: a pane's in ``PartitionState.open`` (its hop's
    start), a window's in :func:`closed_log` (the window's)."""
    return f"{user}{KEY_SEP}{start_us}"


def split_user_key(key: str) -> tuple[str, int]:
    """Back from :func:`user_key`."""
    user, start = key.rsplit(KEY_SEP, 1)
    return user, int(start)


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
        if event.key in state.held:
            state.repeats += 1
            continue
        state.held.add(event.key)
        key = user_key(event.user, start)
        state.changed.add(key)
        pane = state.open.setdefault(key, OpenWindow())
        pane.times.append(event.at_us)
        pane.codes.append(CODES.get(event.name, "o"))
        pane.keys.append(event.key)
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
        user, start = split_user_key(key)
        end = start + hop
        if end <= watermark and (before is None or end > before):
            due.append((start, user))
    due.sort()
    out = []
    for last, user in due:
        first = last + hop - window_us
        panes = [state.open.get(user_key(user, at)) for at in range(first, last + hop, hop)]
        times = tuple(t for p in panes if p is not None for t in p.times)
        codes = "".join(c for p in panes if p is not None for c in p.codes)
        out.append(ClosedWindow(user, first, times, codes))
    for key in list(state.open):
        _, start = split_user_key(key)
        if start + window_us <= watermark:
            state.held.difference_update(state.open.pop(key).keys)
            state.changed.discard(key)
            state.gone.add(start)
    return out


def closed_log(windows: list[ClosedWindow]) -> EventLog:
    """The closed windows' events as one log, each window under its own grouping key."""
    if not windows:
        return EventLog.from_rows([])
    users = np.concatenate([np.full(len(w.times), user_key(w.user, w.start_us)) for w in windows])
    times = np.concatenate([np.asarray(w.times, dtype=float) / US for w in windows])
    names = np.array([NAMES[c] for w in windows for c in w.codes], dtype=str)
    return EventLog(users.astype(str), times, names, np.zeros(times.size))
