"""Closed user-windows to alert rows: the same features as training, the served model.

Pure. The windows' events become one log keyed per window, so
``features.behaviour_features`` computes exactly what ``behaviour_model.window_features``
computed on the stored events at training; each window whose isolation score is above
the model's threshold becomes a row of the ``alerts`` table. The alert id is
uuid5(rule, user, start of the episode's first window): a replay gives the same ids
and forms, and each is stored in place.

With hopping windows the model's short model (an hour under a day) also judges each
window's last hop, so a burst that a whole day dilutes still alerts within its hour;
the evidence says which of the two flagged (``flagged``, ``last_hop.flagged``).

Windows that hop overlap: a bot judged every hour on its trailing day is flagged hour
after hour. :func:`episode_rows` keeps one alert per episode: a flagged window that
overlaps the user's previous flagged one grows that episode's alert (stored in place,
re-sent with the same id) instead of raising another. Tumbling windows never overlap,
so there every flagged window is its own alert.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import numpy as np

from eventtide.ml.behave_state import US, ClosedWindow, Episode, PartitionState, closed_log
from eventtide.ml.behaviour_model import KEY_SEP, BehaviourModel
from eventtide.ml.features import BEHAVIOUR_FEATURES, behaviour_features

RULE: Final = "behaviour_anomaly"
ALERT_NAMESPACE: Final = uuid.UUID("0b6f3c1e-6d3a-4f7e-9a55-2c8e1f4b7d90")
HIGH_Z_FACTOR: Final = 2.0
"""An alert is ``high`` when its robust z is at least twice the model's threshold k."""


def alert_id(user: str, start_us: int) -> str:
    """Deterministic: the rule, the user and the window's start."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{RULE}|{user}|{start_us}"))


def _last_hop(windows: list[ClosedWindow], window_us: int, hop_us: int) -> list[ClosedWindow]:
    """Each window cut to its last hop: the pane whose closing closed it."""
    out = []
    for w in windows:
        since = w.start_us + window_us - hop_us
        keep = [i for i, t in enumerate(w.times) if t >= since]
        out.append(
            ClosedWindow(w.user, w.start_us, tuple(w.times[i] for i in keep),
                         "".join(w.codes[i] for i in keep))
        )  # fmt: skip
    return out


def _judged(
    windows: list[ClosedWindow], model: BehaviourModel
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Row per window key, the feature values, scores and robust z."""
    table = behaviour_features(closed_log(windows))
    scores = model.score(table)
    return {str(k): i for i, k in enumerate(table.users)}, table.values, scores, model.z(scores)


def alert_rows(
    windows: list[ClosedWindow], model: BehaviourModel, version: int, hop_us: int | None = None
) -> list[dict[str, Any]]:
    """One alert row per closed window the model flags, in the windows' order.

    With hopping windows (``hop_us`` shorter than the window) and a short model of the
    hop's length, the window's last hop is judged by the short model too, and either
    flag raises the row.
    """
    if not windows:
        return []
    window_us = round(model.window_s * US)
    row_of, values, scores, z = _judged(windows, model)
    hop = window_us if hop_us is None else hop_us
    short = model.short
    if short is not None and not (hop < window_us and round(short.window_s * US) == hop):
        short = None  # no short model of this hop: the window's model alone
    if short is not None:
        short_row, _, short_scores, short_z = _judged(_last_hop(windows, window_us, hop), short)
    rows = []
    for window in windows:
        key = f"{window.user}{KEY_SEP}{window.start_us}"
        i = row_of[key]
        by_window = bool(scores[i] > model.threshold)
        by_hop = False
        evidence_hop: dict[str, Any] | None = None
        if short is not None:
            j = short_row[key]
            by_hop = bool(short_scores[j] > short.threshold)
            evidence_hop = {
                "start": window.start_us + window_us - hop,
                "score": round(float(short_scores[j]), 6),
                "threshold": round(short.threshold, 6),
                "z": round(float(short_z[j]), 3),
                "flagged": by_hop,
            }
        if not (by_window or by_hop):
            continue
        strongest = max(float(z[i]), -np.inf if evidence_hop is None else evidence_hop["z"])
        rows.append(
            {
                "alert_id": alert_id(window.user, window.start_us),
                "rule": RULE,
                "user_id": window.user,
                "severity": "high" if strongest >= HIGH_Z_FACTOR * model.robust_k else "medium",
                "at": window.start_us,
                "evidence": {
                    "window_start": window.start_us,
                    "window_end": window.start_us + window_us,
                    "events": len(window.times),
                    "score": round(float(scores[i]), 6),
                    "threshold": round(model.threshold, 6),
                    "z": round(float(z[i]), 3),
                    "flagged": by_window,
                    "last_hop": evidence_hop,
                    "features": {
                        name: round(float(values[i, k]), 6)
                        for k, name in enumerate(BEHAVIOUR_FEATURES)
                    },
                    "model_version": version,
                },
            }
        )
    return rows


