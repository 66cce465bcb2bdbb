"""A partition stopped between batches and restored from its JSON rows goes on identically.

This is the pure half of "a replica that takes over a partition resumes from its
checkpoint": the wiring stores exactly these rows with the batch's outputs and offsets.
"""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import CONFIG, event_streams
from streaming import Tables

from eventtide.processor.checkpoint import Checkpointer
from eventtide.processor.job import PartitionJob
from eventtide.processor.model import Event
from eventtide.processor.state import PartitionSnapshot, _event, restore, snapshot

pytestmark = pytest.mark.unit


def _run(events, stops: set[int], size: int, compact_after: int = 64, fanout: int = 8) -> Tables:
    """Checkpoint changes applied to a dict as the wiring applies them to its table;
    at each stop the job is rebuilt from that dict alone. A small ``compact_after``
    mixes windows' full rows and delta rows; a small ``fanout`` merges users' rows often."""
    tables, stored = Tables(), {}
    job, checkpoint = PartitionJob(0, CONFIG), Checkpointer(0, compact_after, fanout, fanout)
    for n, offset in enumerate(range(0, len(events), size)):
        batch = list(enumerate(events[offset : offset + size], start=offset))
        tables.apply(0, job.process(batch, now=offset))
        change = checkpoint.changes(job)
        for key in change.deletes:
            stored.pop(key, None)
        stored.update({(kind, key): text for kind, key, text in change.upserts})
        if n in stops:
            rows = [(kind, key, text) for (kind, key), text in stored.items()]
            state = PartitionSnapshot.from_rows(0, rows)
            job = restore(state, CONFIG)
            checkpoint = Checkpointer.restored(state, job, compact_after, fanout, fanout)
            if n % 2:  # a whole snapshot restores the same job
                job = restore(PartitionSnapshot.from_rows(0, snapshot(job).to_rows()), CONFIG)
                checkpoint = Checkpointer.restored(
                    snapshot(job), job, compact_after, fanout, fanout
                )
                stored = {(kind, key): text for kind, key, text in snapshot(job).to_rows()}
    tables.apply(0, job.flush())
    return tables


@settings(max_examples=30, deadline=None)
@given(event_streams(), st.sets(st.integers(0, 60), max_size=30), st.integers(1, 9), st.randoms())
def test_restored_job_continues_like_the_uninterrupted_one(events, stops, size, rnd):
    keyed = [(e.ts + rnd.randrange(CONFIG.allowed_lateness), rnd.random(), e) for e in events]
    delivery = [e for *_, e in sorted(keyed, key=lambda k: (k[0], k[1]))]
    once, twice = (
        _run(delivery, set(), size),
        _run(delivery, stops, size, compact_after=2, fanout=2),
    )
    assert once.result() == twice.result()
    assert (once.late, once.duplicates) == (twice.late, twice.duplicates)


@settings(max_examples=10, deadline=None)
@given(event_streams())
def test_a_snapshot_survives_its_json_rows_unchanged(events):
    job = PartitionJob(3, CONFIG)
    job.process(list(enumerate(events)), now=0)
    state = snapshot(job)
    pending = [value for kind, _key, value in state.segments if kind == "pending"]
    assert state.users or pending[0]  # open sessions' events: final ones or pending
    assert PartitionSnapshot.from_rows(3, state.to_rows()) == state


def test_touches_cart_and_alert_memory_survive_a_restore():
    """A touch and a cart read before the stop still count after it."""
    s = 1_000_000
    t0 = 1_748_736_000 * s
    before = [
        Event(
            "a",
            "page_view",
            "u",
            t0,
            "/product/p1",
            "DE",
            "web",
            "https://ref.example/",
            touched="p1",
        ),
        Event(
            "b",
            "add_to_cart",
            "u",
            t0 + 60 * s,
            "/product/p1",
            "DE",
            "web",
            products=(("p1", 900),),
        ),
    ]
    after = [
        Event(
            "c",
            "purchase",
            "u",
            t0 + 120 * s,
            "/checkout",
            "DE",
            "web",
            amount_cents=900,
            products=(("p1", 900),),
        ),
        Event("d", "page_view", "v", t0 + 3600 * s, "/", "DE", "web"),
    ]
    job = PartitionJob(0, CONFIG)
    job.process(list(enumerate(before)), now=0)
    job.process([(2, Event("x", "page_view", "v", t0 + 100 * s, "/", "DE", "web"))], now=1)
    job = restore(PartitionSnapshot.from_rows(0, snapshot(job).to_rows()), CONFIG)
    out = job.process(list(enumerate(after, start=3)), now=2)
    last = [a for a in out.attributions if a.model == "last_touch"]
    assert [(a.touch_event_id, a.source) for a in last] == [("a", "https://ref.example/")]
    assert out.carts == []  # the purchase emptied the restored cart


