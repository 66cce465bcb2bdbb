"""The live behaviour detector's step: batch-invariant, restartable, late events dropped,
features identical to training's, alerts with stable ids."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from typing import Any

import numpy as np
import orjson
import pytest

from eventtide.core.db.behaviour import StoredPartition, segment_hop, segments_after
from eventtide.ml.behave_alerts import (
    alert_id,
    alert_rows,
    episode_rows,
    open_episodes,
    opened_episodes,
    watermark_s,
)
from eventtide.ml.behave_checkpoint import COMPACT_AT, restore, take_change
from eventtide.ml.behave_state import (
    CODES,
    UNKNOWN_KEY,
    US,
    ClosedWindow,
    LiveEvent,
    OpenWindow,
    PartitionState,
    advance,
    closed_log,
    id_key,
    split_user_key,
)
from eventtide.ml.behaviour_model import fit_behaviour, hopping_windows, window_features
from eventtide.ml.features import behaviour_features
from eventtide.ml.history import EventLog

pytestmark = pytest.mark.unit

HOUR_US = 3_600 * US
LATENESS_US = 10 * US


class _Rows:
    """A partition's checkpoint rows as ``core.db.behaviour`` keeps them: the header
    replaced, the new segments added, the segments of the hops let go deleted, and
    those of a compacted hop numbered below its new one."""

    def __init__(self, compact_at: int = COMPACT_AT) -> None:
        self.header = ""
        self.segments: dict[str, str] = {}
        self.compact_at = compact_at
        self.most_a_hop = 0
        """The most segments any hop held after a checkpoint."""

    def restarted(self, state: PartitionState) -> PartitionState:
        """Checkpoint ``state`` here, then load it back as a restart would."""
        change = take_change(state, self.compact_at)
        self.header = change.header
        self.segments = segments_after(self.segments, change.segments, change)
        hops = Counter(segment_hop(key) for key in self.segments)
        self.most_a_hop = max(self.most_a_hop, *hops.values(), 0)
        # rows come back in no particular order: here, the reverse of their keys'
        return restore(StoredPartition(self.header, dict(sorted(self.segments.items())[::-1])))


def _restarted_between_batches(
    events: list[LiveEvent], seed: int, cuts: int, window_us: int, hop_us: int
) -> tuple[list[ClosedWindow], PartitionState, _Rows]:
    """``events`` in batches cut at ``cuts`` random places, the state checkpointed and
    restored after each: the windows closed, the last state, its rows."""
    rng = np.random.default_rng(seed)
    at = sorted(rng.choice(np.arange(1, len(events)), size=cuts, replace=False).tolist())
    state, closed, rows = PartitionState(), [], _Rows()
    for lo, hi in zip([0, *at], [*at, len(events)], strict=True):
        closed += advance(state, events[lo:hi], window_us, LATENESS_US, hop_us)
        state = rows.restarted(state)
    return closed, state, rows


_KEYS = itertools.count(1)


def _event(user: str, at_us: int, name: str) -> LiveEvent:
    """An event with an id of its own."""
    return LiveEvent(user, at_us, name, next(_KEYS))


def _stream(seed: int = 4, hours: int = 6, disorder_s: int = 5) -> list[LiveEvent]:
    """Humans in sessions, one bot clicking every second in hour 2; out of order by up
    to ``disorder_s``."""
    rng = np.random.default_rng(seed)
    events = []
    for user in range(12):
        at = float(rng.uniform(0, 600))
        while at < hours * 3_600:
            name = str(rng.choice(["page_view", "click", "purchase"], p=[0.7, 0.25, 0.05]))
            events.append(_event(f"u{user}", round(at * US), name))
            at += float(rng.exponential(300.0))
    events += [_event("bot", (2 * 3_600 + 60 + s) * US, "page_view") for s in range(300)]
    events.sort(key=lambda e: e.at_us + int(rng.integers(0, disorder_s * US)))
    return events


def _all_at_once(events: list[LiveEvent]) -> tuple[list[ClosedWindow], PartitionState]:
    state = PartitionState()
    return advance(state, events, HOUR_US, LATENESS_US), state


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_batching_with_restarts_closes_the_same_windows(seed: int) -> None:
    events = _stream(disorder_s=120)  # beyond the lateness: some events are late
    expected, end = _all_at_once(events)
    assert end.late > 0
    closed, state, _ = _restarted_between_batches(events, seed, 12, HOUR_US, HOUR_US)
    assert closed == expected
    assert state == end
    assert [w.start_us for w in expected] == sorted(w.start_us for w in expected)
    assert {w.start_us // HOUR_US for w in expected} == {0, 1, 2, 3, 4}  # hour 5 is still open


def test_an_event_for_a_window_the_watermark_closed_is_late_and_left_out() -> None:
    state = PartitionState()
    first = [_event("a", 10 * US, "click"), _event("a", HOUR_US + 11 * US, "click")]
    closed = advance(state, first, HOUR_US, LATENESS_US)
    assert [(w.user, w.start_us, w.times) for w in closed] == [("a", 0, (10 * US,))]
    assert advance(state, [_event("a", 20 * US, "click")], HOUR_US, LATENESS_US) == []
    assert state.late == 1
    # within the lateness the window was still open: no loss
    state = PartitionState()
    advance(state, [_event("a", HOUR_US + 5 * US, "click")], HOUR_US, LATENESS_US)
    advance(state, [_event("a", 20 * US, "purchase")], HOUR_US, LATENESS_US)
    assert state.late == 0
    assert "a\x1f0" in state.open


def test_closed_windows_have_exactly_the_features_training_computes() -> None:
    events = _stream()
    closed, _ = _all_at_once(events)
    live = behaviour_features(closed_log(closed))
    starts = {w.start_us for w in closed}
    kept = [e for e in events if e.at_us - e.at_us % HOUR_US in starts]
    log = EventLog.from_rows((e.user, e.at_us / US, e.name, 0.0) for e in kept)
    offline = window_features(log, 3_600.0)
    live_rows = {
        (str(k).split("\x1f")[0], int(str(k).split("\x1f")[1]) // US): v
        for k, v in zip(live.users, live.values, strict=True)
    }
    offline_rows = {
        (u, int(s)): v
        for u, s, v in zip(offline.users, offline.starts, offline.table.values, strict=True)
    }
    assert live_rows.keys() == offline_rows.keys()
    for key, values in live_rows.items():
        assert np.allclose(values, offline_rows[key]), key


def test_flagged_windows_become_alerts_with_ids_fixed_by_user_and_window() -> None:
    events = _stream()
    closed, _ = _all_at_once(events)
    train = window_features(
        EventLog.from_rows((e.user, e.at_us / US, e.name, 0.0) for e in _stream(seed=9, hours=48)),
        3_600.0,
    )
    model = fit_behaviour(train.table, 3_600.0, trees=50)
    rows = alert_rows(closed, model, version=3)
    assert rows == alert_rows(closed, model, version=3)
    flagged = {(r["user_id"], r["at"]) for r in rows}
    assert ("bot", 2 * HOUR_US) in flagged
    assert len(flagged) <= 3
    bot = next(r for r in rows if r["user_id"] == "bot")
    assert bot["alert_id"] == alert_id("bot", 2 * HOUR_US)
    assert bot["evidence"]["events"] == 300
    assert bot["evidence"]["window_end"] == 3 * HOUR_US
    assert bot["evidence"]["score"] > bot["evidence"]["threshold"]
    assert bot["evidence"]["model_version"] == 3


def test_an_events_v1_record_is_read_for_what_the_features_need() -> None:
    from eventtide.ml.behave import SKIPPED, parse_event

    event_id = "0b6f3c1e-8d52-4a8e-9c1a-6f0e5d4c3b2a"
    record = {"event_id": event_id, "event_type": "purchase", "user_id": "u1",
              "occurred_at": "2025-03-03T10:00:00.5Z"}  # fmt: skip
    key = uuid.UUID(event_id).int % (2**61 - 1)
    assert parse_event(orjson.dumps(record)) == LiveEvent(
        "u1", 1_740_996_000_500_000, "purchase", key
    )
    # the same id in capitals is the same event, as storage's uuid column has it
    upper = parse_event(orjson.dumps(record | {"event_id": event_id.upper()}))
    assert isinstance(upper, LiveEvent)
    assert upper.key == key == id_key("{" + event_id + "}")
    for made in [uuid.uuid1() for _ in range(50)] + [uuid.uuid4() for _ in range(50)]:
        expected = made.int % (2**61 - 1)
        assert id_key(str(made)) == id_key(str(made).upper()) == id_key(made.urn) == expected
    assert parse_event(orjson.dumps(record | {"event_type": "identify"})) == SKIPPED
    assert parse_event(b"not json") is None
    assert parse_event(orjson.dumps(record | {"occurred_at": "2025-03-03T10:00:00"})) is None
    assert parse_event(orjson.dumps({"event_type": "click"})) is None
    assert parse_event(None) is None
    # an id storage would refuse: not an event, so not judged either
    for bad in ("not-a-uuid", 7, None):
        assert parse_event(orjson.dumps(record | {"event_id": bad})) is None
    assert parse_event(orjson.dumps({k: v for k, v in record.items() if k != "event_id"})) is None


DAY_US = 24 * HOUR_US


def _days_stream(days: int = 3) -> list[LiveEvent]:
    """Humans over several days, a bot clicking every second for five minutes each hour
    of the second day; in order within the lateness."""
    events = _stream(seed=5, hours=days * 24, disorder_s=5)
    bot = [
        _event("bot", (24 * 3_600 + h * 3_600 + 60 + s) * US, "page_view")
        for h in range(24)
        for s in range(300)
    ]
    return sorted(events + bot, key=lambda e: e.at_us)


def _with_repeats(events: list[LiveEvent], seed: int) -> tuple[list[LiveEvent], int]:
    """The stream with every 20th event sent again one to three events later
    (a retry), a tenth of the copies stamped a minute later (a client that re-stamps a
    retry); and how many copies."""
    rng = np.random.default_rng(seed)
    out = list(events)
    copies = 0
    for index in range(0, len(events), 20):
        copy = events[index]
        if copies % 10 == 9:
            copy = copy._replace(at_us=copy.at_us + 60 * US)
        out.insert(min(len(out), index + copies + int(rng.integers(1, 4))), copy)
        copies += 1
    return out, copies


def _held_keys(state: PartitionState) -> set[int]:
    return {key for pane in state.open.values() for key in pane.keys}


@pytest.mark.parametrize("seed", [0, 1])
def test_a_repeated_event_id_is_dropped_however_the_batches_are_cut(seed: int) -> None:
    """Storage keeps one row per ``event_id``; the windows judged hold each event once,
    across restarts from the checkpoint too."""
    events = _days_stream()
    unique = PartitionState()
    expected = advance(unique, events, DAY_US, LATENESS_US, HOUR_US)
    repeated, copies = _with_repeats(events, seed)
    closed, state, _ = _restarted_between_batches(repeated, seed, 20, DAY_US, HOUR_US)
    assert closed == expected
    # each copy is dropped once: as a repeat, or as late when its pane had closed
    assert state.repeats > copies // 2, (state.repeats, state.late, unique.late, copies)
    assert state.repeats + state.late == copies + unique.late
    whole = PartitionState()
    assert advance(whole, repeated, DAY_US, LATENESS_US, HOUR_US) == expected
    # the ids held are those of the panes held: let go with them, never kept forever
    assert whole.held == _held_keys(whole) == _held_keys(state)
    assert len(whole.held) == sum(len(p.times) for p in whole.open.values())


@pytest.mark.parametrize("compact_at", [1, 3])
def test_small_batches_compact_a_hops_segments(compact_at: int) -> None:
    """A live stream cuts a batch every half second: a hop's segments are rewritten as
    one once they reach the threshold, and the state read back is the same."""
    events = _stream(hours=4)
    whole = PartitionState()
    expected = advance(whole, events, HOUR_US, LATENESS_US)
    state, closed, rows = PartitionState(), [], _Rows(compact_at)
    for lo in range(0, len(events), 2):
        closed += advance(state, events[lo : lo + 2], HOUR_US, LATENESS_US)
        state = rows.restarted(state)
    assert closed == expected
    assert state == whole
    assert rows.most_a_hop == compact_at
    assert len(rows.segments) <= 2 * compact_at  # the open hop and the one closing


def test_a_checkpoint_of_one_document_still_loads() -> None:
    """A checkpoint written before segments (and id keys): the panes and counts come
    back, the events in them are not known by id (their repeats pass), and the next
    checkpoint writes every pane as segments."""
    old = {"frontier_us": 20 * US, "late": 2, "episodes": {},
           "open": {"a\x1f0": [[10 * US, 20 * US], "vo"], "b\x1f0": [[15 * US], "p"]}}  # fmt: skip
    state = restore(StoredPartition(orjson.dumps(old).decode()))
    assert (state.late, state.repeats, state.held) == (2, 0, set())
    assert state.open["a\x1f0"].times == [10 * US, 20 * US]
    new = _event("a", 30 * US, "click")
    advance(state, [new, new], HOUR_US, LATENESS_US)
    assert state.repeats == 1
    rows = _Rows()
    again = rows.restarted(state)
    assert {segment_hop(k) for k in rows.segments} == {0}
    assert "open" not in orjson.loads(rows.header)
    unknown = [UNKNOWN_KEY, UNKNOWN_KEY]
    assert again.open["a\x1f0"] == OpenWindow([10 * US, 20 * US, 30 * US], list("voo"),
                                              [*unknown, new.key])  # fmt: skip
    assert again.open["b\x1f0"] == OpenWindow([15 * US], ["p"], [UNKNOWN_KEY])
    assert again.held == {new.key}
    assert again == state


def test_a_batch_writes_the_events_it_added_not_the_state() -> None:
    """What a checkpoint writes grows with the batch, not with the day of events held:
    one segment per hop the batch's events fell in, with those events alone."""
    events = _days_stream()
    state = PartitionState()
    advance(state, events[:-1], DAY_US, LATENESS_US, HOUR_US)
    whole = take_change(state)
    assert {segment_hop(k) for k in whole.segments} == {split_user_key(k)[1] for k in state.open}
    assert len(whole.segments) >= 24  # a day of hours
    last = events[-1]
    advance(state, [last], DAY_US, LATENESS_US, HOUR_US)
    change = take_change(state)
    (segment,) = change.segments.values()
    users = orjson.loads(segment)
    assert list(users) == [last.user]
    # the one event alone, nothing the pane held before it
    assert users[last.user][1] == CODES.get(last.name, "o")
    written = len(change.header) + len(segment)
    assert written * 20 < len(whole.header) + sum(len(v) for v in whole.segments.values())
    assert take_change(state).segments == {}  # nothing since


