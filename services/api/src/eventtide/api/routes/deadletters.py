"""``GET /v1/dead-letters`` and ``/v1/dead-letters/{id}``: the failed-events view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, Problem, documented
from eventtide.api.schemas import DeadLetterDetail, DeadLetterPage, DeadLetterSummary
from eventtide.core.db.queries import deadletters

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
