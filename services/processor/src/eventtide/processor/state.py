"""The checkpointed state of one partition: its rows, an immutable snapshot, a restore.

A partition's checkpoint is a set of ``(kind, key, JSON)`` rows, cut so that a batch
changes few of them (``checkpoint.py`` writes only those):

- ``partition``: the watermark frontier, the expiry clock and the next segment number;
- ``conversion`` per (day, source) conversion counter, written when it changes;
- ``window`` per open window (``index:start``): its cells and whether it was shown,
  followed by delta rows (``index:start:seq``) that each add what one batch changed
  (counts, the users new to a cell) and carry the window's shown state at that batch;
  a base window stays past its closing until it is merged into the derived ones;
- ``user`` per user with state: alert memory, feature history, and how many events
  at the start of its ``session`` rows left with closed sessions;
- ``session`` rows per user (``user:seq``), append-only: the events of its open
  sessions that became final in one batch (the others are in the ``pending``
  segments); a row goes once all its events left with closed sessions, so each event
  is written once however long its session grows;
- ``final``, ``touch``, ``pending`` segments: the events finalized (kept for
  deduplication), the touches kept for attribution and the events and cart timers not
  yet final, each segment holding what one batch added. A segment stays until all its
  entries are gone; ``restore`` drops the entries the job had already let go (they are
  recognisable by their time against the watermark), so a restored job equals the one
  that was checkpointed.

``snapshot(job)`` freezes a whole job (one segment of each kind); ``restore`` builds a
job that continues exactly where the checkpoint stopped.
"""

from __future__ import annotations

import heapq
import operator
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import orjson

from eventtide.processor.aggregates import WindowMetrics
from eventtide.processor.alerts import UserAlertState
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.job import DERIVED_CLOSE_DELAY, EVENT, TIMER, PartitionJob, WindowGroup
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


SEGMENTS = ("final", "touch", "pending")
"""Row kinds that hold one batch's additions each (see the module docstring)."""

PendingEntry = tuple[int, int, str, Event | None]


def dumps(value: Json) -> str:
    """Compact JSON text (the checkpoint table's ``value``)."""
    return orjson.dumps(value).decode()


def segment_key(seq: int) -> str:
    """Zero-padded, so keys sort in the order segments were written."""
    return f"{seq:012d}"


def window_key(group: WindowGroup) -> str:
    """``index:start`` of a window."""
    return f"{group[0]}:{group[1]}"


def meta_value(job: PartitionJob, seq: int) -> Json:
    """The ``partition`` row: small values that change every batch."""
    return {
        "frontier": job.frontier,
        "last_seen": job.last_seen,
        "expired_at": job.expired_at,
        "seq": seq,
    }


def conversion_key(day: int, source: str) -> str:
    """``day:source`` of a conversion counter's row."""
    return f"{day}:{source}"


def conversion_value(job: PartitionJob, day: int, source: str) -> Json:
    """One conversion counter: ``[day, source, touches, conversions]``.

    A row per counter, written when it changes: the counters only grow in number (a
    day per source), and rewriting them all in the ``partition`` row every batch cost
    about 17 KB per partition and batch.
    """
    return [day, source, *job.attributor.counters[(day, source)]]


def window_delta_key(group: WindowGroup, seq: int) -> str:
    """``index:start:seq`` of a window's delta row (after its full row in key order)."""
    return f"{group[0]}:{group[1]}:{segment_key(seq)}"


def window_value(job: PartitionJob, group: WindowGroup) -> Json:
    """One open window: its cells, whether it was shown and which cells changed since."""
    changed = job.shown.get(group)
    return {
        "shown": changed is not None,
        "cells": [
            [
                dim,
                value,
                m.count,
                list(m.users),
                m.revenue,
                m.orders,
                changed is not None and (dim, value) in changed,
            ]
            for (dim, value), m in job.windows[group].items()
        ],
    }


def user_segment_key(uid: str, seq: int) -> str:
    """``user:seq`` of one of a user's append-only rows (``session`` and ``recent``)."""
    return f"{uid}:{segment_key(seq)}"