@pytest.mark.parametrize("seed", [0, 1])
def test_hopping_windows_are_batch_invariant_and_let_old_panes_go(seed: int) -> None:
    events = _days_stream()
    whole = PartitionState()
    expected = advance(whole, events, DAY_US, LATENESS_US, HOUR_US)
    closed, state, rows = _restarted_between_batches(events, seed, 20, DAY_US, HOUR_US)
    assert closed == expected
    assert state == whole
    # the rows hold the hops held: the segments of those let go were deleted
    assert {segment_hop(k) for k in rows.segments} == {split_user_key(k)[1] for k in whole.open}
    # every window ends at an hour and spans a day; only the last day's panes are kept
    assert all((w.start_us + DAY_US) % HOUR_US == 0 for w in expected)
    assert whole.frontier_us is not None
    watermark = whole.frontier_us - LATENESS_US
    kept = [int(k.rsplit("\x1f", 1)[1]) for k in whole.open]
    assert kept
    assert min(kept) + DAY_US > watermark


def test_hopping_windows_have_exactly_the_features_training_computes() -> None:
    events = _days_stream()
    closed = advance(PartitionState(), events, DAY_US, LATENESS_US, HOUR_US)
    live = behaviour_features(closed_log(closed))
    last_end = max(w.start_us for w in closed) + DAY_US
    log = EventLog.from_rows(
        (e.user, e.at_us / US, e.name, 0.0) for e in events if e.at_us < last_end
    )
    offline = hopping_windows(log, 86_400.0, 3_600.0)
    offline_rows = {
        (u, round(s * US)): v
        for u, s, v in zip(offline.users, offline.starts, offline.table.values, strict=True)
    }
    live_rows = {
        (str(k).split("\x1f")[0], int(str(k).split("\x1f")[1])): v
        for k, v in zip(live.users, live.values, strict=True)
    }
    assert live_rows.keys() == offline_rows.keys()
    for key, values in live_rows.items():
        assert np.allclose(values, offline_rows[key]), key


