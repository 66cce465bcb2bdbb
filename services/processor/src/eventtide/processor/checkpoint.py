"""Which checkpoint rows a batch changed (pure): only those are written.

Writing a partition's whole state every batch cost more than the job itself (its rows
grow with the open windows, the users and the events kept for deduplication and
lateness; 99 MB of JSON for 100,000 live events). The job marks what it touches (open
windows, closed windows, users, entries pushed), and a ``Checkpointer`` per partition
turns that into rows to upsert and keys to delete. The segment kinds are append-only
logs: one new row per batch with what the batch added, and whole rows deleted once the
job has let go of every entry in them (``state.py`` explains why that restores exactly).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from eventtide.processor.job import CellKey, PartitionJob, WindowGroup
from eventtide.processor.sessions import UserSessions
from eventtide.processor.state import (
    SEGMENTS,
    PartitionSnapshot,
    Row,
    conversion_key,
    conversion_value,
    dumps,
    final_value,
    meta_value,
    pending_value,
    segment_key,
    session_key,
    session_value,
    touch_value,
    user_value,
    window_delta_key,
    window_key,
    window_value,
)

RowKey = tuple[str, str]
CellState = tuple[int, int, int, int]
"""A cell as last written: count, users, revenue, orders."""

COMPACT_AFTER = 64
"""Delta rows a window gathers before its full row is written again (and they go): the
bound on what a restore reads and replays per window."""


@dataclass(frozen=True, slots=True)
class StateChange:
    """One partition's checkpoint difference for one batch."""

    partition: int
    upserts: list[Row] = field(default_factory=list)
    deletes: list[RowKey] = field(default_factory=list)


@dataclass
class _Log:
    """An ordered segment kind (``final``, ``touch``): entries leave from the front."""

    segments: deque[tuple[str, int]] = field(default_factory=deque)
    """(key, entries) of the stored segments, oldest first."""
    appended: int = 0
    dropped: int = 0
    last: Any = None
    """The newest entry already stored (compared by identity)."""

    def new_entries(self, entries: deque[Any]) -> list[Any]:
        """Entries appended since the last call, oldest first."""
        new = []
        last = self.last
        for entry in reversed(entries):
            if entry is last:
                break
            new.append(entry)
        new.reverse()
        if entries:
            self.last = entries[-1]
        return new

    def gone(self, remaining: int) -> list[str]:
        """Keys of segments all of whose entries have left."""
        popped, keys = self.appended - remaining, []
        while self.segments and self.dropped + self.segments[0][1] <= popped:
            key, count = self.segments.popleft()
            self.dropped += count
            keys.append(key)
        return keys


@dataclass
class _UserEvents:
    """A user's ``session`` rows: the events stored for its open sessions.

    ``stored`` counts the events at the start of the sessions' event list that are in
    rows; ``skip`` those at the start of the first row that already left with closed
    sessions; ``seen_dropped`` the sessions' drop counter when last looked at.
    """

    owner: UserSessions | None
    rows: deque[tuple[str, int]] = field(default_factory=deque)
    stored: int = 0
    skip: int = 0
    seen_dropped: int = 0


@dataclass
class _Window:
    """What is stored of one open window: its cells as written and its delta rows."""

    cells: dict[CellKey, CellState]
    deltas: list[str] = field(default_factory=list)


def _cell_states(job: PartitionJob, group: WindowGroup) -> dict[CellKey, CellState]:
    return {
        key: (m.count, len(m.users), m.revenue, m.orders) for key, m in job.windows[group].items()
    }


