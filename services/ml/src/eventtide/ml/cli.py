"""Registers ``eventtide ml``; the models' imports (scikit-learn) load only when a verb runs.

Every ``eventtide`` invocation registers every command, so registration stays cheap.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from eventtide.core.cli_options import (
    ColumnOption,
    DayOneOption,
    FileFormat,
    FileFormatOption,
    IdleExitOption,
    JsonSummaryOption,
    MigrateOption,
    table_hints,
)


def evaluate(
    from_file: Annotated[
        Path,
        typer.Option(
            "--from-file",
            exists=True,
            help="Events in eventtide's JSONL format, or another tool's export or a "
            "purchase log as a table with --format (as `eventtide produce --from-file` "
            "reads them): a file, a zip archive or a folder.",
        ),
    ],
    cutoff: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="Test cut-off date (UTC), YYYY-MM-DD."),
    ],
    file_format: FileFormatOption = FileFormat.EVENTTIDE,
    column: ColumnOption = None,
    day_one: DayOneOption = None,
    horizon_days: Annotated[
        float, typer.Option(min=1.0, help="A user churns after this many silent days.")
    ] = 30.0,
    holdout_share: Annotated[
        float, typer.Option(min=0.05, max=0.95, help="Share of users kept out of training.")
    ] = 0.3,
    active_within_days: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Judge only users active in this many days before each cut-off (the "
            "customers a retention team can still reach); default: every user seen.",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the scores as JSON on stdout.")
    ] = False,
) -> None:
    """Churn evaluation on a purchase history: ours against recency, RFM and BG/NBD."""
    from eventtide.ml.command import run_evaluate

    hints = table_hints(column, day_one, file_format)
    code = run_evaluate(
        path=from_file,
        file_format=file_format.value,
        table_hints=hints,
        cutoff=cutoff,
        horizon_days=horizon_days,
        holdout_share=holdout_share,
        active_within_days=active_within_days,
        json_output=json_output,
    )
    raise typer.Exit(code=code)


def train(
    model: Annotated[
        str,
        typer.Argument(
            help="Which model: churn, churn-online (the one `ml score` serves), anomaly "
            "(the one `ml detect` serves) or behaviour (the one `ml behave` serves)."
        ),
    ],
    cutoff: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="Held-out cut-off date (UTC), YYYY-MM-DD."),
    ],
    horizon_days: Annotated[float, typer.Option(min=1.0, help="Churn: silent days.")] = 30.0,
    window: Annotated[
        str | None,
        typer.Option(
            help="Anomaly: tumbling_1m, tumbling_5m or tumbling_1h (default); "
            "behaviour: tumbling_1d (default: judged every hour on each user's trailing day) "
            "or tumbling_1h."
        ),
    ] = None,
    held_out_days: Annotated[
        float,
        typer.Option(min=0.5, help="Anomaly, behaviour: days after the cut-off to judge on."),
    ] = 7.0,
) -> None:
    """Train on the stored data, evaluate on a held-out period, register, promote if better."""
    from eventtide.ml.command import run_train

    raise typer.Exit(
        code=run_train(
            model=model,
            cutoff=cutoff,
            horizon_days=horizon_days,
            window=window,
            held_out_days=held_out_days,
        )
    )


def score(
    group: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_ML_GROUP_ID.")] = None,
    migrate: MigrateOption = False,
    idle_exit: IdleExitOption = 0.0,
    json_summary: JsonSummaryOption = False,
) -> None:
    """Score features.v1 with the production model into predictions, exactly once."""
    from eventtide.ml.score_command import run_scorer

    code = run_scorer(group=group, migrate=migrate, idle_exit=idle_exit, json_summary=json_summary)
    raise typer.Exit(code=code)


def detect(
    group: Annotated[
        str | None, typer.Option(help="Default: EVENTTIDE_ML_DETECT_GROUP_ID.")
    ] = None,
    migrate: MigrateOption = False,
    idle_exit: IdleExitOption = 0.0,
    json_summary: JsonSummaryOption = False,
) -> None:
    """Judge windows.v1 with the production anomaly model into alerts, exactly once."""
    from eventtide.ml.detect_command import run_detector

    code = run_detector(
        group=group, migrate=migrate, idle_exit=idle_exit, json_summary=json_summary
    )
    raise typer.Exit(code=code)


def behave(
    group: Annotated[
        str | None, typer.Option(help="Default: EVENTTIDE_ML_BEHAVE_GROUP_ID.")
    ] = None,
    migrate: MigrateOption = False,
    idle_exit: IdleExitOption = 0.0,
    json_summary: JsonSummaryOption = False,
) -> None:
    """Judge users' event-time windows on events.v1 with the production behaviour model
    into alerts, exactly once."""
    from eventtide.ml.behave_command import run_behave

    code = run_behave(group=group, migrate=migrate, idle_exit=idle_exit, json_summary=json_summary)
    raise typer.Exit(code=code)


def register(app: typer.Typer) -> None:
    """Attach ``ml`` and its verbs to the root CLI."""
    ml = typer.Typer(
        help="Churn, anomaly and behaviour models: evaluate, train, score, detect, behave.",
        no_args_is_help=True,
    )
    app.add_typer(ml, name="ml")
    ml.command("evaluate")(evaluate)
    ml.command("train")(train)
    ml.command("score")(score)
    ml.command("detect")(detect)
    ml.command("behave")(behave)
