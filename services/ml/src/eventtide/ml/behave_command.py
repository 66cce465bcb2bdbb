"""``eventtide ml behave``: the behaviour detector on the exactly-once batch loop (wiring only).

A verb of its own rather than a mode of ``ml detect``: it reads the raw event stream
(``events.v1``), not the processor's window results, and keeps its state per partition
(a user's windows live in the user's partition), so it can share partitions between
members while the metric detector must run as one. The two share the alerts table,
``alerts.v1`` and the registry, under their own rules.
"""

from __future__ import annotations

import sys

from eventtide.core.db import DbSettings
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.core.transactional.loop import BatchLoop
from eventtide.core.transactional.steps import BatchSteps, LoopReport
from eventtide.ml.behave import (
    DETECTOR,
    Behaved,
    BehaveReport,
    BehaveSteps,
    load_served,
    same_window,
)
from eventtide.ml.behaviour_model import served_hop
from eventtide.ml.loop_wiring import (
    group_consumer,
    open_with_model,
    output_outbox,
    print_summary,
    rows_outgoing,
    run_and_flush,
)
from eventtide.ml.metrics import declare_detector
from eventtide.ml.scorer import ModelHolder
from eventtide.ml.settings import BehaveSettings


def run_behave(*, group: str | None, migrate: bool, idle_exit: float, json_summary: bool) -> int:
    """Judge users' windows on ``events.v1`` until stopped (waiting for a first production
    model); 1 with the reason when the production artefact is refused."""
    core, settings, url = core_settings(), BehaveSettings(), DbSettings().database_url
    topic = settings.events_topic or core.events_topic
    with running_service("ml", metrics_port=settings.metrics_port) as stop:
        declare_detector(DETECTOR)
        opened = open_with_model(url, settings, load_served, stop, migrate=migrate,
                                 refused="cannot judge behaviour")  # fmt: skip
        if isinstance(opened, int):
            return opened
        engine, model = opened
        try:
            hop_s = served_hop(model.model.window_s, settings.hop_s)
        except ValueError as error:
            print(f"cannot judge behaviour: EVENTTIDE_ML_BEHAVE_HOP_S: {error}", file=sys.stderr)
            engine.dispose()
            return 2
        loader = same_window(load_served, model.model.window_s)
        holder = ModelHolder(engine, settings.model_name, settings.reload_interval_s, model, loader)
        consumer = group_consumer(settings, core, group)
        outbox = output_outbox(settings, engine, consumer, topic, settings.alerts_topic, "alerts")
        report = BehaveReport()
        steps = BehaveSteps(
            holder=holder,
            engine=engine,
            group_id=consumer.group_id,
            topic=topic,
            lateness_s=settings.allowed_lateness_s,
            hop_s=hop_s,
            report=report,
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
                outgoing=rows_outgoing(
                    settings.alerts_topic, "alert", lambda row: str(row["user_id"])
                ),
            ),
            bounds=settings.bounds(),
            stop=stop,
            report=loop_report,
            outbox=outbox,
        )
        run_and_flush(loop, outbox, idle_exit)
    engine.dispose()
    print_summary(loop_report, "behave", report, json_summary=json_summary, outbox=outbox)
    return 0
