"""The checkpointed state of one partition: an immutable snapshot and its rows.

``snapshot(job)`` freezes a ``PartitionJob`` between batches; ``restore`` builds a job
that continues exactly where it stopped (the tests stop a stream halfway, go through
JSON and compare with an uninterrupted run). ``to_rows`` splits a snapshot into
``(kind, key, JSON)`` rows: one per partition, per open window key and per user, so the
wiring can store them in the batch's transaction and, later, write only changed rows.
"""

from __future__ import annotations

import heapq
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventtide.processor.aggregates import WindowMetrics
from eventtide.processor.alerts import UserAlertState
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.job import EVENT, TIMER, PartitionJob
from eventtide.processor.model import Event
from eventtide.processor.sessions import Session, UserSessions

Json = Any
Row = tuple[str, str, str]


def _event(e: Event) -> Json:
    return [
        e.event_id,
        e.event_type,
        e.user_id,
        e.ts,
        e.page,
        e.country,
        e.platform,
        e.referrer,
        e.amount_cents,
        [list(p) for p in e.products],
        e.touched,
        e.failed,
    ]


def _from_event(v: Json) -> Event:
    return Event(
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        v[7],
        v[8],
        tuple((p, c) for p, c in v[9]),
        v[10],
        v[11],
    )


def _session(s: Session) -> Json:
    return [
        s.session_id,
        s.user_id,
        s.start,
        s.end,
        s.events,
        s.page_views,
        s.entry_page,
        s.exit_page,
        s.converted,
        s.revenue_cents,
        s.purchases,
    ]


@dataclass(frozen=True, slots=True)
class PartitionSnapshot:
    """Everything a partition's job holds between batches, as JSON-ready values."""

    partition: int
    meta: Json
    windows: tuple[tuple[str, Json], ...]
    users: tuple[tuple[str, Json], ...]

    def to_rows(self) -> list[Row]:
        """``(kind, key, JSON text)`` rows for the checkpoint table."""
        rows: list[Row] = [("partition", "", json.dumps(self.meta))]
        rows.extend(("window", key, json.dumps(value)) for key, value in self.windows)
        rows.extend(("user", key, json.dumps(value)) for key, value in self.users)
        return rows

    @classmethod
    def from_rows(cls, partition: int, rows: Iterable[Row]) -> PartitionSnapshot:
        """The snapshot back from its rows."""
        meta: Json = None
        windows, users = [], []
        for kind, key, text in rows:
            value = json.loads(text)
            if kind == "partition":
                meta = value
            elif kind == "window":
                windows.append((key, value))
            else:
                users.append((key, value))
        return cls(partition, meta, tuple(sorted(windows)), tuple(sorted(users)))


def snapshot(job: PartitionJob) -> PartitionSnapshot:
    """Freeze ``job`` (call between batches)."""
    meta = {
        "frontier": job.frontier,
        "last_seen": job.last_seen,
        "final_ids": [list(x) for x in job.final_ids],
        "pending": [
            [ts, kind, key, None if e is None else _event(e)] for ts, kind, key, e in job.pending
        ],
        "conversions": [[d, s, *c] for (d, s), c in sorted(job.attributor.counters.items())],
        "touches": [_event(e) for e in job.attributor.order],
        "expired_at": job.expired_at,
    }
    windows = []
    for (index, start), cells in job.windows.items():
        changed = job.shown.get((index, start))
        for (dim, value), m in cells.items():
            key = json.dumps([index, start, dim, value])
            flags = [changed is not None, changed is not None and (dim, value) in changed]
            windows.append((key, [m.count, sorted(m.users), m.revenue, m.orders, *flags]))
    users: dict[str, dict[str, Json]] = {}
    for uid, us in job.sessions.items():
        users.setdefault(uid, {})["sessions"] = [_event(e) for e in us.events]
    for uid, st in job.alerts.users.items():
        users.setdefault(uid, {})["alerts"] = {
            "recent": list(st.recent),
            "purchases": [list(p) for p in st.purchases],
            "failures": [list(f) for f in st.failures],
            "cart": [_event(e) for e in st.cart],
            "cart_deadline": st.cart_deadline,
            "last_alert": st.last_alert,
            "last_ts": st.last_ts,
        }
    for uid, history in job.features.users.items():
        users.setdefault(uid, {})["features"] = [_session(s) for s in history]
    return PartitionSnapshot(
        job.partition,
        meta,
        tuple(sorted(windows)),
        tuple(sorted((uid, value) for uid, value in users.items())),
    )


def restore(state: PartitionSnapshot, config: ProcessorConfig) -> PartitionJob:
    """A job that goes on from ``state`` as the one that was frozen would have."""
    job = PartitionJob(state.partition, config)
    meta = state.meta
    job.frontier, job.last_seen, job.expired_at = (
        meta["frontier"],
        meta["last_seen"],
        meta["expired_at"],
    )
    job.final_ids = deque((ts, eid) for ts, eid in meta["final_ids"])
    job.pending = [
        (ts, kind, key, None if kind == TIMER else _from_event(e))
        for ts, kind, key, e in meta["pending"]
    ]
    heapq.heapify(job.pending)
    job.seen = {eid: ts for ts, eid in job.final_ids}
    job.seen.update({key: ts for ts, kind, key, _ in job.pending if kind == EVENT})
    for day, source, touches, conversions in meta["conversions"]:
        job.attributor.counters[(day, source)] = [touches, conversions]
    for e in map(_from_event, meta["touches"]):
        job.attributor.order.append(e)
        job.attributor.touches.setdefault(e.user_id, deque()).append(e)
    for key, (count, users, revenue, orders, shown, changed) in state.windows:
        index, start, dim, value = json.loads(key)
        cells = job.windows.setdefault((index, start), {})
        cells[(dim, value)] = WindowMetrics(count, set(users), revenue, orders)
        if shown:
            keys = job.shown.setdefault((index, start), set())
            if changed:
                keys.add((dim, value))
    for uid, value in state.users:
        if "sessions" in value:
            us = UserSessions(
                config.session_gap, config.session_max, map(_from_event, value["sessions"])
            )
            job.sessions[uid] = us
            deadline = us.deadline()
            if deadline is not None:
                us.scheduled = deadline
                heapq.heappush(job.session_timers, (deadline, uid))
        if "alerts" in value:
            a = value["alerts"]
            job.alerts.users[uid] = UserAlertState(
                deque(a["recent"]),
                deque((ts, c, eid) for ts, c, eid in a["purchases"]),
                deque((ts, eid) for ts, eid in a["failures"]),
                [_from_event(e) for e in a["cart"]],
                a["cart_deadline"],
                dict(a["last_alert"]),
                a["last_ts"],
            )
        if "features" in value:
            job.features.users[uid] = deque(Session(*s) for s in value["features"])
    return job
