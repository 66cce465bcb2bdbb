"""Per-user ML features, computed when one of the user's sessions becomes final.

Sessions of a user become final in time order, so "the user's final sessions up to this
one" is the same set in every replay: the features are a function of the events alone.
History is kept as one small summary per session for ``HISTORY`` (30 days).
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass
from typing import Final

from eventtide.processor.sessions import Session

FEATURES_NAMESPACE: Final = uuid.UUID("3e5a7c9b-2d4f-4e6a-8b0c-1d2e3f4a5b6c")
WEEK: Final = 7 * 86_400_000_000
HISTORY: Final = 30 * 86_400_000_000


@dataclass(frozen=True, slots=True)
class Features:
    """One ``features.v1`` record (docs/processor.md, Features)."""

    feature_id: str
    user_id: str
    as_of: int
    recency_s: float | None
    sessions_7d: int
    sessions_30d: int
    events_7d: int
    purchases_30d: int
    monetary_30d_cents: int
    activity_trend: float


def features_for(session: Session, history: deque[Session]) -> Features:
    """Features as of ``session``'s end; ``history`` holds earlier final sessions."""
    as_of = session.end
    week, prior_week, month = as_of - WEEK, as_of - 2 * WEEK, as_of - HISTORY
    sessions_7d = sessions_30d = events_7d = events_prior = purchases = money = 0
    for past in (*history, session):
        if past.end > month:
            sessions_30d += 1
            purchases += past.purchases
            money += past.revenue_cents
        if past.end > week:
            sessions_7d += 1
            events_7d += past.events
        elif past.end > prior_week:
            events_prior += past.events
    previous = history[-1] if history else None
    return Features(
        str(uuid.uuid5(FEATURES_NAMESPACE, f"{session.session_id}|features")),
        session.user_id,
        as_of,
        None if previous is None else (session.start - previous.end) / 1_000_000,
        sessions_7d,
        sessions_30d,
        events_7d,
        purchases,
        money,
        (events_7d + 1) / (events_prior + 1),
    )


class FeatureHistory:
    """Each user's final sessions of the last 30 days, and always their latest one."""

    __slots__ = ("users",)

    def __init__(self) -> None:
        self.users: dict[str, deque[Session]] = {}

    def on_final(self, session: Session) -> Features:
        """Record a final session and return the user's features as of its end."""
        history = self.users.get(session.user_id)
        if history is None:
            history = self.users[session.user_id] = deque()
        while len(history) > 1 and history[0].end <= session.end - HISTORY:
            history.popleft()
        features = features_for(session, history)
        history.append(session)
        return features
