"""The live view of ``eventtide dev run``: rates from two snapshots, and the table (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table

from eventtide.core.db.overview import Overview
from eventtide.core.db.queries.run_summary import Activity, RunAnswers, conversion

NO_ACTIVITY = Activity(0, 0, 0)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the pipeline looks like at one moment."""

    at: float
    produced: int
    """Messages in the topic (sum of log-end offsets)."""
    database: Overview
    activity: Activity = NO_ACTIVITY
    """What the processor has written: sessions open and closed, alerts."""


@dataclass(frozen=True, slots=True)
class Rates:
    """Per-second rates between two snapshots, and the lag now."""

    produced_per_s: float
    stored_per_s: float
    lag: int


def rates(before: Snapshot, now: Snapshot) -> Rates:
    """Rates over the interval; lag = messages in the topic minus offsets stored."""
    seconds = max(now.at - before.at, 1e-9)
    consumed = sum(now.database.stored_offsets.values())
    return Rates(
        produced_per_s=(now.produced - before.produced) / seconds,
        stored_per_s=(now.database.stored - before.database.stored) / seconds,
        lag=max(0, now.produced - consumed),
    )


def view(now: Snapshot, rate: Rates, *, elapsed_s: float, target: int | None) -> Group:
    """The pipeline table and the top spenders."""
    pipeline = Table(title="eventtide pipeline", title_justify="left")
    columns = ("in", "in/s", "stored", "stored/s", "lag", "sessions open", "alerts", "dead letters")
    for column in columns:
        pipeline.add_column(column, justify="right")
    goal = f" / {target:,}" if target else ""
    pipeline.add_row(
        f"{now.produced:,}",
        f"{rate.produced_per_s:,.0f}",
        f"{now.database.stored:,}{goal}",
        f"{rate.stored_per_s:,.0f}",
        f"{rate.lag:,}",
        f"{now.activity.sessions_open:,}",
        f"{now.activity.alerts:,}",
        f"{now.database.dead_letters:,}",
    )
    pipeline.caption = f"up {elapsed_s:.0f}s. Ctrl-C stops everything."
    spenders = Table(title="top users by spend", title_justify="left")
    for column in ("user", "spent", "orders", "events"):
        spenders.add_column(column, justify="right" if column != "user" else "left")
    for spender in now.database.top_spenders:
        spenders.add_row(
            spender.user_id,
            f"{spender.total_spent_cents / 100:,.2f}",
            str(spender.purchases),
            str(spender.total_events),
        )
    return Group(pipeline, spenders)


def answers_lines(answers: RunAnswers) -> list[str]:
    """The analytics part of a counted run's summary, one answer per line."""
    done = answers.activity
    median = answers.median_events_per_session
    per_session = f", median {median:.0f} events each" if median is not None else ""
    lines = [
        f"sessions: {done.sessions_open + done.sessions_closed:,} "
        f"({done.sessions_closed:,} closed, {done.sessions_open:,} open){per_session}"
    ]
    share = conversion(answers.funnel)
    if share is not None:
        steps = " -> ".join(f"{step.event_type} {step.users:,}" for step in answers.funnel)
        lines.append(f"funnel conversion: {share:.1%} ({steps})")
    else:
        lines.append("funnel conversion: no page views stored")
    alerts = ", ".join(f"{rule} {count:,}" for rule, count in answers.top_alerts)
    lines.append(f"top alerts: {alerts or 'none'} ({done.alerts:,} in all)")
    return lines