@settings(max_examples=5, deadline=None)
@given(event_streams())
def test_pending_events_in_the_earlier_full_form_restore_the_same(events):
    """Checkpoints written before pending entries left out each event's id and time."""
    job = PartitionJob(0, CONFIG)
    job.process(list(enumerate(events)), now=0)
    state = snapshot(job)
    full = [[ts, k, key, None if e is None else _event(e)] for ts, k, key, e in job.pending]
    earlier = dataclasses.replace(
        state,
        segments=tuple(
            (kind, key, full if kind == "pending" else value) for kind, key, value in state.segments
        ),
    )
    assert snapshot(restore(earlier, CONFIG)) == snapshot(restore(state, CONFIG))


@pytest.mark.parametrize("fanout", [8, 2])
@pytest.mark.parametrize("size", [3, 4])
def test_a_session_row_across_a_capped_session_and_the_next_restores_exactly(size, fanout):
    """A user's stored events can span a session cut by the cap (2 h here) and the next
    one; once the first closes, a restore must skip its events in that row (batches of
    3). With batches of 4 the first session's tail closes before it was ever stored.
    With ``fanout`` 2 the user's rows also merge two by two."""
    m = 60 * 1_000_000
    t0 = 1_748_736_000 * 1_000_000
    events = [Event(f"u{i}", "page_view", "u", t0 + 5 * i * m, "/", "DE", "web") for i in range(34)]
    stops = set(range(len(events) // size + 1))
    once, twice = _run(events, set(), size), _run(events, stops, size, fanout=fanout)
    assert len(once.result().sessions) == 2
    assert once.result() == twice.result()


@settings(max_examples=5, deadline=None)
@given(event_streams())
def test_user_rows_in_the_earlier_form_restore_the_same(events):
    """Checkpoints written before ``session`` rows kept every event of a user's open
    sessions, pending ones too, in its ``user`` row."""
    job = PartitionJob(0, CONFIG)
    job.process(list(enumerate(events[: len(events) // 2])), now=0)
    state = snapshot(job)
    users = dict(state.users)
    for uid, sessions in job.sessions.items():
        users[uid] = {**users.get(uid, {}), "sessions": [_event(e) for e in sessions.events]}
    earlier = dataclasses.replace(state, users=tuple(sorted(users.items())), sessions=())
    old, new = restore(earlier, CONFIG), restore(state, CONFIG)
    assert snapshot(old) == snapshot(new)
    assert {u: s.events for u, s in old.sessions.items()} == {
        u: s.events for u, s in new.sessions.items()
    }


@pytest.mark.parametrize("size", [1, 3, 4])
def test_alert_memory_rows_restore_exactly_while_times_leave_and_rows_compact(size):
    """The alert rules' times are append-only ``recent`` rows: times leave from the front
    once older than the rules look back (11 minutes in the test config), rows go once all
    theirs have left, and rows of one tier merge ``fanout`` at a time. A job restored at
    every batch holds the same times as one never stopped, and what is stored stays
    bounded by the user's memory, not by how long the user has been active."""
    t0 = 1_748_736_000 * 1_000_000
    s = 1_000_000
    events = [
        Event(f"e{i}", "page_view", "u", t0 + 20 * s * i, "/", "DE", "web") for i in range(200)
    ]
    fanout = 2
    straight = PartitionJob(0, CONFIG)
    job, checkpoint, stored = PartitionJob(0, CONFIG), Checkpointer(0, 64, fanout, fanout), {}
    for offset in range(0, len(events), size):
        batch = list(enumerate(events[offset : offset + size], start=offset))
        straight.process(batch, now=offset)
        job.process(batch, now=offset)
        change = checkpoint.changes(job)
        for key in change.deletes:
            stored.pop(key, None)
        stored.update({(kind, key): text for kind, key, text in change.upserts})
        state = PartitionSnapshot.from_rows(0, [(k, key, t) for (k, key), t in stored.items()])
        job = restore(state, CONFIG)
        checkpoint = Checkpointer.restored(state, job, 64, fanout, fanout)
        want = _recent(straight)
        assert _recent(job) == want
        rows = [orjson.loads(text) for (kind, _key), text in stored.items() if kind == "recent"]
        assert len(rows) <= 2 * len(want).bit_length()  # about fanout - 1 per tier
        assert sum(map(len, rows)) <= 2 * len(want) + size
    assert straight.alerts.users["u"].dropped > 150  # times did leave


def _recent(job: PartitionJob) -> list[int]:
    found = job.alerts.users.get("u")
    return [] if found is None else list(found.recent)


@settings(max_examples=5, deadline=None)
@given(event_streams())
def test_alert_times_in_the_earlier_user_row_form_restore_the_same(events):
    """Checkpoints written before ``recent`` rows kept the alert rules' times in the
    user's row."""
    job = PartitionJob(0, CONFIG)
    job.process(list(enumerate(events)), now=0)
    state = snapshot(job)
    users = dict(state.users)
    for uid, alert_state in job.alerts.users.items():
        alerts = {k: v for k, v in users[uid]["alerts"].items() if k != "recent_skip"}
        users[uid] = {**users[uid], "alerts": {**alerts, "recent": list(alert_state.recent)}}
    earlier = dataclasses.replace(state, users=tuple(sorted(users.items())), recents=())
    assert snapshot(restore(earlier, CONFIG)) == snapshot(restore(state, CONFIG))
