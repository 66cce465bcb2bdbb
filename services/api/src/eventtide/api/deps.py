"""Annotated dependencies: what a route needs, taken from the app's state.

The lifespan puts the settings, the Kafka gateway and the database engine on
``app.state`` once; routes name them by type and never build them themselves.
They are ``async def`` because FastAPI runs a plain ``def`` dependency in a worker
thread: five thread hops per request were a quarter of an ingest request's time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from eventtide.api.auth import Authenticator, Principal
from eventtide.api.kafka_io import KafkaGateway
from eventtide.api.keys import Scope, grants
from eventtide.api.problems import Problem
from eventtide.api.settings import ApiSettings
from eventtide.core.settings import CoreSettings


async def _settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def _core(request: Request) -> CoreSettings:
    core: CoreSettings = request.app.state.core
    return core


async def _gateway(request: Request) -> KafkaGateway:
    gateway: KafkaGateway = request.app.state.gateway
    return gateway


async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[ApiSettings, Depends(_settings)]
CoreDep = Annotated[CoreSettings, Depends(_core)]
GatewayDep = Annotated[KafkaGateway, Depends(_gateway)]
EngineDep = Annotated[Engine, Depends(_engine)]


_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="an eventtide API key")
_BEARER = HTTPBearer(auto_error=False, description="a JWT (read scope) or an API key")


async def _caller(
    request: Request,
    api_key: Annotated[str | None, Security(_API_KEY)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> Principal:
    """The caller: from the key cache on the loop, else (database, JWT) in a thread."""
    authenticator: Authenticator = request.app.state.authenticator
    token = bearer.credentials if bearer else None
    principal = authenticator.cached(api_key, token)
    if principal is None:
        principal = await run_in_threadpool(authenticator.authenticate, api_key, token)
    return principal


def _require(scope: Scope) -> object:
    """A dependency admitting callers holding ``scope``, within their rate limit."""

    async def check(request: Request, caller: Annotated[Principal, Depends(_caller)]) -> Principal:
        if not grants(caller.scopes, scope):
            raise Problem(403, "forbidden", "Not allowed", f"this needs the {scope} scope")
        authenticator: Authenticator = request.app.state.authenticator
        authenticator.admit(caller)
        return caller

    return Depends(check)


IngestCaller = Annotated[Principal, _require("ingest")]
ReadCaller = Annotated[Principal, _require("read")]
AdminCaller = Annotated[Principal, _require("admin")]
