"""``GET /v1/users`` (search by prefix), ``/v1/users/{id}`` (profile + timeline) and
``/v1/users/{id}/events`` (the timeline, keyset-paged, all time)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, Problem, documented
from eventtide.api.routes.sessions import session_out
from eventtide.api.schemas import EventPage, StoredEvent, UserProfile, UserSearch
from eventtide.api.schemas_insights import SessionFigures
from eventtide.core.db.columns import TYPE_COUNT_COLUMNS
from eventtide.core.db.queries import events, persons, sessions, users
from eventtide.core.db.queries.filters import EventFilter

router = APIRouter(responses=documented(*PROTECTED), tags=["users"])
UserIdPath = Annotated[params.Name, Path(examples=["u-42"])]
RECENT_SESSIONS = 5
"""Sessions a profile lists; ``/v1/sessions?user_id=`` pages through the rest."""


def _timeline(conn: Connection, ids: list[str], cursor: str | None, limit: int) -> EventPage:
    """The events of a person's ``ids`` (docs/events.md "Identity"), newest first."""
    all_time = EventFilter(datetime.min.replace(tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
    rows = events.list_events(
        conn,
        flt=all_time,
        user_ids=ids,
        after=params.decode_cursor(cursor),
        limit=limit,
    )
    end = events.page_end(rows) if len(rows) == limit else None
    return EventPage(events=[_event(r) for r in rows], next_cursor=params.encode_cursor(end))


def _event(row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(**row | {"event_id": str(row["event_id"])})


@router.get("/v1/users", response_model=UserSearch, summary="Search users by id prefix")
def search_users(
    engine: EngineDep,
    _caller: ReadCaller,
    prefix: Annotated[str, Query(max_length=128, pattern=r"^[^\x00]*$", examples=["u-4"])],
    after: Annotated[params.Name | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> UserSearch:
    """User ids starting with ``prefix``, in byte order."""
    with engine.connect() as conn:
        found = users.search(conn, prefix, after=after, limit=limit)
    return UserSearch(user_ids=found, next_after=found[-1] if len(found) == limit else None)


@router.get(
    "/v1/users/{user_id}",
    response_model=UserProfile,
    responses=documented(404),
    summary="A user's profile",
)
def get_user(engine: EngineDep, _caller: ReadCaller, user_id: UserIdPath) -> UserProfile:
    """The person's statistics, ids, traits, sessions and 20 most recent events.

    Asked for any id of a person (an anonymous device id or the user id it was
    identified as), the answer covers all of them: the session made before sign-in
    under the device id is the person's too.
    """
    with engine.connect() as conn:
        stats = users.profile(conn, user_id)
        if stats is None:
            raise Problem(404, "not-found", "Not found", f"no user {user_id!r}")
        ids = stats["distinct_ids"]
        page = _timeline(conn, ids, None, 20)
        session_figures = sessions.figures(conn, user_ids=ids)
        recent = sessions.list_sessions(conn, user_ids=ids, limit=RECENT_SESSIONS)
    by_type = {t: int(stats[c]) for t, c in TYPE_COUNT_COLUMNS.items() if stats[c]}
    return UserProfile(
        user_id=user_id, first_seen_at=stats["first_seen_at"], last_seen_at=stats["last_seen_at"],
        total_events=stats["total_events"], total_spent_cents=stats["total_spent_cents"],
        events_by_type=by_type, timeline=page.events, next_cursor=page.next_cursor,
        person_id=stats["person_id"], distinct_ids=ids, traits=stats["traits"],
        sessions=SessionFigures(**asdict(session_figures)),
        recent_sessions=[session_out(r) for r in recent],
    )  # fmt: skip


@router.get("/v1/users/{user_id}/events", response_model=EventPage, summary="A user's timeline")
def get_user_events(
    engine: EngineDep,
    _caller: ReadCaller,
    user_id: UserIdPath,
    cursor: Annotated[str | None, Query(max_length=256)] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 50,
) -> EventPage:
    """The person's events (all its ids) newest first, all time, keyset-paged."""
    with engine.connect() as conn:
        return _timeline(conn, persons.members(conn, user_id), cursor, limit)
