"""Registers ``eventtide produce``; the command's module is imported only when it runs.

Every ``eventtide`` invocation registers every command, so registration must stay
cheap: the producer's imports (the Kafka client, the generator) load on use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventtide.core.cli_options import (
    ColumnOption,
    DayOneOption,
    FileFormat,
    FileFormatOption,
    table_hints,
)
from eventtide.producer.generator.incidents import KINDS, IncidentSpec, parse_incident


def produce(
    events: Annotated[
        int | None,
        typer.Option("--events", "-n", min=1, help="Stop after this many; default: no limit."),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(min=0, help="Events per second in live mode (default 100; 0 = unlimited)."),
    ] = None,
    backfill_days: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="Send this many days of history, as fast as possible, then stop.",
        ),
    ] = None,
    users: Annotated[int, typer.Option(min=1, help="Simulated users.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Same seed, same users and events.")] = 0,
    from_file: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            help="Replay this instead: a file (gzipped or not), a zip archive or a folder "
            "of them (read by name).",
        ),
    ] = None,
    file_format: FileFormatOption = FileFormat.EVENTTIDE,
    column: ColumnOption = None,
    day_one: DayOneOption = None,
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
    file, reporting each invalid line with its number and reason; with --format it
    imports another analytics tool's event export.
    """
    incidents = _incidents(incident or [])
    if from_file is None and file_format is not FileFormat.EVENTTIDE:
        raise typer.BadParameter(
            "--format says what --from-file holds; give the export with --from-file",
            param_hint="--format",
        )
    if from_file is not None and incidents:
        raise typer.BadParameter(
            "incidents are simulated; a replayed file has none", param_hint="--incident"
        )
    hints = table_hints(column, day_one, file_format)
    from eventtide.producer.command import run_produce

    run_produce(
        events=events,
        rate=rate,
        backfill_days=backfill_days,
        users=users,
        seed=seed,
        from_file=from_file,
        file_format=file_format.value,
        table_hints=hints,
        ground_truth=ground_truth,
        topic=topic,
        json_summary=json_summary,
        incidents=incidents,
        weekly=weekly,
    )


def _incidents(texts: list[str]) -> tuple[IncidentSpec, ...]:
    """Parse every ``--incident``; a bad one stops the run before it starts."""
    try:
        return tuple(parse_incident(text) for text in texts)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--incident") from error


def register(app: typer.Typer) -> None:
    """Attach ``produce`` to the root CLI."""
    app.command("produce")(produce)
