"""``eventtide ml score``: the scorer on the exactly-once batch loop (wiring only)."""

from __future__ import annotations

from eventtide.core.db import DbSettings
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.steps import BatchSteps, LoopReport
from eventtide.ml.loop_wiring import (
    group_consumer,
    open_with_model,
    output_outbox,
    print_summary,
    rows_outgoing,
    run_and_flush,
)
from eventtide.ml.metrics import declare
from eventtide.ml.scorer import (
    ModelHolder,
    Scored,
    ScorerReport,
    ScorerSteps,
    load_model,
)
from eventtide.ml.settings import MlSettings


def run_scorer(*, group: str | None, migrate: bool, idle_exit: float, json_summary: bool) -> int:
    """Score ``features.v1`` until stopped (waiting for a first production model); 1 with
    the reason when the production artefact is refused."""
    core, settings, url = core_settings(), MlSettings(), DbSettings().database_url
    with running_service("ml", metrics_port=settings.metrics_port) as stop:
        opened = open_with_model(url, settings, load_model, stop, migrate=migrate,
                                 refused="cannot score")  # fmt: skip
        if isinstance(opened, int):
            return opened
        engine, model = opened
        declare(settings.model_name)
        holder = ModelHolder(
            engine, settings.model_name, settings.reload_interval_s, model, load_model
        )
        consumer = group_consumer(settings, core, group, settings.instance_id)
        outbox = output_outbox(settings, engine, consumer, settings.features_topic,
                               settings.predictions_topic, "predictions")  # fmt: skip
        report = ScorerReport()
        steps = ScorerSteps(holder=holder, group_id=consumer.group_id, report=report)
        loop_report = LoopReport()
        loop: BatchLoop[Scored, int] = BatchLoop(
            consumer=consumer,
            topic=settings.features_topic,
            engine=engine,
            steps=BatchSteps(
                prepare=steps.prepare,
                write=steps.write,
                after_commit=steps.after_commit,
                outgoing=rows_outgoing(
                    settings.predictions_topic, "prediction", lambda row: str(row["user_id"])
                ),
            ),
            bounds=settings.bounds(),
            stop=stop,
            report=loop_report,
            outbox=outbox,
        )
        run_and_flush(loop, outbox, idle_exit)
    engine.dispose()
    print_summary(loop_report, "scorer", report, json_summary=json_summary, outbox=outbox)
    return 0
