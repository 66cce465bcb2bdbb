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
from typing import Any

from eventtide.processor.job import PartitionJob
from eventtide.processor.state import (
    SEGMENTS,
    PartitionSnapshot,
    Row,
    dumps,
    final_value,
    meta_value,
    pending_value,
    segment_key,
    touch_value,
    user_value,
    window_key,
    window_value,
)

RowKey = tuple[str, str]


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


class Checkpointer:
    """The checkpoint bookkeeping of one partition's job."""

    def __init__(self, partition: int) -> None:
        self.partition = partition
        self.seq = 1
        self.logs = {"final": _Log(), "touch": _Log()}
        self.pending: list[tuple[str, int]] = []
        """(key, latest time) of the stored pending segments."""

    @classmethod
    def restored(cls, state: PartitionSnapshot, job: PartitionJob) -> Checkpointer:
        """Bookkeeping that matches the rows ``job`` was restored from."""
        self = cls(state.partition)
        self.seq = state.meta["seq"]
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

    def changes(self, job: PartitionJob) -> StateChange:
        """The rows this batch changed; clears the job's marks."""
        upserts: list[Row] = []
        deletes: list[RowKey] = []
        windows = job.windows
        for group in job.dirty_windows:
            if group in windows:
                upserts.append(("window", window_key(group), dumps(window_value(job, group))))
        deletes.extend(("window", window_key(g)) for g in job.closed_windows if g not in windows)
        job.dirty_windows.clear()
        job.closed_windows.clear()
        for uid in job.touched_users:
            value = user_value(job, uid)
            if value is None:
                deletes.append(("user", uid))
            else:
                upserts.append(("user", uid, dumps(value)))
        job.touched_users.clear()
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


def _settled(partition: int, upserts: Iterable[Row], deletes: Iterable[RowKey]) -> StateChange:
    """One row per key; a segment written and emptied in the same batch is neither."""
    rows = {(kind, key): (kind, key, text) for kind, key, text in upserts}
    gone = set(deletes)
    born_dead = {key for key in gone if key in rows and key[0] in SEGMENTS}
    for key in born_dead:
        del rows[key]
    return StateChange(partition, list(rows.values()), sorted(gone - born_dead))
