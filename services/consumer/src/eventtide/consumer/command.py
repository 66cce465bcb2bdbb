"""``eventtide consume``: store the events topic into the database until stopped."""

from __future__ import annotations

from dataclasses import replace

import orjson
import typer
from rich.console import Console

from eventtide.consumer.metrics import (
    BATCHES,
    DEAD_LETTERED,
    DUPLICATES_SKIPPED,
    EVENTS_STORED,
    observe_latency,
)
from eventtide.consumer.report import ConsumerReport
from eventtide.consumer.runtime import tune_interpreter
from eventtide.consumer.settings import ConsumerSettings
from eventtide.consumer.steps import EventStorage
from eventtide.consumer.store.batch import WriteResult
from eventtide.core.db import DbSettings, make_engine
from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.transactional.loop import BatchLoop


def run_consumer(
    *, topic: str | None, group: str | None, migrate: bool, idle_exit: float, json_summary: bool
) -> None:
    """Store events from Kafka into the database, exactly once, until SIGTERM or Ctrl-C."""
    core, settings, url = core_settings(), ConsumerSettings(), DbSettings().database_url
    with running_service("consumer", metrics_port=settings.metrics_port) as stop:
        if migrate:
            from eventtide.core.db.migrate import upgrade

            upgrade(url)
        engine = make_engine(url)
        dlq = None
        if settings.dlq_topic_enabled:
            tuning = ProducerTuning(linger_ms=5.0, client_id=f"{settings.client_id}-dlq")
            dlq = make_producer(core.dlq_topic, tuning, core)

        def publish(result: WriteResult, _report: ConsumerReport) -> None:
            BATCHES.inc()
            EVENTS_STORED.inc(len(result.inserted))
            DUPLICATES_SKIPPED.inc(result.duplicates)
            DEAD_LETTERED.inc(result.dead_letters)
            observe_latency(result.inserted)

        consumer = make_consumer(settings.tuning(group), core)
        report = ConsumerReport()
        storage = EventStorage(
            group_id=consumer.group_id,
            report=report,
            bulk=settings.bulk,
            dlq=dlq,
            context=core.validation_context(),
            dlq_topic=core.dlq_topic,
            on_batch=publish,
        )
        loop = BatchLoop(
            consumer=consumer,
            topic=topic or core.events_topic,
            engine=engine,
            steps=storage.steps(),
            bounds=replace(settings.bounds(), connect_timeout_s=core.kafka_connect_timeout_s),
            stop=stop,
            report=report,
        )
        tune_interpreter()
        try:
            loop.run(idle_exit_s=idle_exit or None)
        finally:
            if dlq is not None:
                dlq.flush(10.0)
    engine.dispose()
    summary = report.to_json()
    if json_summary:
        typer.echo(orjson.dumps(summary).decode())
    else:
        Console(stderr=True).print(summary)
