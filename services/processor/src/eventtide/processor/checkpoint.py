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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from eventtide.processor.alerts import UserAlertState
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
    recent_value,
    segment_key,
    session_value,
    touch_value,
    user_segment_key,
    user_value,
    window_delta_key,
    window_key,
    window_value,
)

RowKey = tuple[str, str]
APPEND_ONLY = (*SEGMENTS, "session", "recent")
"""Kinds whose keys are never written twice: one written and deleted in the same batch
(merged right away) is neither."""
CellState = tuple[int, int, int, int]
"""A cell as last written: count, users, revenue, orders."""

COMPACT_AFTER = 64
"""Delta rows a window gathers before its full row is written again (and they go): the
bound on what a restore reads and replays per window."""

FIRST_FANOUT = 64
"""A user's one-batch ``session`` and ``recent`` rows merge this many at a time."""
FANOUT = 8
"""Merged rows merge this many at a time (see ``_merge_tail``)."""

UserRow = tuple[str, int, int]
"""A stored user row: key, entries, tier (how many merges its entries went through)."""


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
    rows: deque[UserRow] = field(default_factory=deque)
    stored: int = 0
    skip: int = 0
    seen_dropped: int = 0


@dataclass
class _UserRecent:
    """A user's ``recent`` rows: the alert rules' event times, appended as they come.

    Absolute positions count every time the rules have held since ``owner`` was made
    (``owner.dropped`` of them have left its front): the rows hold ``start`` to
    ``stored``.
    """

    owner: UserAlertState | None
    rows: deque[UserRow] = field(default_factory=deque)
    start: int = 0
    stored: int = 0


