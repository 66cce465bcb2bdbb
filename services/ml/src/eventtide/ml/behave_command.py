"""``eventtide ml behave``: the behaviour detector on the exactly-once batch loop (wiring only).

A verb of its own rather than a mode of ``ml detect``: it reads the raw event stream
(``events.v1``), not the processor's window results, and keeps its state per partition
(a user's windows live in the user's partition), so it can share partitions between
members while the metric detector must run as one. The two share the alerts table,
``alerts.v1`` and the registry, under their own rules.
"""

from __future__ import annotations

import dataclasses
import sys

import orjson
import typer

from eventtide.core.db import DbSettings, make_engine
from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.steps import BatchSteps, LoopReport
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.behave import Behaved, BehaveReport, BehaveSteps, load_served, same_window
from eventtide.ml.scorer import ModelHolder
from eventtide.ml.serving import first_model, publisher
from eventtide.ml.settings import BehaveSettings


def run_behave(*, group: str | None, migrate: bool, idle_exit: float, json_summary: bool) -> int:
    """Judge users' windows on ``events.v1`` until stopped (waiting for a first production
    model); 1 with the reason when the production artefact is refused."""
    core, settings, url = core_settings(), BehaveSettings(), DbSettings().database_url
    topic = settings.events_topic or core.events_topic
    with running_service("ml", metrics_port=settings.metrics_port) as stop:
        if migrate:
            from eventtide.core.db.migrate import upgrade

            upgrade(url)
        engine = make_engine(url)
        try:
            model = first_model(
                engine, settings.model_name, load_served, settings.reload_interval_s, stop
            )
        except ArtefactRefusedError as error:
            print(f"cannot judge behaviour: {error}", file=sys.stderr)
            engine.dispose()
            return 1
        if model is None:
            engine.dispose()
            return 0
        loader = same_window(load_served, model.model.window_s)
        holder = ModelHolder(engine, settings.model_name, settings.reload_interval_s, model, loader)
        producer = (
            make_producer(
                settings.alerts_topic,
                ProducerTuning(linger_ms=20.0, client_id=f"{settings.client_id}-alerts"),
            )
            if settings.topics_enabled
            else None
        )
        consumer = make_consumer(
            ConsumerTuning(
                group_id=group or settings.group_id,
                instance_id=None,
                session_timeout_ms=settings.session_timeout_ms,
                offset_reset=settings.offset_reset,
                client_id=settings.client_id,
            ),
            core,
        )
        report = BehaveReport()
        steps = BehaveSteps(
            holder=holder,
            engine=engine,
            group_id=consumer.group_id,
            topic=topic,
            lateness_s=settings.allowed_lateness_s,
            report=report,
            publish=(
                publisher(producer, "alert", lambda row: str(row["user_id"]))
                if producer is not None
                else None
            ),
        )
        loop_report = LoopReport()
        loop: BatchLoop[Behaved, int] = BatchLoop(
            consumer=consumer,
            topic=topic,
            engine=engine,
            steps=BatchSteps(
                prepare=steps.prepare,
                write=steps.write,
                after_commit=steps.after_commit,
                assigned=steps.assigned,
                revoked=steps.revoked,
            ),
            bounds=settings.bounds(),
            stop=stop,
            report=loop_report,
        )
        try:
            loop.run(idle_exit_s=idle_exit or None)
        finally:
            if producer is not None:
                producer.flush(10.0)
    engine.dispose()
    summary = {"loop": dataclasses.asdict(loop_report), "behave": dataclasses.asdict(report)}
    typer.echo(orjson.dumps(summary).decode(), err=not json_summary)
    return 0
