"""Session edge cases: bridging merge, the 24 h cap, midnight and time zones, one event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from eventtide.processor.config import DAY, MINUTE, SECOND
from eventtide.processor.model import Event, to_micros
from eventtide.processor.sessions import UserSessions, session_id, sessionize

pytestmark = pytest.mark.unit

GAP, CAP = 30 * MINUTE, DAY
T = to_micros(datetime(2025, 6, 1, 10, 0, tzinfo=UTC))


def ev(eid: str, ts: int, etype: str = "page_view", page: str = "/", cents: int = 0) -> Event:
    return Event(eid, etype, "u1", ts, page, "DE", "web", amount_cents=cents)


def test_a_user_with_one_event_has_one_session_of_zero_duration():
    s = UserSessions(GAP, CAP)
    assert s.insert(ev("a", T, page="/home")) == []
    (row,) = s.rows()
    assert (row.events, row.duration, row.entry_page, row.exit_page) == (1, 0, "/home", "/home")
    assert row.session_id == session_id("u1", ev("a", T))
    assert not row.converted


def test_a_bridging_event_merges_two_sessions_and_retracts_the_later():
    s = UserSessions(GAP, CAP)
    s.insert(ev("a", T))
    s.insert(ev("c", T + 40 * MINUTE))
    first, second = s.rows()
    gone = s.insert(ev("b", T + 20 * MINUTE))  # late, within 30 min of both
    assert gone == [second.session_id]
    (merged,) = s.rows()
    assert merged.session_id == first.session_id
    assert (merged.start, merged.end, merged.events) == (T, T + 40 * MINUTE, 3)


def test_a_late_event_before_the_first_re_keys_the_session():
    s = UserSessions(GAP, CAP)
    s.insert(ev("b", T))
    (old,) = s.rows()
    assert s.insert(ev("a", T - MINUTE)) == [old.session_id]
    assert s.rows()[0].session_id == session_id("u1", ev("a", T - MINUTE))


def test_the_gap_is_exclusive_exactly_30_minutes_stays_in_the_session():
    groups = sessionize([ev("a", T), ev("b", T + GAP), ev("c", T + 2 * GAP + 1)], GAP, CAP)
    assert [[e.event_id for e in g] for g in groups] == [["a", "b"], ["c"]]


def test_the_24_hour_cap_starts_a_new_session():
    """Active every 10 minutes for 30 hours: the first session holds 24 h of events."""
    events = [ev(f"e{i:03d}", T + i * 10 * MINUTE) for i in range(181)]
    s = UserSessions(GAP, CAP)
    for e in events:
        s.insert(e)
    first, second = s.rows()
    assert first.duration == DAY
    assert first.events == 145
    assert second.start == T + DAY + 10 * MINUTE
    assert second.events == 36


def test_the_cap_moves_when_a_late_event_changes_the_first_session():
    s = UserSessions(GAP, CAP)
    for i in range(1, 146):  # 10 min to 24 h 10 min: exactly 24 h long
        s.insert(ev(f"e{i:03d}", T + i * 10 * MINUTE))
    before = [r.start for r in s.rows()]
    s.insert(ev("e000", T))
    after = [r.start for r in s.rows()]
    assert before == [T + 10 * MINUTE]
    assert after == [T, T + DAY + 10 * MINUTE]


def test_midnight_and_time_zones_do_not_cut_sessions():
    berlin = timezone(timedelta(hours=2))
    a = to_micros(datetime(2025, 6, 1, 23, 59, 59, tzinfo=berlin))
    b = to_micros(datetime(2025, 6, 2, 0, 0, 1, tzinfo=berlin))
    c = to_micros(datetime(2025, 6, 1, 22, 20, 0, tzinfo=UTC))  # 00:20 in Berlin
    assert b - a == 2 * SECOND
    s = UserSessions(GAP, CAP)
    for e in (ev("a", a), ev("b", b), ev("c", c)):
        s.insert(e)
    (row,) = s.rows()
    assert row.events == 3


def test_fields_and_closing():
    s = UserSessions(GAP, CAP)
    s.insert(ev("a", T, page="/in"))
    s.insert(ev("b", T + MINUTE, etype="purchase", page="/done", cents=1250))
    s.insert(ev("c", T + 2 * GAP, page="/next"))
    assert s.close(T + MINUTE + GAP) == []  # not beyond end + gap yet
    (closed,) = s.close(T + MINUTE + GAP + 1)
    assert (closed.entry_page, closed.exit_page, closed.page_views) == ("/in", "/done", 1)
    assert (closed.converted, closed.revenue_cents, closed.duration) == (True, 1250, MINUTE)
    assert [r.events for r in s.rows()] == [1]
    assert [e.event_id for e in s.events] == ["c"]