@dataclass(frozen=True, slots=True)
class _UserRows:
    """One user's rows of one append-only kind; positions below ``floor`` have left."""

    kind: str
    uid: str
    rows: deque[UserRow]
    floor: int


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

    def __init__(
        self,
        partition: int,
        compact_after: int = COMPACT_AFTER,
        fanout: int = FANOUT,
        first_fanout: int = FIRST_FANOUT,
    ) -> None:
        self.partition = partition
        self.compact_after = compact_after
        self.fanouts = (first_fanout, fanout)
        self.seq = 1
        self.logs = {"final": _Log(), "touch": _Log()}
        self.pending: list[tuple[str, int]] = []
        """(key, latest time) of the stored pending segments."""
        self.windows: dict[WindowGroup, _Window] = {}
        self.users: dict[str, _UserEvents] = {}
        self.recents: dict[str, _UserRecent] = {}

    @classmethod
    def restored(
        cls,
        state: PartitionSnapshot,
        job: PartitionJob,
        compact_after: int = COMPACT_AFTER,
        fanout: int = FANOUT,
        first_fanout: int = FIRST_FANOUT,
    ) -> Checkpointer:
        """Bookkeeping that matches the rows ``job`` was restored from."""
        self = cls(state.partition, compact_after, fanout, first_fanout)
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
            found.rows.append((key, len(value), _tier(len(value), self.fanouts)))
            found.stored += len(value)
        recent_skips = {
            uid: value["alerts"].get("recent_skip", 0)
            for uid, value in state.users
            if "alerts" in value
        }
        for key, value in state.recents:
            uid = key.rsplit(":", 1)[0]
            recent = self.recents.get(uid)
            if recent is None:
                skip = recent_skips.get(uid, 0)
                alerts = job.alerts.users.get(uid)
                recent = self.recents[uid] = _UserRecent(alerts, start=-skip, stored=-skip)
            recent.rows.append((key, len(value), _tier(len(value), self.fanouts)))
            recent.stored += len(value)
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
            deletes.extend(("session", row[0]) for row in found.rows)
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
            key, count, _ = found.rows.popleft()
            found.skip -= count
            deletes.append(("session", key))
        events, watermark = us.events, job.watermark
        end = found.stored
        while end < len(events) and events[end].ts < watermark:
            end += 1
        if end > found.stored:

            def session_events(begin: int, stop: int) -> Any:
                return session_value(events[begin:stop])

            rows = _UserRows("session", uid, found.rows, 0)
            if self._append(rows, found.stored, end, session_events, upserts, deletes):
                found.skip = 0
            found.stored = end
        return found.skip

    def _recent_rows(
        self, job: PartitionJob, uid: str, upserts: list[Row], deletes: list[RowKey]
    ) -> int:
        """Append a user's new alert-rule times, drop rows all of whose times have left
        the rules' memory; returns the times to skip in its first row.

        The burst rule looks back an hour: a user active all that time holds thousands
        of times, and rewriting them whole at every batch it was in (in its ``user``
        row) grew each batch's checkpoint with the users' activity, not the batch's.
        """
        st = job.alerts.users.get(uid)
        found = self.recents.get(uid)
        if found is not None and found.owner is not st:  # forgotten (maybe back since)
            deletes.extend(("recent", row[0]) for row in found.rows)
            del self.recents[uid]
            found = None
        if st is None:
            return 0
        if found is None:
            found = self.recents[uid] = _UserRecent(st)
        dropped = st.dropped
        while found.rows and found.start + found.rows[0][1] <= dropped:
            key, count, _ = found.rows.popleft()
            found.start += count
            deletes.append(("recent", key))
        if not found.rows:
            found.start = found.stored = max(found.stored, dropped)
        end = dropped + len(st.recent)
        if end > found.stored:
            recent = st.recent

            def times(begin: int, stop: int) -> Any:
                return recent_value(islice(recent, begin - dropped, stop - dropped))

            rows = _UserRows("recent", uid, found.rows, dropped)
            if self._append(rows, found.stored, end, times, upserts, deletes):
                found.start = dropped
            found.stored = end
        return dropped - found.start if found.rows else 0

    def _append(
        self,
        rows: _UserRows,
        stored: int,
        end: int,
        encode: Callable[[int, int], Any],
        upserts: list[Row],
        deletes: list[RowKey],
    ) -> bool:
        """Store entries ``stored`` to ``end`` as a new row of ``rows``, then merge its
        last rows as ``_merge_tail`` says; whether the first row was merged (its entries
        below ``rows.floor``, already left, are then no longer stored)."""
        kind, held = rows.kind, rows.rows
        key = user_segment_key(rows.uid, self.seq)
        self.seq += 1
        upserts.append((kind, key, dumps(encode(stored, end))))
        held.append((key, end - stored, 0))
        merged_first = False
        while merge := _merge_tail(held, self.fanouts):
            count, tier = merge
            merged = [held.pop() for _ in range(count)]
            deletes.extend((kind, row[0]) for row in merged)
            begin = end - sum(row[1] for row in merged)
            if begin < rows.floor:
                begin, merged_first = rows.floor, True
            key = user_segment_key(rows.uid, self.seq)
            self.seq += 1
            upserts.append((kind, key, dumps(encode(begin, end))))
            held.append((key, end - begin, tier))
        return merged_first

    def changes(self, job: PartitionJob) -> StateChange:
        """The rows this batch changed; clears the job's marks."""
        upserts: list[Row] = []
        deletes: list[RowKey] = []
        self._windows(job, upserts, deletes)
        for uid in job.touched_users:
            skip = self._session_rows(job, uid, upserts, deletes)
            recent_skip = self._recent_rows(job, uid, upserts, deletes)
            value = user_value(job, uid, skip, recent_skip)
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


def _merge_tail(rows: deque[UserRow], fanouts: tuple[int, int]) -> tuple[int, int] | None:
    """How many rows at the end to write again as one, and its tier; ``None`` for none.

    The last rows of one tier merge into one row of the next: ``fanouts[0]`` one-batch
    rows (tier 0), then ``fanouts[1]`` of a higher tier. So a user's rows stay a few
    dozen for a day's activity, not one per batch it was in (which a restore would
    read), and each entry is rewritten once per tier, not at every batch. The first
    fanout is the larger: most users' memory fits in it, and merging cost a row upsert
    and delete per batch a user was in (about a quarter more checkpoint rows per batch
    on a live stream with a first fanout of 8).
    """
    tier = rows[-1][2] if rows else 0
    fanout = fanouts[0] if tier == 0 else fanouts[1]
    if len(rows) < fanout:
        return None
    if any(rows[-i][2] != tier for i in range(2, fanout + 1)):
        return None
    return fanout, tier + 1


def _tier(entries: int, fanouts: tuple[int, int]) -> int:
    """A restored row's tier, from its size (only how soon it merges depends on it)."""
    if entries < fanouts[0]:
        return 0
    tier, entries = 1, entries // fanouts[0]
    while entries >= fanouts[1]:
        entries //= fanouts[1]
        tier += 1
    return tier


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
    born_dead = {key for key in gone if key in rows and key[0] in APPEND_ONLY}
    for key in born_dead:
        del rows[key]
    return StateChange(partition, list(rows.values()), sorted(gone - born_dead))
