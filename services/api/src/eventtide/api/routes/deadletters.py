"""``GET /v1/dead-letters`` and ``/v1/dead-letters/{id}``: the failed-events view;
``POST /v1/dead-letters/{id}/replay`` resubmits one (admin scope)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from eventtide.api.deps import AdminCaller, CoreDep, EngineDep, GatewayDep, ReadCaller, SettingsDep
from eventtide.api.problems import PROTECTED, Problem, documented, unavailable
from eventtide.api.schemas import DeadLetterDetail, DeadLetterPage, DeadLetterSummary
from eventtide.api.schemas_insights import ReplayOut
from eventtide.core.db.deadletters import mark_replayed
from eventtide.core.db.queries import deadletters
from eventtide.core.events import Rejection, validation_context
from eventtide.core.kafka.codec import decode, encode

router = APIRouter(responses=documented(*PROTECTED), tags=["dead letters"])


@router.get("/v1/dead-letters", response_model=DeadLetterPage, summary="List dead letters")
def list_dead_letters(
    engine: EngineDep,
    _caller: ReadCaller,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, examples=[120])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeadLetterPage:
    """Newest first; pass ``next_before`` as ``before`` for the next page."""
    with engine.connect() as conn:
        rows = deadletters.list_dead_letters(conn, before_id=before, limit=limit)
    return DeadLetterPage(
        dead_letters=[DeadLetterSummary(**r) for r in rows],
        next_before=rows[-1]["id"] if len(rows) == limit else None,
    )


@router.get(
    "/v1/dead-letters/{letter_id}",
    response_model=DeadLetterDetail,
    responses=documented(404),
    summary="Show one dead letter",
)
def show_dead_letter(
    engine: EngineDep,
    _caller: ReadCaller,
    letter_id: Annotated[int, Path(ge=1, le=2**63 - 1, examples=[7])],
) -> DeadLetterDetail:
    """One dead letter with its raw payload and every violation."""
    with engine.connect() as conn:
        row = deadletters.get_dead_letter(conn, letter_id)
    if row is None:
        raise Problem(404, "not-found", "Not found", f"no dead letter {letter_id}")
    payload = row.pop("payload")
    text = payload.decode(errors="replace") if payload is not None else None
    return DeadLetterDetail(**row, payload=text)


@router.post(
    "/v1/dead-letters/{letter_id}/replay",
    response_model=ReplayOut,
    responses=documented(404, 409, 422, 503),
    summary="Replay one dead letter (admin)",
)
async def replay_dead_letter(
    engine: EngineDep,
    core: CoreDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    _caller: AdminCaller,
    letter_id: Annotated[int, Path(ge=1, le=2**63 - 1, examples=[7])],
) -> ReplayOut:
    """Validate the stored payload again and, when it passes now, send it to the events
    topic and mark the letter replayed; storage deduplicates on ``event_id``."""
    with engine.connect() as conn:
        row = deadletters.get_dead_letter(conn, letter_id)
    if row is None:
        raise Problem(404, "not-found", "Not found", f"no dead letter {letter_id}")
    if row["replayed_at"] is not None:
        raise Problem(409, "already-replayed", "Already replayed", f"{row['replay_result']}")
    context = validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s))
    event = decode(row["payload"], context)
    if isinstance(event, Rejection):
        raise Problem(422, "still-invalid", "Still invalid", str(event))
    if not await gateway.send([encode(event)], [], settings.ack_timeout_s):
        raise unavailable("Kafka did not acknowledge the event in time", settings.retry_after_s)
    with engine.begin() as conn:
        mark_replayed(conn, letter_id, "resubmitted")
    return ReplayOut(id=letter_id, result="resubmitted")
