"""Pattern alerts over each user's final events, in ``(ts, event_id)`` order.

Because the input order is the event-time order (not arrival order), each rule is a
plain left-to-right scan and its alerts are the same in every replay and in the batch
oracle. Deduplication: after an alert, the same rule stays quiet for that user for
``cooldown`` of event time. Thresholds: ``AlertConfig``; rules: docs/processor.md.
"""

from __future__ import annotations

import math
import uuid
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from typing import Final

from eventtide.processor.config import AlertConfig
from eventtide.processor.model import Event

ALERT_NAMESPACE: Final = uuid.UUID("9b2e4c6a-1d3f-4a5b-8c7d-e9f0a1b2c3d4")

EvidenceValue = int | float | str | tuple[str, ...]
Evidence = tuple[tuple[str, EvidenceValue], ...]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert with what triggered it."""

    alert_id: str
    rule: str
    user_id: str
    severity: str
    at: int
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class CartAbandoned:
    """A cart left without a purchase: its adds and value."""

    cart_id: str
    user_id: str
    started: int
    at: int
    products: tuple[str, ...]
    value_cents: int
    add_event_ids: tuple[str, ...]


def alert_id(rule: str, user_id: str, trigger: str) -> str:
    """Deterministic: rule, user and the event (or cart) that triggered it."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{rule}|{user_id}|{trigger}"))


@dataclass(slots=True)
class UserAlertState:
    """What the rules remember about one user (mutable inside a batch)."""

    recent: deque[int] = field(default_factory=deque)
    purchases: deque[tuple[int, int, str]] = field(default_factory=deque)
    failures: deque[tuple[int, str]] = field(default_factory=deque)
    cart: list[Event] = field(default_factory=list)
    cart_deadline: int | None = None
    last_alert: dict[str, int] = field(default_factory=dict)
    last_ts: int = 0
    dropped: int = 0
    """Entries that have left the front of ``recent`` since this state was made: the
    checkpoint stores ``recent`` as append-only rows and needs to know which have left."""


