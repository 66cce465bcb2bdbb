"""``GET /v1/sessions`` (paged list) and ``/v1/sessions/stats``, from the processor's table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from eventtide.api import cursors
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.params import Name
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas_insights import SessionOut, SessionPage, SessionStats
from eventtide.core.db.queries import persons, sessions

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])

Since = Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])]
Until = Annotated[datetime | None, Query(examples=["2026-12-04T00:00:00Z"])]
User = Annotated[
    Name | None,
    Query(examples=["u-42"], description="the sessions of this id's person (all its ids)"),
]


def _us(value: datetime | None) -> int | None:
    """Microseconds since the epoch (a naive time is taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)


def _time(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


@router.get("/v1/sessions/stats", response_model=SessionStats, summary="Session statistics")
def session_stats(
    engine: EngineDep, _caller: ReadCaller, since: Since = None, until: Until = None,
    user_id: User = None,
) -> SessionStats:  # fmt: skip
    """Sessions started in ``[since, until)``: count, median duration, events per
    session, bounce rate (one-event sessions) and two histograms.

    With ``user_id``, of that id's person: every id linked to it (docs/events.md
    "Identity"), as the profile and the timeline count.
    """
    with engine.connect() as conn:
        found = sessions.summary(
            conn, since_us=_us(since), until_us=_us(until),
            user_ids=persons.members_if(conn, user_id),
        )  # fmt: skip
    return SessionStats(
        sessions=found.sessions,
        median_duration_s=found.median_duration_s,
        events_per_session=found.events_per_session,
        bounce_rate=found.bounce_rate,
        duration_edges_s=list(sessions.DURATION_EDGES_S),
        duration_histogram=found.duration_histogram,
        events_edges=list(sessions.EVENT_EDGES),
        events_histogram=found.events_histogram,
    )


@router.get("/v1/sessions", response_model=SessionPage, summary="List sessions")
def list_sessions(
    engine: EngineDep,
    _caller: ReadCaller,
    since: Since = None,
    until: Until = None,
    user_id: User = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SessionPage:
    """Newest first by start; keyset-paged with ``cursor``. With ``user_id``, the
    sessions of every id of that id's person (each row names its own id)."""
    with engine.connect() as conn:
        rows = sessions.list_sessions(
            conn, since_us=_us(since), until_us=_us(until),
            user_ids=persons.members_if(conn, user_id), before=cursors.decode(cursor), limit=limit,
        )  # fmt: skip
    last = rows[-1] if len(rows) == limit else None
    return SessionPage(
        sessions=[session_out(r) for r in rows],
        next_cursor=cursors.encode((last["started_at"], last["session_id"]) if last else None),
    )


def session_out(row: dict[str, Any]) -> SessionOut:
    """A ``sessions`` row as the API shows it (times as instants, the duration in s)."""
    return SessionOut(
        **{k: v for k, v in row.items() if k not in ("started_at", "ended_at", "purchases")},
        started_at=_time(row["started_at"]),
        ended_at=_time(row["ended_at"]),
        duration_s=(row["ended_at"] - row["started_at"]) / 1_000_000,
    )
