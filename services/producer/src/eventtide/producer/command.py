"""What ``eventtide produce`` does; imported only when it runs (registration stays cheap)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eventtide.core.events.contracts.export_files import first_lines, joined_note
from eventtide.core.events.contracts.format_check import (
    NATIVE,
    SAMPLE_LINES,
    FormatProblemError,
    settle,
)
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.core.kafka.clients import make_producer
from eventtide.core.kafka.producer import KafkaUnavailableError
from eventtide.core.service import running_service
from eventtide.core.settings import core_settings
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.incidents import IncidentSpec
from eventtide.producer.http_sink import HttpSink
from eventtide.producer.rate_column import EventRateColumn
from eventtide.producer.runner import Sink, run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import (
    Item,
    Rejected,
    from_export,
    from_jsonl,
    simulated,
)
from eventtide.producer.summary import summary_table

LIVE_SETTLE_S: Final = 1.0
"""Before live events are stamped, time for the idempotent producer to get its id."""


def run_produce(
    *,
    events: int | None,
    rate: float | None,
    backfill_days: float | None,
    users: int,
    seed: int,
    from_file: Path | None,
    ground_truth: Path | None,
    topic: str | None,
    json_summary: bool,
    incidents: tuple[IncidentSpec, ...] = (),
    weekly: bool = True,
    file_format: str = "eventtide",
    table_hints: TableHints | None = None,
) -> None:
    """Produce events to Kafka with a progress bar and a summary at the end."""
    core, settings = core_settings(), ProducerSettings()
    err = Console(stderr=True)
    context = core.validation_context()
    simulation: Simulation | None = None
    items: Iterator[Item]
    if from_file is not None:
        try:
            file_format, choice = settle(
                first_lines(from_file, SAMPLE_LINES), file_format, str(from_file), table_hints
            )
        except FormatProblemError as problem:
            err.print(f"[red]nothing sent[/]: {problem}", highlight=False, soft_wrap=True)
            if json_summary:
                typer.echo(orjson.dumps({"error": str(problem)}).decode())
            raise typer.Exit(code=2) from problem
        for note in (choice, joined_note(from_file, file_format)):
            if note is not None:
                err.print(note, highlight=False, soft_wrap=True)
        if file_format == NATIVE:
            items, total = from_jsonl(from_file, context), events
        else:
            items, total = from_export(from_file, file_format, context, table_hints), events
    else:
        now = datetime.now(UTC)
        if backfill_days is not None:
            config = GeneratorConfig(
                users=users, seed=seed, start=now - timedelta(days=backfill_days),
                days=backfill_days, weekly=weekly, incidents=incidents,
            )  # fmt: skip
        else:
            config = GeneratorConfig(
                users=users, seed=seed, start=now, live=True, weekly=weekly, incidents=incidents
            )
            rate = 100.0 if rate is None else rate
        simulation = Simulation(config)
        items, total = simulated(simulation, context), events
    producer: Sink
    if settings.api_url and settings.api_key is not None:
        producer = HttpSink(settings.api_url, settings.api_key.get_secret_value())
    else:
        producer = make_producer(topic or core.events_topic, settings.tuning(), core)
    live = from_file is None and backfill_days is None
    try:
        producer.connect(settings.connect_timeout_s, settle_s=LIVE_SETTLE_S if live else 0.0)
    except KafkaUnavailableError as error:
        err.print(
            f"[red]cannot produce to {core.kafka_bootstrap_servers}[/]: {error}",
            highlight=False,
            soft_wrap=True,
        )
        if json_summary:
            typer.echo(orjson.dumps({"error": str(error)}).decode())
        raise typer.Exit(code=1) from error

    def report_rejected(item: Rejected) -> None:
        err.print(f"[yellow]rejected[/] {item}", highlight=False, soft_wrap=True)

    columns = (
        TextColumn("producing"),
        BarColumn(),
        MofNCompleteColumn() if total else TextColumn("{task.completed:,} events"),
        EventRateColumn(),
        TimeElapsedColumn(),
    )
    with (
        running_service(
            "producer",
            metrics_port=settings.metrics_port,
            logs=False,  # the progress bar owns stderr
            second_signal_exits=True,
        ) as stop,
        Progress(*columns, console=err, transient=True, disable=json_summary) as progress,
    ):
        task = progress.add_task("produce", total=total)
        report = run(
            items,
            producer,
            limit=events,
            rate=rate,
            stop=stop,
            on_progress=lambda done: progress.update(task, completed=done),
            on_rejected=report_rejected,
            flush_timeout_s=settings.flush_timeout_s,
        )
    if ground_truth is not None and simulation is not None:
        simulation.ground_truth.write(ground_truth)
    if json_summary:
        typer.echo(orjson.dumps(report.to_json()).decode())
    else:
        err.print(summary_table(report))
    if report.failed or report.unconfirmed:
        raise typer.Exit(code=1)