class AlertRules:
    """The rules over one partition's final events."""

    __slots__ = ("config", "recent_span", "retention", "users")

    def __init__(self, config: AlertConfig) -> None:
        self.config = config
        self.users: dict[str, UserAlertState] = {}
        self.recent_span = max(
            config.burst_window + config.burst_baseline,
            config.bot_rate_window,
        )
        self.retention = max(
            self.recent_span,
            config.cooldown,
            config.high_spender_window,
            config.failures_window,
        )

    def _fire(
        self,
        state: UserAlertState,
        rule: str,
        user_id: str,
        trigger: str,
        at: int,
        severity: str,
        evidence: Evidence,
    ) -> Alert | None:
        last = state.last_alert.get(rule)
        if last is not None and at < last + self.config.cooldown:
            return None
        state.last_alert[rule] = at
        return Alert(alert_id(rule, user_id, trigger), rule, user_id, severity, at, evidence)

    def feed(self, event: Event) -> tuple[list[Alert], list[CartAbandoned]]:
        """The next final event; returns the alerts it raised."""
        config, ts = self.config, event.ts
        state = self.users.get(event.user_id)
        if state is None:
            state = self.users[event.user_id] = UserAlertState()
        state.last_ts = ts
        alerts: list[Alert] = []
        recent = state.recent
        recent.append(ts)
        while (
            recent and recent[0] <= ts - self.recent_span and len(recent) > config.bot_intervals + 1
        ):
            recent.popleft()
            state.dropped += 1
        self._burst(state, event, alerts)
        self._bot(state, event, alerts)
        etype = event.event_type
        abandoned: list[CartAbandoned] = []
        if etype == "purchase":
            self._spender(state, event, alerts)
            state.cart = []
            state.cart_deadline = None
        elif etype == "add_to_cart":
            state.cart.append(event)
            state.cart_deadline = ts + config.cart_timeout
        if event.failed:
            self._failures(state, event, alerts)
        return alerts, abandoned

    def cart_timer(self, user_id: str, deadline: int) -> tuple[list[Alert], list[CartAbandoned]]:
        """A cart deadline has passed (after every event at or before it)."""
        state = self.users.get(user_id)
        if state is None or state.cart_deadline != deadline or not state.cart:
            return [], []
        cart = state.cart
        state.cart, state.cart_deadline = [], None
        first = cart[0]
        value = sum(event.products[0][1] for event in cart)
        record = CartAbandoned(
            alert_id("cart", user_id, first.event_id),
            user_id,
            first.ts,
            deadline,
            tuple(event.products[0][0] for event in cart),
            value,
            tuple(event.event_id for event in cart),
        )
        evidence: Evidence = (
            ("adds", record.add_event_ids),
            ("value_cents", value),
        )
        alert = self._fire(
            state, "cart_abandoned", user_id, first.event_id, deadline, "low", evidence
        )
        return ([alert] if alert else []), [record]

    def _burst(self, state: UserAlertState, event: Event, alerts: list[Alert]) -> None:
        config, ts = self.config, event.ts
        window_low = ts - config.burst_window
        base_low = window_low - config.burst_baseline
        # ``recent`` is in time order (final events are fed in order), so two binary
        # searches count what a walk back over the user's last hour of events did
        recent = state.recent
        if len(recent) < config.burst_min_events:
            return
        after_base = bisect_right(recent, window_low)
        in_window = len(recent) - after_base
        if in_window < config.burst_min_events:
            return
        in_base = after_base - bisect_right(recent, base_low)
        per_minute = in_base / (config.burst_baseline / 60_000_000)
        threshold = max(config.burst_min_events, config.burst_factor * per_minute)
        if in_window >= threshold:
            evidence: Evidence = (
                ("events_last_window", in_window),
                ("baseline_per_minute", round(per_minute, 3)),
                ("threshold", round(threshold, 3)),
            )
            alert = self._fire(
                state, "burst", event.user_id, event.event_id, ts, "medium", evidence
            )
            if alert:
                alerts.append(alert)

    def _bot(self, state: UserAlertState, event: Event, alerts: list[Alert]) -> None:
        config, ts, recent = self.config, event.ts, state.recent
        rate = 0
        for seen in reversed(recent):
            if seen <= ts - config.bot_rate_window:
                break
            rate += 1
        reason = ""
        evidence: Evidence = ()
        if rate >= config.bot_rate_events:
            reason = "impossible_rate"
            evidence = (("reason", reason), ("events_in_window", rate))
        elif len(recent) > config.bot_intervals:
            last = [recent[-1 - i] for i in range(config.bot_intervals + 1)]
            gaps = [last[i] - last[i + 1] for i in range(config.bot_intervals)]
            mean = sum(gaps) / len(gaps)
            if 0 < mean < config.bot_max_mean_interval:
                var = sum((g - mean) ** 2 for g in gaps) / len(gaps)
                cv = math.sqrt(var) / mean
                if cv < config.bot_max_cv:
                    reason = "regular_intervals"
                    evidence = (
                        ("reason", reason),
                        ("mean_interval_us", round(mean)),
                        ("cv", round(cv, 4)),
                    )
        if reason:
            alert = self._fire(
                state, "bot_like", event.user_id, event.event_id, ts, "high", evidence
            )
            if alert:
                alerts.append(alert)

    def _spender(self, state: UserAlertState, event: Event, alerts: list[Alert]) -> None:
        config, ts, purchases = self.config, event.ts, state.purchases
        purchases.append((ts, event.amount_cents, event.event_id))
        while purchases[0][0] <= ts - config.high_spender_window:
            purchases.popleft()
        total = sum(cents for _, cents, _ in purchases)
        if total > config.high_spender_cents:
            severity = "high" if total > 2 * config.high_spender_cents else "medium"
            evidence: Evidence = (
                ("spent_cents", total),
                ("purchases", tuple(eid for _, _, eid in purchases)),
            )
            alert = self._fire(
                state, "high_spender", event.user_id, event.event_id, ts, severity, evidence
            )
            if alert:
                alerts.append(alert)

    def _failures(self, state: UserAlertState, event: Event, alerts: list[Alert]) -> None:
        config, ts, failures = self.config, event.ts, state.failures
        failures.append((ts, event.event_id))
        while failures[0][0] <= ts - config.failures_window:
            failures.popleft()
        if len(failures) >= config.failures:
            severity = "high" if len(failures) >= 2 * config.failures else "medium"
            evidence: Evidence = (("failures", tuple(eid for _, eid in failures)),)
            alert = self._fire(
                state, "repeated_failures", event.user_id, event.event_id, ts, severity, evidence
            )
            if alert:
                alerts.append(alert)

    def expire(self, watermark: int) -> list[str]:
        """Forget users quiet for longer than any rule looks back, with no open cart.

        Returns the users forgotten (their checkpoint rows go).
        """
        low = watermark - self.retention
        stale = [uid for uid, s in self.users.items() if s.last_ts < low and not s.cart]
        for uid in stale:
            del self.users[uid]
        return stale
