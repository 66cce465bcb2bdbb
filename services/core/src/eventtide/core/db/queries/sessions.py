"""Sessions as the processor stores them: a summary, distributions and a keyset-paged list.

One sessionizer exists in the project (the processor's: 30 minutes of inactivity, 24 h at
most), so these queries only read its ``sessions`` table; they never re-derive sessions
from raw events. Times are integer microseconds there, as in the processor's pure core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, true

from eventtide.core.db.models import Base
from eventtide.core.db.processor_tables import ProcessorSession

SESSIONS: Final = Base.metadata.tables[ProcessorSession.__tablename__]
DURATION_S: Final = (SESSIONS.c.ended_at - SESSIONS.c.started_at) / 1_000_000.0
"""A session's length in seconds."""

DURATION_EDGES_S: Final = (0, 10, 30, 60, 180, 600, 1800, 3600)
"""Lower edges of the duration histogram's buckets (seconds); the last is open-ended."""
EVENT_EDGES: Final = (1, 2, 3, 5, 10, 20, 50)
"""Lower edges of the events-per-session histogram's buckets; the last is open-ended."""


@dataclass(frozen=True, slots=True)
class SessionFigures:
    """Count, median duration (s), mean events per session and share of one-event sessions."""

    sessions: int
    median_duration_s: float | None
    events_per_session: float | None
    bounce_rate: float | None


@dataclass(frozen=True, slots=True)
class SessionSummary(SessionFigures):
    """The figures and the two histograms (a count per bucket of the edges above)."""

    duration_histogram: list[int]
    events_histogram: list[int]


def _where(
    since_us: int | None, until_us: int | None, user_ids: Sequence[str] | None
) -> ColumnElement[bool]:
    """Sessions started in the range, of the given ids (a person's: every id of it)."""
    parts: list[ColumnElement[bool]] = [true()]
    if since_us is not None:
        parts.append(SESSIONS.c.started_at >= since_us)
    if until_us is not None:
        parts.append(SESSIONS.c.started_at < until_us)
    if user_ids is not None:
        parts.append(SESSIONS.c.user_id.in_(user_ids))
    return and_(*parts)


def _bucket(column: Any, edges: tuple[int, ...]) -> Any:
    """The index of the histogram bucket ``column`` falls in (edges ascending)."""
    whens = [(column >= edge, index) for index, edge in reversed(list(enumerate(edges)))]
    return case(*whens, else_=0)


def figures(
    conn: Connection,
    *,
    since_us: int | None = None,
    until_us: int | None = None,
    user_ids: Sequence[str] | None = None,
) -> SessionFigures:
    """The figures alone, in one statement (what a profile shows of a person's sessions)."""
    row = conn.execute(
        select(
            func.count(),
            func.percentile_cont(0.5).within_group(DURATION_S),
            func.avg(SESSIONS.c.events),
            func.avg(case((SESSIONS.c.events == 1, 1.0), else_=0.0)),
        ).where(_where(since_us, until_us, user_ids))
    ).one()
    count = int(row[0])
    return SessionFigures(
        sessions=count,
        median_duration_s=float(row[1]) if count else None,
        events_per_session=float(row[2]) if count else None,
        bounce_rate=float(row[3]) if count else None,
    )


def summary(
    conn: Connection,
    *,
    since_us: int | None = None,
    until_us: int | None = None,
    user_ids: Sequence[str] | None = None,
) -> SessionSummary:
    """Sessions that started in ``[since_us, until_us)``; a bounce is a one-event session."""
    found = figures(conn, since_us=since_us, until_us=until_us, user_ids=user_ids)
    where = _where(since_us, until_us, user_ids)
    return SessionSummary(
        **asdict(found),
        duration_histogram=_histogram(
            conn, _bucket(DURATION_S, DURATION_EDGES_S), where, DURATION_EDGES_S
        ),
        events_histogram=_histogram(
            conn, _bucket(SESSIONS.c.events, EVENT_EDGES), where, EVENT_EDGES
        ),
    )


def _histogram(
    conn: Connection, bucket: Any, where: ColumnElement[bool], edges: tuple[int, ...]
) -> list[int]:
    counts = [0] * len(edges)
    for index, n in conn.execute(select(bucket, func.count()).where(where).group_by(bucket)):
        counts[int(index)] = int(n)
    return counts


def list_sessions(
    conn: Connection,
    *,
    since_us: int | None = None,
    until_us: int | None = None,
    user_ids: Sequence[str] | None = None,
    before: tuple[int, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Sessions newest first, keyset-paged on ``(started_at, session_id)``, never OFFSET."""
    query = select(SESSIONS).where(_where(since_us, until_us, user_ids))
    if before is not None:
        started, session_id = before
        query = query.where(
            or_(
                SESSIONS.c.started_at < started,
                and_(SESSIONS.c.started_at == started, SESSIONS.c.session_id < session_id),
            )
        )
    query = query.order_by(SESSIONS.c.started_at.desc(), SESSIONS.c.session_id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]