def recent_value(times: Iterable[int]) -> Json:
    """A ``recent`` row: event times the alert rules look back over, in order, each
    after the first as its gap to the one before (shorter numbers than whole times)."""
    out: list[int] = []
    last = 0
    for ts in times:
        out.append(ts - last)
        last = ts
    return out


def recent_times(value: Json) -> list[int]:
    """A ``recent`` row's times back from ``recent_value``."""
    return list(accumulate(value))


def session_value(events: Iterable[Event]) -> Json:
    """A ``session`` row: final events of a user's open sessions, in time order."""
    return [_event(e) for e in events]


def final_session_events(job: PartitionJob, uid: str) -> list[Event]:
    """A user's open sessions' final events (the others are in the pending segments)."""
    us = job.sessions.get(uid)
    if us is None:
        return []
    watermark = job.watermark
    return [e for e in us.events if e.ts < watermark]


def user_value(job: PartitionJob, uid: str, skip: int = 0, recent_skip: int = 0) -> Json | None:
    """What is kept about one user besides its append-only rows; ``None`` when nothing
    is (its row goes).

    ``skip``: how many events at the start of the user's ``session`` rows left with
    closed sessions; ``recent_skip``: how many times at the start of its ``recent`` rows
    left the alert rules' memory. The times themselves are in the ``recent`` rows: kept
    here, a user active for the burst rule's hour rewrote thousands of them every batch.
    """
    value: dict[str, Json] = {}
    if skip:
        value["skip"] = skip
    st = job.alerts.users.get(uid)
    if st is not None:
        value["alerts"] = {
            "recent_skip": recent_skip,
            "purchases": [list(p) for p in st.purchases],
            "failures": [list(f) for f in st.failures],
            "cart": [_event(e) for e in st.cart],
            "cart_deadline": st.cart_deadline,
            "last_alert": st.last_alert,
            "last_ts": st.last_ts,
        }
    history = job.features.users.get(uid)
    if history is not None:
        value["features"] = [_session(s) for s in history]
    return value or None


def final_value(entries: Iterable[tuple[int, str]]) -> Json:
    """A ``final`` segment: ``[ts, event_id]`` pairs."""
    return [list(x) for x in entries]


def touch_value(events: Iterable[Event]) -> Json:
    """A ``touch`` segment: the touch events."""
    return [_event(e) for e in events]


def _pending_event(e: Event) -> Json:
    """An event of a pending entry, without the id and time the entry already holds.

    The ``pending`` segments hold every event until it is final, the largest kind of
    row by far; the two fields were a third of their bytes.
    """
    return [
        e.event_type,
        e.user_id,
        e.page,
        e.country,
        e.platform,
        e.referrer,
        e.amount_cents,
        [list(p) for p in e.products],
        e.touched,
        e.failed,
    ]


def _from_pending(ts: int, key: str, v: Json) -> Event:
    if len(v) == 12:  # written before entries left out the id and time
        return _from_event(v)
    etype, user, page, country, platform, referrer, amount, products, touched, failed = v
    return Event(
        key,
        etype,
        user,
        ts,
        page,
        country,
        platform,
        referrer,
        amount,
        tuple((p, c) for p, c in products),
        touched,
        failed,
    )


def pending_value(entries: Iterable[PendingEntry]) -> Json:
    """A ``pending`` segment: events and cart timers not yet final."""
    return [
        [ts, kind, key, None if e is None else _pending_event(e)] for ts, kind, key, e in entries
    ]


