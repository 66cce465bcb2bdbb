"""``eventtide ml score``: the scorer on the exactly-once batch loop (wiring only)."""

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
from eventtide.ml.metrics import declare
from eventtide.ml.scorer import (
    ModelHolder,
    Scored,
    ScorerReport,
    ScorerSteps,
    load_model,
)
from eventtide.ml.serving import first_model, publisher
from eventtide.ml.settings import MlSettings


def run_scorer(*, group: str | None, migrate: bool, idle_exit: float, json_summary: bool) -> int:
    """Score ``features.v1`` until stopped (waiting for a first production model); 1 with
    the reason when the production artefact is refused."""
    core, settings, url = core_settings(), MlSettings(), DbSettings().database_url
    with running_service("ml", metrics_port=settings.metrics_port) as stop:
        if migrate:
            from eventtide.core.db.migrate import upgrade

            upgrade(url)
        engine = make_engine(url)
        try:
            model = first_model(
                engine, settings.model_name, load_model, settings.reload_interval_s, stop
            )
        except ArtefactRefusedError as error:
            print(f"cannot score: {error}", file=sys.stderr)
            engine.dispose()
            return 1
        if model is None:  # stopped while waiting
            engine.dispose()
            return 0
        declare(settings.model_name)
        holder = ModelHolder(
            engine, settings.model_name, settings.reload_interval_s, model, load_model
        )
        producer = (
            make_producer(
                settings.predictions_topic,
                ProducerTuning(linger_ms=20.0, client_id=f"{settings.client_id}-predictions"),
            )
            if settings.topics_enabled
            else None
        )
        consumer = make_consumer(
            ConsumerTuning(
                group_id=group or settings.group_id,
                instance_id=settings.instance_id,
                session_timeout_ms=settings.session_timeout_ms,
                offset_reset=settings.offset_reset,
                client_id=settings.client_id,
            ),
            core,
        )
        report = ScorerReport()
        steps = ScorerSteps(
            holder=holder,
            group_id=consumer.group_id,
            report=report,
            publish=(
                publisher(producer, "prediction", lambda row: str(row["user_id"]))
                if producer is not None
                else None
            ),
        )
        loop_report = LoopReport()
        loop: BatchLoop[Scored, int] = BatchLoop(
            consumer=consumer,
            topic=settings.features_topic,
            engine=engine,
            steps=BatchSteps(
                prepare=steps.prepare, write=steps.write, after_commit=steps.after_commit
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
    summary = {"loop": dataclasses.asdict(loop_report), "scorer": dataclasses.asdict(report)}
    typer.echo(orjson.dumps(summary).decode(), err=not json_summary)
    return 0
