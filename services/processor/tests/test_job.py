"""The docs' window example end to end through one partition's job."""

from __future__ import annotations

import pytest

from eventtide.processor.checkpoint import Checkpointer
from eventtide.processor.config import MINUTE, SECOND, ProcessorConfig, WindowSpec
from eventtide.processor.job import DERIVED_CLOSE_DELAY, PartitionJob
from eventtide.processor.model import Event
from eventtide.processor.state import PartitionSnapshot, restore

pytestmark = pytest.mark.unit

T = 1_748_779_200_000_000  # 12:00:00Z
CONFIG = ProcessorConfig(
    allowed_lateness=10 * SECOND, windows=(WindowSpec("tumbling_1m", MINUTE, MINUTE),)
)

ONE_AND_FIVE_MINUTES = ProcessorConfig(
    allowed_lateness=10 * SECOND,
    windows=(
        WindowSpec("tumbling_1m", MINUTE, MINUTE),
        WindowSpec("tumbling_5m", 5 * MINUTE, 5 * MINUTE),
    ),
)


def ev(eid: str, ts: int, user: str = "u") -> Event:
    return Event(eid, "my_custom_event", user, ts, "/", "DE", "web")


def counts(out, final: bool) -> list[tuple[int, int]]:
    return [
        (w.start, w.metrics.count)
        for w in out.windows
        if w.final == final and w.dimension == "event_type" and w.start == T
    ]


def test_provisional_corrected_final_then_late():
    job = PartitionJob(0, CONFIG)
    assert job.process([(0, ev("a", T + 30 * SECOND))], now=0).windows == []  # not over
    out = job.process([(1, ev("b", T + 62 * SECOND, user="v"))], now=1)
    assert counts(out, final=False) == [(T, 1)]  # 12:01:02: the window's time is over
    out = job.process([(2, ev("c", T + 55 * SECOND))], now=2)
    assert counts(out, final=False) == [(T, 2)]  # corrected, same key
    out = job.process([(3, ev("d", T + 71 * SECOND, user="w"))], now=3)
    assert counts(out, final=True) == [(T, 2)]  # watermark 12:01:01 closes it
    out = job.process([(4, ev("e", T + 58 * SECOND))], now=4)
    assert [(x.event_id, x.offset, x.watermark) for x in out.late] == [("e", 4, T + 61 * SECOND)]
    assert out.windows == []


def test_a_repeat_is_counted_not_processed():
    job = PartitionJob(0, CONFIG)
    out = job.process([(0, ev("a", T)), (1, ev("a", T))], now=0)
    assert out.duplicates == 1
    out = job.flush()
    assert [w.metrics.count for w in out.windows if w.dimension == "all"] == [1]


def test_a_derived_window_is_corrected_too():
    """The 5-minute window is made of 1-minute ones; a late event still re-emits it."""
    job = PartitionJob(0, ONE_AND_FIVE_MINUTES)

    def five(out, final):
        return [
            w.metrics.count
            for w in out.windows
            if w.window == "tumbling_5m" and w.dimension == "all" and w.final == final
        ]

    job.process([(0, ev("a", T + 2 * MINUTE)), (1, ev("b", T + 4 * MINUTE + 58 * SECOND))], now=0)
    out = job.process([(2, ev("c", T + 5 * MINUTE + 2 * SECOND, user="v"))], now=1)
    assert five(out, final=False) == [2]
    out = job.process([(3, ev("d", T + 4 * MINUTE + 55 * SECOND))], now=2)
    assert five(out, final=False) == [3]
    out = job.process([(4, ev("e", T + 5 * MINUTE + 11 * SECOND, user="w"))], now=3)
    assert five(out, final=True) == []  # watermark 12:05:01: closes 2 s later
    out = job.process([(5, ev("f", T + 5 * MINUTE + 12 * SECOND, user="w"))], now=4)
    assert five(out, final=True) == [3]


