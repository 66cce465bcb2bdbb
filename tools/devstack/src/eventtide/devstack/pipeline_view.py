"""The live view of ``eventtide dev run``: rates from two snapshots, and the table (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table

from eventtide.core.db.overview import Overview


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the pipeline looks like at one moment."""

    at: float
    produced: int
    """Messages in the topic (sum of log-end offsets)."""
    database: Overview


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
    for column in ("produced", "produced/s", "stored", "stored/s", "lag", "dead letters"):
        pipeline.add_column(column, justify="right")
    goal = f" / {target:,}" if target else ""
    pipeline.add_row(
        f"{now.produced:,}",
        f"{rate.produced_per_s:,.0f}",
        f"{now.database.stored:,}{goal}",
        f"{rate.stored_per_s:,.0f}",
        f"{rate.lag:,}",
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
