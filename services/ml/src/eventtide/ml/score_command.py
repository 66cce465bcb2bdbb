"""``eventtide ml score``: the scorer on the exactly-once batch loop (wiring only)."""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from typing import Any

import orjson
import typer
from sqlalchemy import Engine

from eventtide.core.db import DbSettings, make_engine
from eventtide.core.kafka import EventProducer, ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.signals import StopFlag
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.steps import BatchSteps, LoopReport
from eventtide.ml.artefacts import ArtefactRefusedError
from eventtide.ml.metrics import declare
from eventtide.ml.scorer import (
    ModelHolder,
    NoProductionModelError,
    Scored,
    ScorerReport,
    ScorerSteps,
    load_model,
)
from eventtide.ml.scoring import ScoringModel
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
            model = _first_model(engine, settings, stop)
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
            publish=_publisher(producer) if producer is not None else None,
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


def _first_model(engine: Engine, settings: MlSettings, stop: StopFlag) -> ScoringModel | None:
    """The production model, waiting for one to be promoted if there is none yet.

    A fresh install (or `make run`) has no trained model: exiting would crash-loop the
    Deployment, so the scorer waits, checking every ``reload_interval_s`` and saying so
    once a minute. A tampered artefact is not waited out: it raises.
    """
    said_at = -math.inf
    while not stop.stopped:
        try:
            with engine.connect() as conn:
                return load_model(conn, settings.model_name)
        except NoProductionModelError as error:
            if time.monotonic() - said_at >= 60:
                print(f"waiting for a production model: {error}", file=sys.stderr)
                said_at = time.monotonic()
        deadline = time.monotonic() + settings.reload_interval_s
        while not stop.stopped and time.monotonic() < deadline:
            time.sleep(0.2)
    return None


def _publisher(producer: EventProducer) -> Any:
    """Send committed predictions keyed by user (at least once; readers drop repeat ids)."""

    def publish(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            producer.send_message(
                WireMessage(
                    "prediction",
                    row["user_id"].encode(),
                    orjson.dumps(row),
                    [("record_type", b"prediction")],
                )
            )

    return publish