def episode_rows(
    state: PartitionState, rows: list[dict[str, Any]], window_us: int, lateness_us: int
) -> list[dict[str, Any]]:
    """Flagged windows (in closing order) as their episodes' alerts in the latest form.

    A window that overlaps its user's open episode grows it: the row keeps the episode's
    id, ``at`` and highest severity, its evidence is the new window's plus the episode's
    span and window count, and it is stored in place of the earlier form. Any other
    flagged window opens an episode. The episodes no later window can overlap are let
    go: a window closed later ends past the watermark, so it starts after watermark
    minus the window.
    """
    out = []
    for row in rows:
        user, evidence = str(row["user_id"]), row["evidence"]
        start, end = int(evidence["window_start"]), int(evidence["window_end"])
        high = row["severity"] == "high"
        episode = state.episodes.get(user)
        if episode is None or start >= episode.end_us:
            episode = Episode(start, end, 1, high)
        else:
            episode = Episode(
                episode.start_us, max(episode.end_us, end), episode.windows + 1,
                episode.high or high,
            )  # fmt: skip
        state.episodes[user] = episode
        out.append(
            {
                **row,
                "alert_id": alert_id(user, episode.start_us),
                "at": episode.start_us,
                "severity": "high" if episode.high else "medium",
                "evidence": {
                    **evidence,
                    "episode": {
                        "start": episode.start_us,
                        "end": episode.end_us,
                        "windows": episode.windows,
                    },
                },
            }
        )
    if state.frontier_us is not None:
        horizon = state.frontier_us - lateness_us - window_us
        state.episodes = {u: e for u, e in state.episodes.items() if e.end_us > horizon}
    return latest_forms(out)


def latest_forms(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per alert id, its last form, in the order the ids first appeared (a batch
    writes each alert once, so the upsert never meets the same id twice)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest[str(row["alert_id"])] = row
    return list(latest.values())


def open_episodes(state: PartitionState) -> set[str]:
    """The alert ids of the partition's open episodes (taken before :func:`episode_rows`,
    to tell the episodes it opens from those it grows)."""
    return {alert_id(user, episode.start_us) for user, episode in state.episodes.items()}


def opened_episodes(rows: list[dict[str, Any]], open_before: set[str]) -> int:
    """How many episodes ``rows`` (one :func:`episode_rows` call) opened. A row holds an
    episode's latest form, so an episode opened and grown in one batch is one row."""
    return sum(1 for row in rows if row["alert_id"] not in open_before)


def watermark_s(states: list[PartitionState], lateness_us: int) -> float | None:
    """The newest watermark (seconds of event time) among the partitions held: windows
    ending by it are judged. ``None`` before any event."""
    frontiers = [s.frontier_us for s in states if s.frontier_us is not None]
    return None if not frontiers else (max(frontiers) - lateness_us) / US
