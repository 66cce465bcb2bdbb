"""Sessions per user: PostHog's rule (30 min of inactivity or 24 h at most) over event time.

A user's sessions are a function of their accepted events in ``(ts, event_id)`` order
(``sessionize``). ``UserSessions`` keeps that function true while events arrive in any
order: an event after the last one extends or starts a session in O(1); any other event
is inserted and the open sessions are recomputed, which is how a bridging event merges
two sessions and how the 24 h cap moves. Ids that disappear are returned for retraction.
Closed sessions (``end + gap`` below the watermark) can no longer change and leave state.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from eventtide.processor.model import Event

SESSION_NAMESPACE: Final = uuid.UUID("6f1c9a4e-3b57-4d1e-9a2e-5c0b7d8e1f20")


def session_id(user_id: str, first: Event) -> str:
    """Stable id: the user and the session's first event (time and id)."""
    return str(uuid.uuid5(SESSION_NAMESPACE, f"{user_id}|{first.ts}|{first.event_id}"))


def starts_new(first: Event, last: Event, event: Event, gap: int, cap: int) -> bool:
    """Whether ``event`` (next in order after ``last``) starts a new session."""
    return event.ts - last.ts > gap or event.ts - first.ts > cap


def sessionize(events: Sequence[Event], gap: int, cap: int) -> list[list[Event]]:
    """Cut events already in ``(ts, event_id)`` order into sessions."""
    groups: list[list[Event]] = []
    for event in events:
        if groups:
            current = groups[-1]
            if not starts_new(current[0], current[-1], event, gap, cap):
                current.append(event)
                continue
        groups.append([event])
    return groups


@dataclass(frozen=True, slots=True)
class Session:
    """One session's row (docs/processor.md, Sessions)."""

    session_id: str
    user_id: str
    start: int
    end: int
    events: int
    page_views: int
    entry_page: str
    exit_page: str
    converted: bool
    revenue_cents: int
    purchases: int

    @property
    def duration(self) -> int:
        """``end - start`` in microseconds (0 for a one-event session)."""
        return self.end - self.start


class _Acc:
    """A session being built: its first and last event and running sums."""

    __slots__ = ("events", "first", "last", "page_views", "purchases", "revenue", "sid")

    def __init__(self, first: Event) -> None:
        self.first = first
        self.last = first
        self.sid = session_id(first.user_id, first)
        self.events = 0
        self.page_views = 0
        self.purchases = 0
        self.revenue = 0
        self.add(first)

    def add(self, event: Event) -> None:
        self.last = event
        self.events += 1
        etype = event.event_type
        if etype == "page_view":
            self.page_views += 1
        elif etype == "purchase":
            self.purchases += 1
            self.revenue += event.amount_cents

    def row(self) -> Session:
        first, last = self.first, self.last
        return Session(
            self.sid,
            first.user_id,
            first.ts,
            last.ts,
            self.events,
            self.page_views,
            first.page,
            last.page,
            self.purchases > 0,
            self.revenue,
            self.purchases,
        )


def _key(event: Event) -> tuple[int, str]:
    return (event.ts, event.event_id)


class UserSessions:
    """A user's open sessions and their events, mutable inside a batch."""

    __slots__ = ("cap", "dropped", "events", "gap", "keys", "scheduled", "sessions")

    def __init__(self, gap: int, cap: int, events: Iterable[Event] = ()) -> None:
        self.gap = gap
        self.cap = cap
        self.events: list[Event] = sorted(events, key=_key)
        self.keys: list[tuple[int, str]] = [_key(e) for e in self.events]
        self.sessions: list[_Acc] = []
        self.scheduled: int | None = None
        self.dropped = 0
        """Events removed with closed sessions so far (the checkpoint's rows follow it)."""
        self._rebuild()

    def _rebuild(self) -> None:
        sessions: list[_Acc] = []
        gap, cap = self.gap, self.cap
        for event in self.events:
            if sessions:
                acc = sessions[-1]
                if not starts_new(acc.first, acc.last, event, gap, cap):
                    acc.add(event)
                    continue
            sessions.append(_Acc(event))
        self.sessions = sessions

    def insert(self, event: Event) -> list[str]:
        """Add an accepted event; returns the ids of sessions it made disappear."""
        key = (event.ts, event.event_id)
        keys = self.keys
        if not keys or key > keys[-1]:
            keys.append(key)
            self.events.append(event)
            sessions = self.sessions
            if sessions:
                acc = sessions[-1]
                if not starts_new(acc.first, acc.last, event, self.gap, self.cap):
                    acc.add(event)
                    return []
            sessions.append(_Acc(event))
            return []
        at = bisect.bisect_left(keys, key)
        keys.insert(at, key)
        self.events.insert(at, event)
        before = {acc.sid for acc in self.sessions}
        self._rebuild()
        after = {acc.sid for acc in self.sessions}
        return sorted(before - after)

    def rows(self) -> list[Session]:
        """The open sessions as rows, in time order."""
        return [acc.row() for acc in self.sessions]

    def deadline(self) -> int | None:
        """When the first open session may close: its end plus the gap."""
        return self.sessions[0].last.ts + self.gap if self.sessions else None

    def close(self, watermark: int) -> list[Session]:
        """Remove and return the sessions that are final (``watermark > end + gap``)."""
        closed: list[Session] = []
        sessions = self.sessions
        while sessions and watermark > sessions[0].last.ts + self.gap:
            acc = sessions.pop(0)
            closed.append(acc.row())
        if closed:
            drop = sum(row.events for row in closed)
            del self.events[:drop]
            del self.keys[:drop]
            self.dropped += drop
        return closed
