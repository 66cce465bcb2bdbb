"""``eventtide consume``: store the events topic into the database until stopped."""

from __future__ import annotations

import logging
from datetime import timedelta

import orjson
import typer
from prometheus_client import start_http_server
from rich.console import Console

from eventtide.consumer.loop import StorageConsumer
from eventtide.consumer.metrics import BATCHES, DEAD_LETTERED, DUPLICATES_SKIPPED, EVENTS_STORED
from eventtide.consumer.report import ConsumerReport
from eventtide.consumer.runtime import tune_interpreter
from eventtide.consumer.settings import ConsumerSettings
from eventtide.core.db import DbSettings, WriteResult, make_engine
from eventtide.core.events import validation_context
from eventtide.core.kafka import EventProducer, ProducerTuning, producer_config
from eventtide.core.kafka.consumer_config import consumer_config
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import core_settings
from eventtide.core.signals import stop_on_signals


def run_consumer(
    *, topic: str | None, group: str | None, migrate: bool, idle_exit: float, json_summary: bool
) -> None:
    """Store events from Kafka into the database, exactly once, until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    core, settings, url = core_settings(), ConsumerSettings(), DbSettings().database_url
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    if migrate:
        from eventtide.core.db.migrate import upgrade

        upgrade(url)
    engine = make_engine(url)
    dlq = None
    if settings.dlq_topic_enabled:
        tuning = ProducerTuning(linger_ms=5.0, client_id=f"{settings.client_id}-dlq")
        dlq_config = producer_config(core.kafka_bootstrap_servers, tuning) | kafka_security(core)
        dlq = EventProducer(dlq_config, core.dlq_topic)
    context = validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s))

    def publish(result: WriteResult, _report: ConsumerReport) -> None:
        BATCHES.inc()
        EVENTS_STORED.inc(len(result.inserted))
        DUPLICATES_SKIPPED.inc(result.duplicates)
        DEAD_LETTERED.inc(result.dead_letters)

    tune_interpreter()
    with stop_on_signals() as stop:
        consumer = StorageConsumer(
            config=consumer_config(core.kafka_bootstrap_servers, settings.tuning(group))
            | kafka_security(core),
            topic=topic or core.events_topic,
            engine=engine,
            settings=settings,
            stop=stop,
            dlq=dlq,
            context=context,
            on_batch=publish,
        )
        report = consumer.run(idle_exit_s=idle_exit or None)
    engine.dispose()
    summary = report.to_json()
    if json_summary:
        typer.echo(orjson.dumps(summary).decode())
    else:
        Console(stderr=True).print(summary)
