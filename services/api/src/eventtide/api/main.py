"""The app factory and its lifespan: what the process opens at start and closes at stop.

Tests build the app with their own settings; the ``eventtide api`` command builds it
from the environment. Kafka producers and the database engine live for the process,
on ``app.state``, and are handed to routes by :mod:`eventtide.api.deps`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import make_asgi_app

from eventtide.api import problems
from eventtide.api.auth import Authenticator
from eventtide.api.dashboard import mount_dashboard
from eventtide.api.identity_links import RecentPairs
from eventtide.api.kafka_io import KafkaGateway
from eventtide.api.live import LiveHub, ticker
from eventtide.api.live_tail import KafkaTail
from eventtide.api.metrics import MetricsMiddleware
from eventtide.api.received import ReceivedAtMiddleware
from eventtide.api.routes import (
    alerts,
    amplitude,
    amplitude_identify,
    deadletters,
    events,
    funnels,
    ga4,
    health,
    ingest,
    lifecycle,
    live,
    matomo,
    mixpanel,
    paths,
    pipeline,
    posthog,
    posthog_config,
    predictions,
    retention,
    rudderstack,
    segment,
    segment_settings,
    sessions,
    snowplow,
    stickiness,
    trend_formula,
    trends,
    users,
    whoami,
)
from eventtide.api.settings import ApiSettings, api_settings
from eventtide.core.db import make_engine
from eventtide.core.db.settings import DbSettings
from eventtide.core.kafka.clients import make_admin
from eventtide.core.settings import CoreSettings, core_settings
from eventtide.core.telemetry import tracing_enabled

CORS_HEADERS: Final = (
    "Authorization", "Content-Type", "Content-Encoding", "X-API-Key",
    # RudderStack's browser SDK: the anonymous id (for its data plane's ordering), the send
    # time, and where a retried or recovered event has been
    "AnonymousId", "SentAt", "Rsa-Recovered", "Rsa-Retry-Attempt", "Rsa-Retry-Reason",
    "Rsa-Since-First-Attempt", "Rsa-Since-Last-Attempt",
)  # fmt: skip
"""Request headers a page's SDK may send cross-origin."""

UNTRACED_URLS = "metrics,healthz,readyz,livez"
"""Scrapes and probes: frequent, uninteresting, and they would drown the request traces."""


def create_app(
    settings: ApiSettings | None = None,
    core: CoreSettings | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """The API with every router; settings default to the environment's."""
    settings = settings or api_settings()
    core = core or core_settings()
    url = database_url or DbSettings().database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings, app.state.core = settings, core
        app.state.engine = make_engine(url)
        app.state.authenticator = Authenticator(app.state.engine, settings)
        app.state.gateway = KafkaGateway(
            core, client_id=settings.client_id, ack_timeout_s=settings.ack_timeout_s
        )
        app.state.live = LiveHub(queue_size=settings.live_queue_size)
        app.state.snowplow_pairs = RecentPairs()
        app.state.amplitude_pairs = RecentPairs()
        app.state.mixpanel_pairs = RecentPairs()
        app.state.ga4_pairs = RecentPairs()
        app.state.matomo_pairs = RecentPairs()
        app.state.tail = None
        if settings.live_source == "kafka":
            app.state.tail = KafkaTail(
                core, app.state.live, asyncio.get_running_loop(), client_id=settings.client_id
            )
        else:
            app.state.gateway.on_sent = app.state.live.publish
        app.state.admin = make_admin(core)
        stop = asyncio.Event()
        ticking = asyncio.create_task(ticker(app.state.live, stop))
        try:
            yield
        finally:
            stop.set()
            await ticking
            app.state.live.close()
            if app.state.tail is not None:
                app.state.tail.close()
            app.state.gateway.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="eventtide API",
        version="0.1.0",
        summary="Send events in; ask what users did.",
        lifespan=lifespan,
    )
    problems.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # Snowplow's trackers send with credentials by default; the API reads no
            # cookies (keys and tokens travel in headers), so allowing them exposes nothing
            allow_credentials=True,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=list(CORS_HEADERS),
        )
    routers = (
        health, ingest, segment, segment_settings, rudderstack, posthog, posthog_config,
        snowplow, amplitude, amplitude_identify, mixpanel, ga4, matomo, events, trends,
        trend_formula, funnels, retention, lifecycle, stickiness, paths, users, deadletters,
        sessions, alerts, live, pipeline, whoami, predictions,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    mount_dashboard(app)
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(ReceivedAtMiddleware)  # added last: runs first, at arrival
    if tracing_enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)
    return app
