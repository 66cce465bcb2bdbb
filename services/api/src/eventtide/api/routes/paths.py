"""``GET /v1/paths``: the steps persons take within a visit, as edges and nodes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import PathEdgeOut, PathNodeOut, PathsResponse
from eventtide.core.db.queries import paths
from eventtide.core.db.queries.paths import Kind, PathsQuestion

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])

Item = Annotated[str, StringConstraints(pattern=r"^[^\x00]+$", max_length=2048)]
"""A path item (a page or an event type) or a wildcard group of them."""
MOST_PATHS = 2**62
"""Above any count of paths, and within PostgreSQL's bigint."""


@router.get("/v1/paths", response_model=PathsResponse, summary="User paths")
def get_paths(
    engine: EngineDep,
    _caller: ReadCaller,
    include: Annotated[list[Kind], Query(max_length=2, examples=[["pages"]])] = ["pages"],  # noqa: B006
    start: Annotated[Item | None, Query(examples=["/pricing"])] = None,
    end: Annotated[Item | None, Query(examples=["/checkout"])] = None,
    steps: Annotated[int, Query(ge=2, le=20)] = 5,
    group: Annotated[list[Item], Query(max_length=50, examples=[["/product/*"]])] = [],  # noqa: B006
    exclude: Annotated[list[Item], Query(max_length=50, examples=[["/health"]])] = [],  # noqa: B006
    edges: Annotated[int, Query(ge=1, le=1000)] = 50,
    min_paths: Annotated[int, Query(ge=1, le=MOST_PATHS)] = 1,
    max_paths: Annotated[int | None, Query(ge=1, le=MOST_PATHS)] = None,
    since: Annotated[datetime | None, Query(examples=["2026-11-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
) -> PathsResponse:
    """Each person's chosen events in ``[since, until)`` (``include``: page views by
    page, other events by type, or both), split into paths at 30 minutes without one,
    repeats as one step, from the first ``start`` item and to the first ``end`` item
    after it, ``steps`` long at most (PostHog's paths). ``group`` wildcards make one
    item of many (``/product/*``); ``exclude`` leaves items out. The answer has the
    ``edges`` strongest edges of ``min_paths`` to ``max_paths`` paths (none when the
    maximum is below the minimum), and their nodes."""
    flt = params.event_filter(since, until, where, now=datetime.now(UTC), where_any=where_any)
    asked = PathsQuestion(flt, frozenset(include), start, end, steps, tuple(group), tuple(exclude))
    with engine.connect() as conn:
        shown = paths.paths(conn, asked, limit=edges, least=min_paths, most=max_paths)
    return PathsResponse(
        include=sorted(asked.kinds), start=start, end=end, steps=steps, paths=shown.paths,
        edges=[PathEdgeOut(step=e.step, source=e.source, target=e.target, paths=e.paths,
                           average_seconds=e.average_seconds) for e in shown.edges],
        nodes=[PathNodeOut(step=n.step, item=n.item, paths=n.paths, continuing=n.continuing,
                           dropped_off=n.paths - n.continuing) for n in shown.nodes],
    )  # fmt: skip
