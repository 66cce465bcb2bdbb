"""``eventtide process``: the stream processor on the exactly-once batch loop (wiring only)."""

from __future__ import annotations

import dataclasses
import gc

import orjson
import typer

from eventtide.core.db import DbSettings, make_engine
from eventtide.core.kafka import ProducerTuning
from eventtide.core.kafka.clients import make_consumer, make_producer
from eventtide.core.kafka.consumer_config import ConsumerTuning
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.outbox import Outbox
from eventtide.core.transactional.steps import BatchSteps, LoopReport
from eventtide.processor.metrics import Publisher
from eventtide.processor.settings import ProcessorSettings
from eventtide.processor.steps import PartitionJobs, Prepared, ProcessorReport
from eventtide.processor.topics import OutputTopics
from eventtide.processor.watermark import NEVER

GC_THRESHOLD = (100_000, 50, 100)
"""The pure core's measured setting (docs/processor.md): its state is many small
long-lived containers, which CPython's default thresholds walk over and over."""


def run_processor(
    *, topic: str | None, group: str | None, migrate: bool, idle_exit: float, json_summary: bool
) -> None:
    """Process the events topic into the result tables and topics until stopped."""
    core, settings, url = core_settings(), ProcessorSettings(), DbSettings().database_url
    source = topic or core.events_topic
    with running_service("processor", metrics_port=settings.metrics_port) as stop:
        if migrate:
            from eventtide.core.db.migrate import upgrade

            upgrade(url)
        engine = make_engine(url)
        topics = _topics(settings) if settings.topics_enabled else None
        tuning = ConsumerTuning(
            group_id=group or settings.group_id,
            instance_id=settings.instance_id,
            session_timeout_ms=settings.session_timeout_ms,
            offset_reset=settings.offset_reset,
            client_id=settings.client_id,
        )
        consumer = make_consumer(tuning, core)
        report = ProcessorReport()
        jobs = PartitionJobs(
            engine=engine,
            group_id=consumer.group_id,
            topic=source,
            config=settings.config(),
            report=report,
        )
        outbox = None
        if topics is not None:
            outbox = Outbox(engine=engine, group_id=consumer.group_id, topic=source,
                            producers=topics.producers())  # fmt: skip
        loop_report = LoopReport()
        loop: BatchLoop[Prepared, Prepared] = BatchLoop(
            consumer=consumer,
            topic=source,
            engine=engine,
            steps=BatchSteps(
                prepare=jobs.prepare,
                write=jobs.write,
                after_commit=lambda prepared, result: _after_commit(jobs, report, prepared, result),
                assigned=jobs.assigned,
                revoked=jobs.revoked,
                outgoing=topics.records if topics is not None else None,
            ),
            bounds=dataclasses.replace(
                settings.bounds(), connect_timeout_s=core.kafka_connect_timeout_s
            ),
            stop=stop,
            report=loop_report,
            outbox=outbox,
        )
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        try:
            loop.run(idle_exit_s=idle_exit or None)
        finally:
            if outbox is not None:
                outbox.close(10.0)
    engine.dispose()
    summary: dict[str, object] = {
        "loop": dataclasses.asdict(loop_report),
        "processor": dataclasses.asdict(report),
    }
    if outbox is not None:
        summary["outbox"] = {"resent_rows": outbox.resent_rows}
    typer.echo(orjson.dumps(summary, option=orjson.OPT_NON_STR_KEYS).decode(), err=not json_summary)


_PUBLISHER = Publisher()


def _after_commit(
    jobs: PartitionJobs, report: ProcessorReport, prepared: Prepared, result: Prepared
) -> None:
    """The jobs' own after-commit (counters), then the metrics.

    The output records were handed to the producers just before, by the loop's outbox,
    which also serves their delivery reports batch by batch.
    """
    jobs.after_commit(prepared, result)
    _PUBLISHER.publish(report.events, report.late, report.duplicates)
    _PUBLISHER.alerts((a.rule, a.severity) for _, out in prepared.outputs for a in out.alerts)
    _PUBLISHER.watermarks((job.watermark for job in list(jobs.jobs.values())), NEVER)


def _topics(settings: ProcessorSettings) -> OutputTopics:
    return OutputTopics(
        windows=make_producer(settings.windows_topic, _tuning(settings, "windows")),
        sessions=make_producer(settings.sessions_topic, _tuning(settings, "sessions")),
        alerts=make_producer(settings.alerts_topic, _tuning(settings, "alerts")),
        features=make_producer(settings.features_topic, _tuning(settings, "features")),
        late=make_producer(settings.late_topic, _tuning(settings, "late")),
    )


def _tuning(settings: ProcessorSettings, name: str) -> ProducerTuning:
    return ProducerTuning(linger_ms=20.0, client_id=f"{settings.client_id}-{name}")
