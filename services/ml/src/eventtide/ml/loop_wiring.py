"""What the three long-running ML verbs (``ml score``, ``ml detect``, ``ml behave``) do
around their batch loop, written once: open the database and wait for a production
model, build the group's consumer and the output topic's outbox, run the loop and
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
from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.kafka.consumer import GroupConsumer
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.lag import OffsetReset
from eventtide.core.settings import CoreSettings
from eventtide.core.signals import StopFlag
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.outbox import Outbox
from eventtide.core.transactional.outbox_rows import OutRecord
from eventtide.core.transactional.steps import LoopReport
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.serving import Row, first_model, row_records

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


class Rowed(Protocol):
    """A prepared batch whose committed ``rows`` go to the output topic."""

    @property
    def rows(self) -> list[Row]: ...


def output_outbox(
    settings: ServedLoopSettings, engine: Engine, consumer: GroupConsumer, source: str,
    topic: str, role: str,
) -> Outbox | None:  # fmt: skip
    """The loop's outbox, sending to ``topic`` through its own producer (``None`` when
    topics are off)."""
    if not settings.topics_enabled:
        return None
    producer = make_producer(
        topic, ProducerTuning(linger_ms=20.0, client_id=f"{settings.client_id}-{role}")
    )
    return Outbox(engine=engine, group_id=consumer.group_id, topic=source, producers=[producer])


def rows_outgoing(
    topic: str, record_type: str, key: Callable[[Row], str]
) -> Callable[[Rowed], list[OutRecord]]:
    """The steps' ``outgoing``: a batch's rows as records of ``record_type`` for ``topic``."""
    records = row_records(topic, record_type, key)
    return lambda prepared: records(prepared.rows)


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


def run_and_flush(loop: BatchLoop[Any, Any], outbox: Outbox | None, idle_exit: float) -> None:
    """Run until stopped (or idle for ``idle_exit`` seconds), then flush the output and
    delete the outbox rows it acknowledged."""
    try:
        loop.run(idle_exit_s=idle_exit or None)
    finally:
        if outbox is not None:
            outbox.close(10.0)


def print_summary(
    loop_report: LoopReport, name: str, report: Any, *, json_summary: bool,
    outbox: Outbox | None = None,
) -> None:  # fmt: skip
    """The loop's and the verb's counters as one JSON line (stdout with ``--json``)."""
    summary = {"loop": dataclasses.asdict(loop_report), name: dataclasses.asdict(report)}
    if outbox is not None:
        summary["outbox"] = {"resent_rows": outbox.resent_rows}
    typer.echo(orjson.dumps(summary).decode(), err=not json_summary)
