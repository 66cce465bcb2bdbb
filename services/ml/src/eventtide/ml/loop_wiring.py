"""What the three long-running ML verbs (``ml score``, ``ml detect``, ``ml behave``) do
around their batch loop, written once: open the database and wait for a production
model, build the group's consumer and the output topic's producer, run the loop and
flush, and print the summary. Each verb keeps only its own steps and settings."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import orjson
import typer
from sqlalchemy import Connection, Engine

from eventtide.core.db import make_engine
from eventtide.core.kafka import EventProducer, ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.kafka.consumer import GroupConsumer
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.lag import OffsetReset
from eventtide.core.settings import CoreSettings
from eventtide.core.signals import StopFlag
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.steps import LoopReport
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.serving import Row, first_model, publisher

M = TypeVar("M")


class ServedLoopSettings(Protocol):
    """The settings every ML loop has (``MlSettings``, ``DetectSettings``, ...)."""

    group_id: str
    client_id: str
    session_timeout_ms: int
    offset_reset: OffsetReset
    model_name: str
    reload_interval_s: float
    topics_enabled: bool


def open_with_model(
    url: str,
    settings: ServedLoopSettings,
    loader: Callable[[Connection, str], M],
    stop: StopFlag,
    *,
    migrate: bool,
    refused: str,
) -> tuple[Engine, M] | int:
    """The engine and the first production model, or the exit code: 1 with ``refused``
    and the reason for a refused artefact, 0 when stopped while waiting for a model."""
    if migrate:
        from eventtide.core.db.migrate import upgrade

        upgrade(url)
    engine = make_engine(url)
    try:
        model = first_model(engine, settings.model_name, loader, settings.reload_interval_s, stop)
    except ArtefactRefusedError as error:
        print(f"{refused}: {error}", file=sys.stderr)
        engine.dispose()
        return 1
    if model is None:
        engine.dispose()
        return 0
    return engine, model


def output_producer(settings: ServedLoopSettings, topic: str, role: str) -> EventProducer | None:
    """The producer of the loop's output topic (``None`` when topics are off)."""
    if not settings.topics_enabled:
        return None
    return make_producer(
        topic, ProducerTuning(linger_ms=20.0, client_id=f"{settings.client_id}-{role}")
    )


def output_publisher(
    producer: EventProducer | None, record_type: str, key: Callable[[Row], str]
) -> Callable[[list[Row]], None] | None:
    """The steps' ``publish``: committed rows to the output topic (``None`` without one)."""
    return None if producer is None else publisher(producer, record_type, key)


def group_consumer(
    settings: ServedLoopSettings,
    core: CoreSettings,
    group: str | None,
    instance_id: str | None = None,
) -> GroupConsumer:
    """A member of the loop's group (``group`` overrides the configured one)."""
    return make_consumer(
        ConsumerTuning(
            group_id=group or settings.group_id,
            instance_id=instance_id,
            session_timeout_ms=settings.session_timeout_ms,
            offset_reset=settings.offset_reset,
            client_id=settings.client_id,
        ),
        core,
    )


def run_and_flush(
    loop: BatchLoop[Any, Any], producer: EventProducer | None, idle_exit: float
) -> None:
    """Run until stopped (or idle for ``idle_exit`` seconds), then flush the output."""
    try:
        loop.run(idle_exit_s=idle_exit or None)
    finally:
        if producer is not None:
            producer.flush(10.0)


def print_summary(loop_report: LoopReport, name: str, report: Any, *, json_summary: bool) -> None:
    """The loop's and the verb's counters as one JSON line (stdout with ``--json``)."""
    summary = {"loop": dataclasses.asdict(loop_report), name: dataclasses.asdict(report)}
    typer.echo(orjson.dumps(summary).decode(), err=not json_summary)
