"""``eventtide ml evaluate``: read a history, run the churn evaluation, print the table."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from eventtide.ml.churn_eval import evaluate_churn, format_table
from eventtide.ml.labels import HorizonBeyondDataError
from eventtide.ml.sources import read_jsonl


def run_evaluate(
    *, path: Path, cutoff: datetime, horizon_days: float, holdout_share: float, json_output: bool
) -> int:
    """0 when the table was printed; 1 with the reason when the history cannot be scored."""
    log, report = read_jsonl(path)
    cut = cutoff.replace(tzinfo=UTC) if cutoff.tzinfo is None else cutoff
    print(
        f"{path}: {report.lines} lines, {report.accepted} valid, {report.rejected} rejected; "
        f"{len(log)} activity events",
        file=sys.stderr,
    )
    for rejection in report.first_rejections:
        print(f"  rejected {rejection}", file=sys.stderr)
    try:
        evaluation = evaluate_churn(log, cut.timestamp(), horizon_days, holdout_share)
    except (HorizonBeyondDataError, ValueError) as error:
        print(f"cannot evaluate: {error}", file=sys.stderr)
        return 1
    if json_output:
        record = {
            "cutoff": cut.date().isoformat(),
            "horizon_days": horizon_days,
            "scores": [asdict(s) for s in evaluation.scores],
            "skipped": evaluation.skipped,
            "train_users": evaluation.train_users,
        }
        print(json.dumps(record, indent=2))
    else:
        print(
            f"churn evaluation: cut-off {cut.date()}, horizon {horizon_days:g} days, "
            f"trained at the cut-off minus the horizon on other users"
        )
        print(format_table(evaluation))
    return 0