class Checkpointer:
    """The checkpoint bookkeeping of one partition's job.

    An open window changes every batch, and its full row holds every user of every cell
    (the 1-minute window at 10,000 events/s: tens of thousands of ids, sorted, encoded
    and rewritten by PostgreSQL each 100 ms batch, which cost more than the job). So a
    window is written whole once, then as delta rows of what each batch added, and
    whole again after ``compact_after`` deltas.
    """

    def __init__(self, partition: int, compact_after: int = COMPACT_AFTER) -> None:
        self.partition = partition
        self.compact_after = compact_after
        self.seq = 1
        self.logs = {"final": _Log(), "touch": _Log()}
        self.pending: list[tuple[str, int]] = []
        """(key, latest time) of the stored pending segments."""
        self.windows: dict[WindowGroup, _Window] = {}
        self.users: dict[str, _UserEvents] = {}

    @classmethod
    def restored(
        cls, state: PartitionSnapshot, job: PartitionJob, compact_after: int = COMPACT_AFTER
    ) -> Checkpointer:
        """Bookkeeping that matches the rows ``job`` was restored from."""
        self = cls(state.partition, compact_after)
        self.seq = state.meta["seq"]
        skips = {uid: value.get("skip", 0) for uid, value in state.users}
        for key, value in state.sessions:
            uid = key.rsplit(":", 1)[0]
            found = self.users.get(uid)
            if found is None:
                owner = job.sessions.get(uid)
                dropped = 0 if owner is None else owner.dropped
                skip = skips.get(uid, 0)
                found = self.users[uid] = _UserEvents(owner, skip=skip, seen_dropped=dropped)
                found.stored = -skip
            found.rows.append((key, len(value)))
            found.stored += len(value)
        for key, _value in state.windows:
            index, start, *delta = map(int, key.split(":"))
            group = (index, start)
            stored = self.windows.get(group)
            if stored is None:
                stored = self.windows[group] = _Window(_cell_states(job, group))
            if delta:
                stored.deltas.append(key)
        for kind, key, value in state.segments:
            if kind == "pending":
                self.pending.append((key, max((e[0] for e in value), default=0)))
            else:
                log = self.logs[kind]
                log.segments.append((key, len(value)))
                log.appended += len(value)
        self.logs["final"].last = job.final_ids[-1] if job.final_ids else None
        order = job.attributor.order
        self.logs["touch"].last = order[-1] if order else None
        return self

    def _segment(self, kind: str, value: Any, upserts: list[Row]) -> str:
        key = segment_key(self.seq)
        self.seq += 1
        upserts.append((kind, key, dumps(value)))
        return key

    def _windows(self, job: PartitionJob, upserts: list[Row], deletes: list[RowKey]) -> None:
        """Closed windows' rows go; a changed window gets a delta row (or a full one)."""
        windows, stored_windows = job.windows, self.windows
        for group in job.closed_windows:
            stored = stored_windows.pop(group, None)  # a window closed is never the same again
            if stored is not None:
                deletes.extend(("window", key) for key in stored.deltas)
            if group not in windows:
                deletes.append(("window", window_key(group)))
        for group in job.dirty_windows:
            if group not in windows:
                continue
            stored = stored_windows.get(group)
            if stored is None or len(stored.deltas) >= self.compact_after:
                if stored is not None:
                    deletes.extend(("window", key) for key in stored.deltas)
                upserts.append(("window", window_key(group), dumps(window_value(job, group))))
                stored_windows[group] = _Window(_cell_states(job, group))
                continue
            key = window_delta_key(group, self.seq)
            self.seq += 1
            upserts.append(("window", key, dumps(_delta(job, group, stored.cells))))
            stored.deltas.append(key)
        job.dirty_windows.clear()
        job.dirty_cells.clear()
        job.closed_windows.clear()

    def _session_rows(
        self, job: PartitionJob, uid: str, upserts: list[Row], deletes: list[RowKey]
    ) -> int:
        """Append a user's newly final session events, drop rows all of whose events
        left with closed sessions; returns the events to skip in its first row.

        Closed sessions leave from the front of the user's (time-ordered) events and
        final events are a prefix of them, so both ends move one way only.
        """
        us = job.sessions.get(uid)
        found = self.users.get(uid)
        if found is not None and found.owner is not us:  # all closed (maybe back since)
            deletes.extend(("session", key) for key, _count in found.rows)
            del self.users[uid]
            found = None
        if us is None:
            return 0
        if found is None:
            found = self.users[uid] = _UserEvents(us, seen_dropped=us.dropped)
        gone = us.dropped - found.seen_dropped
        found.seen_dropped = us.dropped
        stored_gone = min(gone, found.stored)  # the rest closed before it was stored
        found.stored -= stored_gone
        found.skip += stored_gone
        while found.rows and found.skip >= found.rows[0][1]:
            key, count = found.rows.popleft()
            found.skip -= count
            deletes.append(("session", key))
        events, watermark = us.events, job.watermark
        end = found.stored
        while end < len(events) and events[end].ts < watermark:
            end += 1
        if end > found.stored:
            key = session_key(uid, self.seq)
            self.seq += 1
            upserts.append(("session", key, dumps(session_value(events[found.stored : end]))))
            found.rows.append((key, end - found.stored))
            found.stored = end
        return found.skip

    def changes(self, job: PartitionJob) -> StateChange:
        """The rows this batch changed; clears the job's marks."""
        upserts: list[Row] = []
        deletes: list[RowKey] = []
        self._windows(job, upserts, deletes)
        for uid in job.touched_users:
            value = user_value(job, uid, self._session_rows(job, uid, upserts, deletes))
            if value is None:
                deletes.append(("user", uid))
            else:
                upserts.append(("user", uid, dumps(value)))
        job.touched_users.clear()
        for day, source in sorted(job.dirty_conversions):
            value = conversion_value(job, day, source)
            upserts.append(("conversion", conversion_key(day, source), dumps(value)))
        job.dirty_conversions.clear()
        for kind, entries, encode in (
            ("final", job.final_ids, final_value),
            ("touch", job.attributor.order, touch_value),
        ):
            log = self.logs[kind]
            new = log.new_entries(entries)
            if new:
                log.segments.append((self._segment(kind, encode(new), upserts), len(new)))
                log.appended += len(new)
            deletes.extend((kind, key) for key in log.gone(len(entries)))
        if job.pushed:
            latest = max(entry[0] for entry in job.pushed)
            key = self._segment("pending", pending_value(job.pushed), upserts)
            self.pending.append((key, latest))
            job.pushed.clear()
        watermark = job.watermark
        deletes.extend(("pending", key) for key, latest in self.pending if latest < watermark)
        self.pending = [(key, latest) for key, latest in self.pending if latest >= watermark]
        upserts.append(("partition", "", dumps(meta_value(job, self.seq))))
        return _settled(self.partition, upserts, deletes)


