"""``eventtide produce``: simulated users (live or backfill) or a JSONL file, to Kafka."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import orjson
import typer
from prometheus_client import start_http_server
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eventtide.core.events import validation_context
from eventtide.core.kafka import EventProducer, producer_config
from eventtide.core.kafka.producer import KafkaUnavailableError
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import core_settings
from eventtide.core.signals import stop_on_signals
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.generator.incidents import KINDS, IncidentSpec, parse_incident
from eventtide.producer.rate_column import EventRateColumn
from eventtide.producer.runner import run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import Item, Rejected, from_jsonl, simulated
from eventtide.producer.summary import summary_table

LIVE_SETTLE_S = 1.0
"""Before live events are stamped, time for the idempotent producer to get its id."""


def produce(
    events: Annotated[
        int | None, typer.Option("--events", "-n", help="Stop after this many; default: no limit.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(help="Events per second in live mode (default 100; 0 = unlimited)."),
    ] = None,
    backfill_days: Annotated[
        float | None,
        typer.Option(help="Send this many days of history, as fast as possible, then stop."),
    ] = None,
    users: Annotated[int, typer.Option(min=1, help="Simulated users.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Same seed, same users and events.")] = 0,
    from_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Replay a JSONL file instead."),
    ] = None,
    ground_truth: Annotated[
        Path | None, typer.Option(help="Write churned users and anomalies here at the end.")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_EVENTS_TOPIC.")] = None,
    incident: Annotated[
        list[str] | None,
        typer.Option(
            help="Inject a platform incident; repeatable. KIND[,start=2d][,duration=6h]"
            f"[,severity=0.5][,platform=ios|country=DE]; KIND is one of {', '.join(KINDS)}.",
        ),
    ] = None,
    weekly: Annotated[
        bool, typer.Option(help="Weekly traffic pattern on top of the daily curve.")
    ] = True,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
    ] = False,
) -> None:
    """Produce events to Kafka with a progress bar and a summary at the end.

    Live mode (the default) stamps events with the current time and paces them;
    --backfill-days sends past days as fast as possible; --from-file replays a JSONL
    file, reporting each invalid line with its number and reason.
    """
    core, settings = core_settings(), ProducerSettings()
    err = Console(stderr=True)
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    context = validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s))
    simulation: Simulation | None = None
    items: Iterator[Item]
    incidents = _incidents(incident or [])
    if from_file is not None and incidents:
        raise typer.BadParameter(
            "incidents are simulated; a replayed file has none", param_hint="--incident"
        )
    if from_file is not None:
        items, total = from_jsonl(from_file, context), events
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
    client = producer_config(core.kafka_bootstrap_servers, settings.tuning()) | kafka_security(core)
    producer = EventProducer(client, topic or core.events_topic)
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
        stop_on_signals(second_signal_exits=True) as stop,
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


def _incidents(texts: list[str]) -> tuple[IncidentSpec, ...]:
    """Parse every ``--incident``; a bad one stops the run before it starts."""
    try:
        return tuple(parse_incident(text) for text in texts)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--incident") from error


def register(app: typer.Typer) -> None:
    """Attach ``produce`` to the root CLI."""
    app.command("produce")(produce)