def _flag(user: str, start_us: int, window_us: int, severity: str = "medium") -> dict[str, Any]:
    return {"alert_id": alert_id(user, start_us), "user_id": user, "severity": severity,
            "at": start_us, "evidence": {"window_start": start_us,
                                         "window_end": start_us + window_us}}  # fmt: skip


def test_overlapping_flagged_windows_grow_one_alert_and_tumbling_ones_do_not() -> None:
    state = PartitionState(frontier_us=30 * HOUR_US)
    first = 5 * HOUR_US - DAY_US
    hourly = [_flag("bot", h * HOUR_US - DAY_US, DAY_US) for h in range(5, 9)]
    hourly[2]["severity"] = "high"
    rows = episode_rows(state, hourly, DAY_US, LATENESS_US)
    # one alert per batch in its latest form: the first window's id and start, the
    # highest severity so far, the span and count of its windows
    assert len(rows) == 1
    (row,) = rows
    assert row["alert_id"] == alert_id("bot", first)
    assert row["at"] == first
    assert row["severity"] == "high"
    assert row["evidence"]["window_start"] == 8 * HOUR_US - DAY_US
    assert row["evidence"]["episode"] == {"start": first, "end": 8 * HOUR_US, "windows": 4}
    # the next batch grows the same alert, from the state alone
    state = _Rows().restarted(state)
    (grown,) = episode_rows(state, [_flag("bot", 9 * HOUR_US - DAY_US, DAY_US)], DAY_US,
                            LATENESS_US)  # fmt: skip
    assert grown["alert_id"] == row["alert_id"]
    assert grown["severity"] == "high"
    assert grown["evidence"]["episode"] == {"start": first, "end": 9 * HOUR_US, "windows": 5}
    # past the last flagged window's end, a new episode begins
    later = _flag("bot", 9 * HOUR_US, DAY_US)
    state.frontier_us = 60 * HOUR_US
    (opened,) = episode_rows(state, [later], DAY_US, LATENESS_US)
    assert opened["alert_id"] == alert_id("bot", 9 * HOUR_US)
    assert opened["evidence"]["episode"]["windows"] == 1
    # episodes no later window can overlap are let go
    state.frontier_us = 200 * HOUR_US
    assert episode_rows(state, [], DAY_US, LATENESS_US) == []
    assert state.episodes == {}
    tumbling = PartitionState(frontier_us=10 * HOUR_US)
    windows = [_flag("bot", h * HOUR_US, HOUR_US) for h in range(3)]
    out = episode_rows(tumbling, windows, HOUR_US, LATENESS_US)
    assert [r["alert_id"] for r in out] == [w["alert_id"] for w in windows]