@dataclass(frozen=True, slots=True)
class PartitionSnapshot:
    """A partition's checkpoint rows as JSON-ready values, each kind sorted by key."""

    partition: int
    meta: Json
    windows: tuple[tuple[str, Json], ...]
    users: tuple[tuple[str, Json], ...]
    segments: tuple[tuple[str, str, Json], ...] = ()
    conversions: tuple[tuple[str, Json], ...] = ()
    sessions: tuple[tuple[str, Json], ...] = ()
    recents: tuple[tuple[str, Json], ...] = ()

    def to_rows(self) -> list[Row]:
        """``(kind, key, JSON text)`` rows for the checkpoint table."""
        rows: list[Row] = [("partition", "", dumps(self.meta))]
        rows.extend(("window", key, dumps(value)) for key, value in self.windows)
        rows.extend(("user", key, dumps(value)) for key, value in self.users)
        rows.extend((kind, key, dumps(value)) for kind, key, value in self.segments)
        rows.extend(("conversion", key, dumps(value)) for key, value in self.conversions)
        rows.extend(("session", key, dumps(value)) for key, value in self.sessions)
        rows.extend(("recent", key, dumps(value)) for key, value in self.recents)
        return rows

    @classmethod
    def from_rows(cls, partition: int, rows: Iterable[Row]) -> PartitionSnapshot:
        """The snapshot back from its rows."""
        meta: Json = None
        windows, users, segments, conversions, sessions, recents = [], [], [], [], [], []
        for kind, key, text in rows:
            value = orjson.loads(text)
            if kind == "partition":
                meta = value
            elif kind == "window":
                windows.append((key, value))
            elif kind == "user":
                users.append((key, value))
            elif kind == "conversion":
                conversions.append((key, value))
            elif kind == "session":
                sessions.append((key, value))
            elif kind == "recent":
                recents.append((key, value))
            else:
                segments.append((kind, key, value))
        return cls(
            partition,
            meta,
            tuple(sorted(windows)),
            tuple(sorted(users)),
            tuple(sorted(segments, key=operator.itemgetter(0, 1))),
            tuple(sorted(conversions)),
            tuple(sorted(sessions, key=lambda row: _user_segment_order(row[0]))),
            tuple(sorted(recents, key=lambda row: _user_segment_order(row[0]))),
        )


def snapshot(job: PartitionJob) -> PartitionSnapshot:
    """Freeze ``job`` whole (call between batches): one segment of each kind."""
    uids = set(job.sessions) | set(job.alerts.users) | set(job.features.users)
    users = [(uid, user_value(job, uid)) for uid in sorted(uids)]
    finals = [(uid, final_session_events(job, uid)) for uid in sorted(job.sessions)]
    key = segment_key(0)
    return PartitionSnapshot(
        job.partition,
        meta_value(job, 1),
        tuple(sorted((window_key(g), window_value(job, g)) for g in job.windows)),
        tuple((uid, value) for uid, value in users if value is not None),
        (
            ("final", key, final_value(job.final_ids)),
            ("pending", key, pending_value(job.pending)),
            ("touch", key, touch_value(job.attributor.order)),
        ),
        tuple(
            sorted(
                (conversion_key(day, source), conversion_value(job, day, source))
                for day, source in job.attributor.counters
            )
        ),
        tuple(
            (user_segment_key(uid, 0), session_value(events)) for uid, events in finals if events
        ),
        tuple(
            (user_segment_key(uid, 0), recent_value(st.recent))
            for uid, st in sorted(job.alerts.users.items())
            if st.recent
        ),
    )


