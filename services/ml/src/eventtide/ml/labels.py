"""Churn labels: a user churned when they did nothing in the N days after the cut-off.

The population is every user seen before the cut-off; the label looks only after it.
Features (see :mod:`eventtide.ml.features`) look only before it, so a cut-off is a clean
wall between what a model may know and what it must predict.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import numpy as np

from eventtide.ml.history import DAY_S, EventLog, FloatArray, StrArray

DEFAULT_HORIZON_DAYS: Final = 30.0


class HorizonBeyondDataError(ValueError):
    """The label window runs past the end of the history, so silence proves nothing."""


@dataclass(frozen=True)
class Labels:
    """``churned[i]`` is 1.0 when ``users[i]`` (sorted) had no event in the window."""

    users: StrArray
    churned: FloatArray


def churn_labels(
    log: EventLog, cutoff: float, horizon_days: float = DEFAULT_HORIZON_DAYS
) -> Labels:
    """Label every user active before ``cutoff`` by their activity in the next N days.

    Raises :class:`HorizonBeyondDataError` when the history ends more than a day before
    ``cutoff + N days``: a user who is silent only because the data stops would be
    labelled churned wrongly. The day of slack lets a log that stops on the window's last
    day (its final events a little before midnight) be used.
    """
    end = cutoff + horizon_days * DAY_S
    if len(log) == 0:
        raise HorizonBeyondDataError("the history holds no events to label")
    last = float(log.time.max())
    if last < end - DAY_S:
        raise HorizonBeyondDataError(
            f"the history ends at {readable_time(last)}, before the label window ends at "
            f"{readable_time(end)} (cut-off plus {horizon_days:g} days): choose an earlier "
            "--cutoff or a shorter --horizon-days"
        )
    users = np.unique(log.user[log.time < cutoff])
    after = np.unique(log.user[(log.time >= cutoff) & (log.time < end)])
    churned = (~np.isin(users, after)).astype(float)
    return Labels(users, churned)


def readable_time(epoch_s: float) -> str:
    """A time as people read it in an error (UTC, to the second)."""
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Split:
    """A time-based split: train at an earlier cut-off, test at a later one.

    The training labels' window ends exactly at the test cut-off, so no training label
    looks at the test period; ``test_users`` can also be kept apart from training users.
    """

    train_cutoff: float
    test_cutoff: float


def time_split(test_cutoff: float, horizon_days: float = DEFAULT_HORIZON_DAYS) -> Split:
    """Train at ``test_cutoff - N days`` so its labels end where the test begins."""
    return Split(test_cutoff - horizon_days * DAY_S, test_cutoff)


def holdout_users(users: StrArray, share: float, seed: int = 0) -> np.ndarray:
    """Which users (as a mask) are kept out of training.

    Decided by a hash of the user id, so a user is on the same side at every cut-off
    and in every run, whoever else is in the population.
    """
    salt = f"{seed}:".encode()
    buckets = np.fromiter(
        (zlib.crc32(salt + str(user).encode()) for user in users), dtype=np.int64, count=users.size
    )
    return (buckets % 10_000) < share * 10_000