def test_an_episode_counts_as_opened_once_however_it_grows() -> None:
    """What the metrics are fed: an episode opened and grown in one batch is one
    opening; growing it in a later batch, or after a restart, is none."""
    state = PartitionState(frontier_us=30 * HOUR_US)
    bot = [_flag("bot", h * HOUR_US - DAY_US, DAY_US) for h in range(5, 8)]
    before = open_episodes(state)
    rows = episode_rows(state, [*bot, _flag("fraud", 6 * HOUR_US, HOUR_US)], DAY_US,
                        LATENESS_US)  # fmt: skip
    assert opened_episodes(rows, before) == 2
    state = _Rows().restarted(state)
    before = open_episodes(state)
    grown_and_new = [_flag("bot", 8 * HOUR_US - DAY_US, DAY_US), _flag("new", 7 * HOUR_US, HOUR_US)]
    rows = episode_rows(state, grown_and_new, DAY_US, LATENESS_US)
    assert len(rows) == 2
    assert opened_episodes(rows, before) == 1


def test_the_watermark_judged_through_is_the_newest_partitions() -> None:
    states = [PartitionState(), PartitionState(frontier_us=10 * HOUR_US),
              PartitionState(frontier_us=20 * HOUR_US)]  # fmt: skip
    assert watermark_s(states, LATENESS_US) == (20 * HOUR_US - LATENESS_US) / US
    assert watermark_s([PartitionState()], LATENESS_US) is None


def test_a_hop_that_does_not_divide_the_window_is_refused() -> None:
    with pytest.raises(ValueError, match="does not divide"):
        advance(PartitionState(), [], DAY_US, LATENESS_US, 7 * HOUR_US)
