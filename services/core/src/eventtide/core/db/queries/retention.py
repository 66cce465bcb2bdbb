"""Retention: users grouped by the period of their first-ever start event, and how many
of each cohort did the return event N periods later ("on" that period, PostHog's
default). Periods are local days or weeks (Monday) in the asked time zone.

Period 0 is the cohort's size. One statement: the cohorts, then each user's distinct
return periods, counted per cohort and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, text

Period = Literal["day", "week"]

_SQL = text(
    """
    WITH firsts AS (
        SELECT user_id, min(occurred_at) AS first_at
        FROM user_events WHERE event_type = :start GROUP BY user_id
    ), cohorts AS (
        SELECT user_id, date_trunc(:unit, timezone(:tz, first_at)) AS cohort
        FROM firsts WHERE first_at >= :since AND first_at < :until
    ), hits AS (
        SELECT DISTINCT c.user_id, c.cohort,
            (date_trunc(:unit, timezone(:tz, e.occurred_at))::date - c.cohort::date)
                / CAST(:step AS integer) AS period
        FROM cohorts c
        JOIN user_events e ON e.user_id = c.user_id AND e.event_type = :ret
    )
    SELECT cohort, 0 AS period, count(*) AS users FROM cohorts GROUP BY cohort
    UNION ALL
    SELECT cohort, period, count(*) FROM hits
    WHERE period >= 1 AND period < :periods GROUP BY cohort, period
    ORDER BY 1, 2
    """
)


@dataclass(frozen=True, slots=True)
class Cohort:
    """A cohort's start (local time) and users retained per period (index 0: its size)."""

    start: datetime
    counts: tuple[int, ...]


def retention(
    conn: Connection,
    *,
    start_event: str,
    return_event: str,
    period: Period,
    periods: int,
    timezone: str,
    since: datetime,
    until: datetime,
) -> list[Cohort]:
    """The retention matrix for cohorts whose first start event is in ``[since, until)``."""
    rows = conn.execute(
        _SQL,
        {
            "start": start_event, "ret": return_event, "unit": period, "tz": timezone,
            "step": 7 if period == "week" else 1, "since": since, "until": until,
            "periods": periods,
        },
    )  # fmt: skip
    matrix: dict[datetime, list[int]] = {}
    for cohort, index, users in rows:
        matrix.setdefault(cohort, [0] * periods)[index] = int(users)
    return [Cohort(start, tuple(counts)) for start, counts in sorted(matrix.items())]
