"""Annotated dependencies: what a route needs, taken from the app's state.

The lifespan puts the settings, the Kafka gateway and the database engine on
``app.state`` once; routes name them by type and never build them themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from eventtide.api.kafka_io import KafkaGateway
from eventtide.api.settings import ApiSettings
from eventtide.core.settings import CoreSettings


def _settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def _core(request: Request) -> CoreSettings:
    core: CoreSettings = request.app.state.core
    return core


def _gateway(request: Request) -> KafkaGateway:
    gateway: KafkaGateway = request.app.state.gateway
    return gateway


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[ApiSettings, Depends(_settings)]
CoreDep = Annotated[CoreSettings, Depends(_core)]
GatewayDep = Annotated[KafkaGateway, Depends(_gateway)]
EngineDep = Annotated[Engine, Depends(_engine)]
