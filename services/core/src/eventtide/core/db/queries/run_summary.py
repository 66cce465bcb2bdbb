"""What ``make run`` shows beside the counters: sessions, alerts, and its closing answers.

The live view asks for sessions open and closed and alerts every second; the summary
of a counted run answers the three questions a product team asks first (how many
sessions, how well the shop converts, what looks wrong) from the same tables the API
reads, so a developer sees the whole pipeline's output without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, func, select

from eventtide.core.db.processor_tables import AlertRow, ProcessorSession
from eventtide.core.db.queries.filters import EVENTS, EventFilter
from eventtide.core.db.queries.funnels import FunnelStep, funnel

SESSIONS = ProcessorSession.__table__
ALERTS = AlertRow.__table__
FUNNEL_STEPS = ("page_view", "add_to_cart", "checkout_started", "purchase")
"""The shop's funnel: from a page view to a purchase."""


@dataclass(frozen=True, slots=True)
class Activity:
    """Processor output now: sessions still open, sessions closed, alerts raised."""

    sessions_open: int
    sessions_closed: int
    alerts: int


@dataclass(frozen=True, slots=True)
class RunAnswers:
    """The analytics answers a counted run ends with."""

    activity: Activity
    median_events_per_session: float | None
    funnel: list[FunnelStep]
    top_alerts: list[tuple[str, int]]


def activity(conn: Connection) -> Activity:
    """Sessions by state and alerts, one round trip each."""
    by_state: dict[bool, int] = {
        bool(final): int(n)
        for final, n in conn.execute(
            select(SESSIONS.c.final, func.count()).group_by(SESSIONS.c.final)
        )
    }
    alerts = conn.execute(select(func.count()).select_from(ALERTS)).scalar_one()
    return Activity(
        sessions_open=int(by_state.get(False, 0)),
        sessions_closed=int(by_state.get(True, 0)),
        alerts=int(alerts),
    )


def run_answers(conn: Connection, *, top: int = 3) -> RunAnswers:
    """Sessions, the shop funnel over every stored event (window 1 day), top alert rules."""
    median = conn.execute(
        select(func.percentile_cont(0.5).within_group(SESSIONS.c.events))
    ).scalar_one()
    since, until = conn.execute(
        select(func.min(EVENTS.c.occurred_at), func.max(EVENTS.c.occurred_at))
    ).one()
    steps: list[FunnelStep] = []
    if since is not None:
        flt = EventFilter(since=since, until=until + timedelta(seconds=1))
        steps = funnel(conn, flt=flt, steps=FUNNEL_STEPS, window=timedelta(days=1))
    rules = conn.execute(
        select(ALERTS.c.rule, func.count().label("n"))
        .group_by(ALERTS.c.rule)
        .order_by(func.count().desc(), ALERTS.c.rule)
        .limit(top)
    ).all()
    return RunAnswers(
        activity=activity(conn),
        median_events_per_session=float(median) if median is not None else None,
        funnel=steps,
        top_alerts=[(str(rule), int(n)) for rule, n in rules],
    )


def conversion(steps: list[FunnelStep]) -> float | None:
    """Share of the funnel's entrants who reached its last step."""
    if not steps or steps[0].users == 0:
        return None
    return steps[-1].users / steps[0].users


__all__ = ["Activity", "RunAnswers", "activity", "conversion", "run_answers"]