def test_a_closed_base_window_merges_into_the_derived_ones_half_a_window_later():
    """The closing batch emits the 1-minute finals without merging the window into the
    5-minute one (that waits until the watermark is 30 s further); a 5-minute result
    shown meanwhile still counts it, and the finals of keys unchanged since they were
    shown are marked ``sealed`` (the writer only flips their flag)."""
    job = PartitionJob(0, ONE_AND_FIVE_MINUTES)
    base, five = (0, T), (1, T)
    job.process([(0, ev("a", T + 30 * SECOND)), (1, ev("b", T + 62 * SECOND, user="v"))], now=0)
    out = job.process([(2, ev("c", T + 71 * SECOND, user="w"))], now=1)  # closes [12:00, 12:01)
    finals = [w for w in out.windows if w.window == "tumbling_1m" and w.final]
    assert finals
    assert all(w.sealed for w in finals)  # shown at 12:01:02, unchanged since
    assert base in job.windows
    assert base in job.unmerged
    assert job.windows[five] == {}
    job.process([(3, ev("d", T + 99 * SECOND, user="w"))], now=2)  # watermark 12:01:29
    assert base in job.unmerged
    job.process([(4, ev("e", T + 100 * SECOND, user="w"))], now=3)  # watermark 12:01:30
    assert base not in job.windows
    assert not job.unmerged
    assert job.windows[five][(0, "*")].count == 1
    assert job.closed_windows >= {base}
    out = job.flush()
    totals = {w.window: w.metrics.count for w in out.windows if w.dimension == "all"}
    assert totals["tumbling_5m"] == 5


DERIVED = ProcessorConfig(
    allowed_lateness=10 * SECOND,
    windows=(
        WindowSpec("tumbling_1m", MINUTE, MINUTE),
        WindowSpec("tumbling_5m", 5 * MINUTE, 5 * MINUTE),
        WindowSpec("tumbling_1h", 60 * MINUTE, 60 * MINUTE),
        WindowSpec("hopping_10m_5m", 10 * MINUTE, 5 * MINUTE),
    ),
)


def _finals(out) -> set[tuple[str, int]]:
    return {(w.window, w.start) for w in out.windows if w.final}


def _restored(job: PartitionJob) -> PartitionJob:
    """``job`` rebuilt from the checkpoint rows written so far, as after a takeover."""
    stored: dict[tuple[str, str], str] = {}
    change = Checkpointer(job.partition).changes(job)
    stored.update({(kind, key): text for kind, key, text in change.upserts})
    rows = [(kind, key, text) for (kind, key), text in stored.items()]
    return restore(PartitionSnapshot.from_rows(job.partition, rows), DERIVED)


@pytest.mark.parametrize("takeover", [False, True])
def test_the_base_window_closes_in_a_batch_of_its_own_the_derived_ones_follow(takeover):
    """On the hour, the batch that closes [12:59, 13:00) emits its finals alone; the
    5-minute, hopping and hour windows ending at 13:00 close in the first batch whose
    watermark is ``DERIVED_CLOSE_DELAY`` further, with the same results as a stream
    closed at once (a restored job recognises them: the rule depends on the watermark
    only)."""
    hour = T + 60 * MINUTE
    job = PartitionJob(0, DERIVED)
    early = [(i, ev(f"a{i}", T + i * 7 * MINUTE, user=f"u{i}")) for i in range(9)]
    job.process([*early, (9, ev("b", hour - 5 * SECOND))], now=0)
    job.process([(10, ev("c", hour + 2 * SECOND, user="v"))], now=1)  # shows them all
    out = job.process([(11, ev("d", hour + 10 * SECOND, user="w"))], now=2)  # watermark 13:00
    assert _finals(out) == {("tumbling_1m", hour - MINUTE)}
    if takeover:
        job = _restored(job)
    quiet = hour + 10 * SECOND + DERIVED_CLOSE_DELAY - 1
    out = job.process([(12, ev("e", quiet, user="w"))], now=3)
    assert _finals(out) == set()  # the watermark is not yet far enough
    out = job.process([(13, ev("f", quiet + 1, user="w"))], now=4)
    assert _finals(out) == {
        ("tumbling_5m", hour - 5 * MINUTE),
        ("hopping_10m_5m", hour - 10 * MINUTE),
        ("tumbling_1h", T),
    }
    totals = {w.window: w.metrics.count for w in out.windows if w.dimension == "all"}
    assert totals == {"tumbling_5m": 2, "hopping_10m_5m": 2, "tumbling_1h": 10}
