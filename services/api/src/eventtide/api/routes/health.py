"""``/healthz`` (the process answers), ``/readyz`` (Kafka and the database answer)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from eventtide.api.deps import EngineDep, GatewayDep
from eventtide.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Health:
    """The process is serving; says nothing of Kafka or the database on purpose, so a
    broker outage does not make Kubernetes restart every API pod."""
    return Health(status="ok")


def _database_answers(engine: EngineDep) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Kafka or the database is unreachable"}},
    summary="Readiness",
)
async def readyz(gateway: GatewayDep, engine: EngineDep) -> JSONResponse:
    """Ready when Kafka answers a metadata request and the database a ``SELECT 1``."""
    kafka, database = await asyncio.gather(
        asyncio.to_thread(gateway.reachable, 2.0), asyncio.to_thread(_database_answers, engine)
    )
    health = Health(
        status="ok" if kafka and database else "unavailable",
        checks={"kafka": kafka, "database": database},
    )
    return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)
