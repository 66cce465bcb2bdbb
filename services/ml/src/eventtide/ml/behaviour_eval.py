"""Judging a behaviour model on held-out user-windows that carry no labels.

The database records what users did, not which of them were bots, so the held-out
comparison injects behaviour of stated shapes into copies of real held-out
user-windows (as ``anomaly_eval`` injects incidents into copies of held-out series):
each kind goes into its own copy of a user's window, on top of what that user really
did there. The positives are the copies; the negatives are the untouched held-out
user-windows. Any real bot among those counts against every model alike, so precision
is a lower bound. Which windows get a copy and where the burst starts are drawn from a
hash of the user and window, so every model is judged on the very same rows.

The shapes are what the abuse looks like, not the generator's parameters: a scripted
clicker (60 page views a second apart), a card-testing burst (6 purchases 45 s apart)
and a crawler (40 page views exactly 15 s apart, as regular as a timer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np

from eventtide.ml.behaviour_model import window_features, window_key
from eventtide.ml.evaluate import ClassificationScores, classification_scores
from eventtide.ml.features import PAGE_VIEW, PURCHASE, FeatureTable, behaviour_features
from eventtide.ml.history import EventLog, FloatArray


@dataclass(frozen=True)
class BehaviourInjection:
    """A burst of ``events`` events named ``name``, ``spacing_s`` apart."""

    kind: str
    name: str
    events: int
    spacing_s: float
    amount: float = 0.0


DEFAULT_BEHAVIOUR_INJECTIONS: Final = (
    BehaviourInjection("click_burst", PAGE_VIEW, 60, 1.0),
    BehaviourInjection("purchase_burst", PURCHASE, 6, 45.0, amount=25.0),
    BehaviourInjection("scripted_session", PAGE_VIEW, 40, 15.0),
)
COPIES_PER_KIND: Final = 200
"""Copies of each kind at most (fewer when the held-out stretch has fewer user-windows)."""


@dataclass(frozen=True)
class BehaviourJudgement:
    """A model's flags on the injected copies and the untouched rows."""

    overall: ClassificationScores
    recall_by_kind: dict[str, float]
    untouched_flag_rate: float
    untouched: int
    copies: int

    def to_json(self) -> dict[str, Any]:
        """For the registry's metrics."""
        return {
            **asdict(self.overall),
            "recall_by_kind": self.recall_by_kind,
            "untouched_flag_rate": self.untouched_flag_rate,
            "untouched": self.untouched,
            "copies": self.copies,
        }


@dataclass(frozen=True)
class InjectedSet:
    """The rows every model is judged on: untouched windows, then the injected copies."""

    table: FeatureTable
    truth: np.ndarray
    kinds: np.ndarray
    """Per row: the injected kind, '' for an untouched window."""


def _draw(key: str, kind: str) -> float:
    """A number in [0, 1) fixed by the key and the kind."""
    digest = hashlib.sha256(f"{kind}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def inject(
    held: EventLog,
    window_s: float,
    injections: tuple[BehaviourInjection, ...] = DEFAULT_BEHAVIOUR_INJECTIONS,
    copies_per_kind: int = COPIES_PER_KIND,
) -> InjectedSet:
    """The untouched held-out user-windows and, per kind, copies with the burst added."""
    untouched = window_features(held, window_s)
    starts = np.floor(held.time / window_s) * window_s
    keys = np.array(
        [window_key(u, s) for u, s in zip(held.user.tolist(), starts.tolist(), strict=True)],
        dtype=str,
    )
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    distinct = untouched.table.users
    parts: list[EventLog] = []
    for injection in injections:
        draws = np.array([_draw(str(k), injection.kind) for k in distinct])
        for row in np.argsort(draws)[:copies_per_kind]:
            key = str(distinct[row])
            lo = int(np.searchsorted(sorted_keys, key, side="left"))
            hi = int(np.searchsorted(sorted_keys, key, side="right"))
            idx = order[lo:hi]
            own = EventLog(held.user[idx], held.time[idx], held.name[idx], held.amount[idx])
            start = float(untouched.starts[row])
            parts.append(
                _with_burst(own, f"{injection.kind}#{key}", start, window_s, injection, draws[row])
            )
    if parts:
        copies_log = EventLog(
            np.concatenate([p.user for p in parts]).astype(str),
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.name for p in parts]).astype(str),
            np.concatenate([p.amount for p in parts]),
        )
        # one copy key per copy: its features come from that one window
        copies = behaviour_features(copies_log)
    else:
        names_ = untouched.table.names
        copies = FeatureTable(np.array([], dtype=str), names_, np.zeros((0, len(names_))))
    copy_kinds = np.array([str(k).split("#", 1)[0] for k in copies.users], dtype=str)
    table = FeatureTable(
        np.concatenate([untouched.table.users, copies.users]),
        untouched.table.names,
        np.vstack([untouched.table.values, copies.values]),
    )
    kinds = np.concatenate([np.full(len(untouched), "", dtype=object), copy_kinds]).astype(str)
    return InjectedSet(table, kinds != "", kinds)


def _with_burst(
    own: EventLog,
    copy_key: str,
    start: float,
    window_s: float,
    injection: BehaviourInjection,
    draw: float,
) -> EventLog:
    """A user's window under ``copy_key`` with the burst added, placed inside the window."""
    n = injection.events
    duration = (n - 1) * injection.spacing_s
    first = start + draw * max(window_s - duration - 1.0, 0.0)
    return EventLog(
        np.full(len(own) + n, copy_key),
        np.concatenate([own.time, first + np.arange(n) * injection.spacing_s]),
        np.concatenate([own.name, np.full(n, injection.name)]),
        np.concatenate([own.amount, np.full(n, injection.amount)]),
    )


def judge(
    score: Callable[[FeatureTable], FloatArray], threshold: float, rows: InjectedSet
) -> BehaviourJudgement:
    """Precision, recall, F1 and PR-AUC of ``score > threshold`` on the same rows."""
    scores = score(rows.table)
    flagged = scores > threshold
    overall = classification_scores(rows.truth, flagged, scores)
    kinds = sorted(set(rows.kinds.tolist()) - {""})
    untouched = ~rows.truth
    return BehaviourJudgement(
        overall=overall,
        recall_by_kind={k: float(flagged[rows.kinds == k].mean()) for k in kinds},
        untouched_flag_rate=float(flagged[untouched].mean()) if untouched.any() else 0.0,
        untouched=int(untouched.sum()),
        copies=int(rows.truth.sum()),
    )