def _delta(job: PartitionJob, group: WindowGroup, written: dict[CellKey, CellState]) -> Any:
    """What a window's cells gained since ``written`` (updated to now) and its shown state.

    Only the cells the job marked are looked at (a window has thousands, mostly pages).
    Cells only grow (a count with each event, users in insertion order), so the users
    past a cell's written length are exactly the new ones, read from the cell's end.
    """
    cells, window = [], job.windows[group]
    for key in job.dirty_cells.get(group, ()):
        m = window[key]
        before = written.get(key)
        if before is None:
            cells.append([key[0], key[1], m.count, list(m.users), m.revenue, m.orders])
        elif before[0] != m.count:
            count, users, revenue, orders = before
            # from the end: skipping the ``users`` already written walked the whole
            # cell (thousands of ids in the big cells) every batch
            new_users = list(islice(reversed(m.users), len(m.users) - users))
            new_users.reverse()
            cells.append(
                [key[0], key[1], m.count - count, new_users, m.revenue - revenue, m.orders - orders]
            )
        else:
            continue
        written[key] = (m.count, len(m.users), m.revenue, m.orders)
    changed = job.shown.get(group)
    return {
        "shown": changed is not None,
        "changed": sorted(changed) if changed else [],
        "cells": cells,
    }


def _settled(partition: int, upserts: Iterable[Row], deletes: Iterable[RowKey]) -> StateChange:
    """One row per key; a segment written and emptied in the same batch is neither."""
    rows = {(kind, key): (kind, key, text) for kind, key, text in upserts}
    gone = set(deletes)
    born_dead = {key for key in gone if key in rows and key[0] in SEGMENTS}
    for key in born_dead:
        del rows[key]
    return StateChange(partition, list(rows.values()), sorted(gone - born_dead))
