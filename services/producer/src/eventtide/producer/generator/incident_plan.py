"""Incidents placed in a run, and what each one changes while it is on.

- ``broken_checkout``: of the checkouts that would pay, the share ``severity`` fails;
  about half of those users try again once or twice (another ``checkout_started``, which
  fails too) and then leave. Traffic and every earlier funnel step are unchanged.
- ``outage``: events of one platform or country are lost (share ``severity``, 1 = all).
- ``surge``: a viral product page brings extra one-off visitors, ``severity`` extra
  sessions per ordinary session, who land on that page and rarely buy.
- ``degradation``: the add-to-cart probability sinks linearly from unchanged at the
  start to ``1 - severity`` times at the end, then recovers at once (the fix).
- ``malformed``: the share ``severity`` of events is sent as bytes the consumer rejects.

Decisions use their own seeded random generator, so a run without incidents draws
nothing from it and stays the same stream as before.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from eventtide.producer.generator.incidents import DEFAULTS, IncidentKind, IncidentSpec
from eventtide.producer.generator.malformed import Malformed, malform

OUTAGE_PLATFORMS: Final = ("web", "ios", "android")
RETRY_CHANCE: Final = 0.5
"""A user whose checkout failed tries again with this chance, at most twice."""
MAX_RETRIES: Final = 2


@dataclass
class Incident:
    """One placed incident and a count of what it did (``effects``)."""

    incident_id: str
    kind: IncidentKind
    start: float
    end: float
    severity: float
    target: dict[str, str] = field(default_factory=dict)
    effects: Counter[str] = field(default_factory=Counter)
    observed: list[float] = field(default_factory=list)
    """Live runs: wall-clock times at which the stream crossed start and end."""

    def active(self, t: float) -> bool:
        """Whether ``t`` falls inside the incident's window."""
        return self.start <= t < self.end


def place_incidents(
    specs: Sequence[IncidentSpec],
    rng: random.Random,
    start: float,
    span: float,
    pages: Sequence[str],
) -> list[Incident]:
    """Give every spec its window, severity and target; missing starts come from ``rng``.

    A drawn start keeps the whole window inside ``span`` seconds from ``start``.
    """
    placed = []
    for number, spec in enumerate(specs, start=1):
        defaults = DEFAULTS[spec.kind]
        duration = min(spec.duration_s or defaults.duration_s, span)
        offset = spec.start_s if spec.start_s is not None else rng.uniform(0, span - duration)
        target: dict[str, str] = {}
        if spec.kind == "outage":
            if spec.country:
                target["country"] = spec.country
            else:
                target["platform"] = spec.platform or rng.choice(OUTAGE_PLATFORMS)
        elif spec.kind == "surge":
            target["page"] = rng.choice(pages)
        placed.append(
            Incident(
                incident_id=f"i-{number:03d}",
                kind=spec.kind,
                start=start + offset,
                end=start + offset + duration,
                severity=spec.severity if spec.severity is not None else defaults.severity,
                target=target,
            )
        )
    return placed


class IncidentPlan:
    """The placed incidents, answering the session planner and the event stream."""

    def __init__(self, incidents: list[Incident], rng: random.Random) -> None:
        self.incidents = incidents
        self._rng = rng
        self._broken = [i for i in incidents if i.kind == "broken_checkout"]
        self._degraded = [i for i in incidents if i.kind == "degradation"]
        self._outages = [i for i in incidents if i.kind == "outage"]
        self._malformed = [i for i in incidents if i.kind == "malformed"]
        self.surges = [i for i in incidents if i.kind == "surge"]
        self._failed: Incident | None = None

    @property
    def changes_sessions(self) -> bool:
        """Whether the session planner must ask :meth:`cart_factor` and :meth:`checkout_fails`."""
        return bool(self._broken or self._degraded)

    @property
    def malforms(self) -> bool:
        """Whether some events come out as :class:`Malformed` bytes."""
        return bool(self._malformed)

    @property
    def changes_events(self) -> bool:
        """Whether each event must pass :meth:`on_event`."""
        return bool(self._outages or self._malformed)

    def cart_factor(self, t: float) -> float:
        """Degradations in progress multiply the add-to-cart probability by this."""
        factor = 1.0
        for incident in self._degraded:
            if incident.active(t):
                progress = (t - incident.start) / (incident.end - incident.start)
                factor *= 1.0 - incident.severity * progress
                incident.effects["degraded_sessions"] += 1
        return factor

    def checkout_fails(self, t: float) -> bool:
        """Whether a checkout that would pay at ``t`` hits a broken step."""
        for incident in self._broken:
            if incident.active(t) and self._rng.random() < incident.severity:
                incident.effects["failed_checkouts"] += 1
                self._failed = incident
                return True
        return False

    def retries(self) -> int:
        """How often the user of the last failed checkout tries again."""
        count = 0
        while count < MAX_RETRIES and self._rng.random() < RETRY_CHANCE:
            count += 1
        if self._failed is not None:
            self._failed.effects["retried_checkouts"] += count
        return count

    def on_event(self, at: float, event: dict[str, Any]) -> dict[str, Any] | Malformed | None:
        """The event as it arrives: unchanged, lost in an outage (None), or malformed."""
        for incident in self._outages:
            if (
                incident.active(at)
                and _hits(incident.target, event["context"])
                and (incident.severity >= 1.0 or self._rng.random() < incident.severity)
            ):
                incident.effects["lost_events"] += 1
                return None
        for incident in self._malformed:
            if incident.active(at) and self._rng.random() < incident.severity:
                broken = malform(self._rng, at, event)
                incident.effects["malformed_events"] += 1
                incident.effects[f"malformed_{broken.defect}"] += 1
                return broken
        return event


def _hits(target: dict[str, str], context: dict[str, Any]) -> bool:
    return all(context.get(key) == value for key, value in target.items())
