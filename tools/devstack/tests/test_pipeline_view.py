"""The live view's arithmetic and table, from plain snapshots."""

from __future__ import annotations

import pytest
from rich.console import Console

from eventtide.core.db.overview import Overview, Spender
from eventtide.devstack.pipeline_view import Snapshot, rates, view

pytestmark = pytest.mark.unit


def _snap(at: float, produced: int, stored: int, offsets: dict[int, int]) -> Snapshot:
    spenders = [Spender("u-1", 12_345, 2, 30)]
    return Snapshot(at, produced, Overview(stored, 3, offsets, spenders))


def test_rates_and_lag() -> None:
    before = _snap(10.0, 1_000, 800, {0: 400, 1: 400})
    now = _snap(12.0, 5_000, 4_000, {0: 2_000, 1: 2_500})
    rate = rates(before, now)
    assert rate.produced_per_s == 2_000
    assert rate.stored_per_s == 1_600
    assert rate.lag == 500


def test_lag_never_negative() -> None:
    snap = _snap(1.0, 10, 10, {0: 12})
    assert rates(snap, snap).lag == 0


def test_view_shows_counts_target_and_spenders() -> None:
    now = _snap(2.0, 5_000, 4_000, {0: 4_000})
    console = Console(width=120, record=True)
    console.print(view(now, rates(now, now), elapsed_s=7, target=10_000))
    text = console.export_text()
    assert "4,000 / 10,000" in text
    assert "u-1" in text
    assert "123.45" in text


def test_the_summary_answers_sessions_funnel_and_alerts() -> None:
    from eventtide.core.db.queries.funnels import FunnelStep
    from eventtide.core.db.queries.run_summary import Activity, RunAnswers
    from eventtide.devstack.pipeline_view import answers_lines

    answers = RunAnswers(
        activity=Activity(sessions_open=30, sessions_closed=70, alerts=12),
        median_events_per_session=9.0,
        funnel=[FunnelStep("page_view", 200, None), FunnelStep("purchase", 50, 60.0)],
        top_alerts=[("burst", 8), ("bot_like", 4)],
    )
    assert answers_lines(answers) == [
        "sessions: 100 (70 closed, 30 open), median 9 events each",
        "funnel conversion: 25.0% (page_view 200 -> purchase 50)",
        "top alerts: burst 8, bot_like 4 (12 in all)",
    ]


def test_a_service_joins_make_run_once_its_subcommand_exists() -> None:
    from eventtide.devstack.pipeline_services import SERVICES, installed

    without_scorer = [s.name for s in installed(SERVICES, ["api serve", "consume", "process"])]
    assert without_scorer == ["api", "consumer", "processor", "dead-letters"]
    with_scorer = installed(SERVICES, ["api serve", "consume", "process", "ml score"])
    assert [s.name for s in with_scorer] == ["api", "consumer", "processor", "dead-letters", "ml"]
    assert with_scorer[0].argv(api_port="8123")[-1] == "8123"


def test_the_dead_letter_consumer_reads_the_runs_dead_letter_topic() -> None:
    from eventtide.devstack.pipeline_services import DLQ_GROUP, SERVICES

    letters = next(s for s in SERVICES if s.name == "dead-letters")
    argv = letters.argv(dlq_topic="run.dlq")
    assert argv[:1] == ["consume"]
    assert argv[argv.index("--topic") + 1] == "run.dlq"
    assert argv[argv.index("--group") + 1] == DLQ_GROUP
