"""``GET /v1/overview`` (the live page's database figures) and ``GET /v1/pipeline``
(the consumer group's per-partition lag, read from Kafka)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from eventtide.api import params
from eventtide.api.deps import CoreDep, EngineDep, ReadCaller, SettingsDep
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas_insights import Overview, PartitionLag, PipelineHealth, Ranked
from eventtide.core.db.queries.overview import live_overview
from eventtide.core.kafka.group_lag import LagReadError, read_group

router = APIRouter(responses=documented(*PROTECTED), tags=["pipeline"])


def _health(admin: Any, group: str, topic: str, grafana: str | None) -> PipelineHealth:
    try:
        reading = read_group(admin, group, topic)
    except (LagReadError, Exception) as error:  # Kafka down: say so, do not fail the page
        return PipelineHealth(
            group=group, topic=topic, state="Unknown", members=0, lag=0, partitions=[],
            grafana_url=grafana, error=str(error),
        )  # fmt: skip
    parts = [
        PartitionLag(
            partition=p.partition,
            end=p.end,
            committed=p.committed,
            lag=max(0, p.end - (p.committed if p.committed is not None else p.start)),
        )
        for p in reading.partitions
    ]
    return PipelineHealth(
        group=group, topic=topic, state=reading.state, members=reading.members,
        lag=sum(p.lag for p in parts), partitions=parts, grafana_url=grafana,
    )  # fmt: skip


async def pipeline_health(request: Request, group: str, topic: str) -> PipelineHealth:
    """The group's lag, read in a thread (the admin client blocks)."""
    settings = request.app.state.settings
    return await asyncio.to_thread(
        _health, request.app.state.admin, group, topic, settings.grafana_url
    )


@router.get("/v1/pipeline", response_model=PipelineHealth, summary="Pipeline health")
async def get_pipeline(
    request: Request, settings: SettingsDep, core: CoreDep, _caller: ReadCaller
) -> PipelineHealth:
    """Per-partition lag and the number of consumer replicas in the group."""
    return await pipeline_health(request, settings.consumer_group, core.events_topic)


@router.get("/v1/overview", response_model=Overview, summary="Live overview figures")
async def get_overview(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    core: CoreDep,
    _caller: ReadCaller,
    timezone: params.ZoneQuery = "UTC",
) -> Overview:
    """Stored and dead-letter totals, active users, revenue and top lists of today (in
    ``timezone``), latency and consumer lag."""
    zone = ZoneInfo(params.timezone(timezone))
    now = datetime.now(UTC)
    day_start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)

    def query() -> Any:
        with engine.connect() as conn:
            return live_overview(conn, now=now, day_start=day_start)

    found, health = await asyncio.gather(
        asyncio.to_thread(query),
        pipeline_health(request, settings.consumer_group, core.events_topic),
    )
    return Overview(
        stored=found.stored,
        dead_letters=found.dead_letters,
        active_users_5m=found.active_users_5m,
        active_users_today=found.active_users_today,
        revenue_today_cents=found.revenue_today_cents,
        top_event_types=[Ranked(name=n, count=c) for n, c in found.top_event_types],
        top_pages=[Ranked(name=n, count=c) for n, c in found.top_pages],
        latency_p50_ms=found.latency_p50_ms,
        consumer_lag=None if health.error else health.lag,
    )