def restore(state: PartitionSnapshot, config: ProcessorConfig) -> PartitionJob:
    """A job that goes on from ``state`` as the one that was checkpointed would have."""
    job = PartitionJob(state.partition, config)
    meta = state.meta
    job.frontier, job.last_seen, job.expired_at = (
        meta["frontier"],
        meta["last_seen"],
        meta["expired_at"],
    )
    watermark = job.watermark
    horizon = watermark - config.dedupe_horizon
    for kind, _key, value in state.segments:
        if kind == "final":
            job.final_ids.extend((ts, eid) for ts, eid in value if ts >= horizon)
        elif kind == "pending":
            job.pending.extend(
                (ts, k, key, None if k == TIMER else _from_pending(ts, key, e))
                for ts, k, key, e in value
                if ts >= watermark
            )
        else:
            for e in map(_from_event, value):
                job.attributor.order.append(e)
                job.attributor.touches.setdefault(e.user_id, deque()).append(e)
    heapq.heapify(job.pending)
    job.seen = {eid: ts for ts, eid in job.final_ids}
    job.seen.update({key: ts for ts, kind, key, _ in job.pending if kind == EVENT})
    for day, source, touches, conversions in (
        *meta.get("conversions", ()),  # checkpoints written before counters had rows
        *(value for _key, value in state.conversions),
    ):
        job.attributor.counters[(day, source)] = [touches, conversions]
    for key, value in sorted(state.windows, key=lambda row: _window_order(row[0])):
        index, start, *delta = map(int, key.split(":"))
        group = (index, start)
        if delta:
            _apply_window_delta(job, group, value)
            continue
        cells = job.windows[group] = {}
        keys = job.shown.setdefault(group, set()) if value["shown"] else None
        for dim, val, count, users, revenue, orders, changed in value["cells"]:
            cells[(dim, val)] = WindowMetrics(count, dict.fromkeys(users), revenue, orders)
            if keys is not None and changed:
                keys.add((dim, val))
    # a base window already closed is one whose merge into the derived windows was
    # still due (job.py, ``_emit_windows``): its results are out, the merge is not
    if job.derived:
        job.unmerged = {
            group
            for group in job.windows
            if group[0] == job.base and group[1] + job.base_size <= watermark
        }
        for group in job.unmerged:
            job.shown.pop(group, None)
    job.merged_through = watermark - DERIVED_CLOSE_DELAY  # as ``_emit_windows`` sets it
    # open sessions: a user row's final events and the user's pending (not final) ones
    session_events: dict[str, list[Event]] = {}
    if not config.windows_only:
        for entry in job.pending:
            event = entry[3]
            if entry[1] == EVENT and event is not None:
                session_events.setdefault(event.user_id, []).append(event)
    skips = {uid: value.get("skip", 0) for uid, value in state.users}
    stored: dict[str, list[Event]] = {}
    for key, value in state.sessions:  # in (user, seq) order
        stored.setdefault(_user_segment_order(key)[0], []).extend(map(_from_event, value))
    for uid, value in state.users:
        if "sessions" in value:  # written before session rows: every open-session event
            final = (e for e in map(_from_event, value["sessions"]) if e.ts < watermark)
            stored.setdefault(uid, []).extend(final)  # the others came from pending
    for uid, events in stored.items():
        session_events.setdefault(uid, []).extend(events[skips.get(uid, 0) :])
    for uid, events in session_events.items():
        if not events:
            continue  # its stored events all left with closed sessions
        us = UserSessions(config.session_gap, config.session_max, events)
        job.sessions[uid] = us
        deadline = us.deadline()
        if deadline is not None:
            us.scheduled = deadline
            heapq.heappush(job.session_timers, (deadline, uid))
    recents: dict[str, list[int]] = {}
    for key, value in state.recents:  # in (user, seq) order
        recents.setdefault(_user_segment_order(key)[0], []).extend(recent_times(value))
    for uid, value in state.users:
        if "alerts" in value:
            a = value["alerts"]
            if "recent" in a:  # written before ``recent`` rows: all of it here
                recent = deque(a["recent"])
            else:
                recent = deque(recents.get(uid, [])[a["recent_skip"] :])
            job.alerts.users[uid] = UserAlertState(
                recent,
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


def _window_order(key: str) -> tuple[int, int, int]:
    """A window's full row first, then its deltas in the order they were written."""
    index, start, *delta = map(int, key.split(":"))
    return (index, start, delta[0] if delta else -1)


def _apply_window_delta(job: PartitionJob, group: WindowGroup, value: Json) -> None:
    """Add one delta row (``checkpoint.py``) to the window its full row restored."""
    cells = job.windows[group]
    for dim, val, count, users, revenue, orders in value["cells"]:
        m = cells.get((dim, val))
        if m is None:
            m = cells[(dim, val)] = WindowMetrics()
        m.count += count
        m.users.update(dict.fromkeys(users))
        m.revenue += revenue
        m.orders += orders
    if value["shown"]:
        keys = job.shown.setdefault(group, set())
        keys.clear()
        keys.update((dim, val) for dim, val in value["changed"])
    else:
        job.shown.pop(group, None)


def _user_segment_order(key: str) -> tuple[str, int]:
    """A ``session`` or ``recent`` row's user and sequence number (user ids may hold
    colons)."""
    uid, seq = key.rsplit(":", 1)
    return (uid, int(seq))
