"""The simulation: users' sessions and injected anomalies merged into one event stream.

Every user's next event waits in a heap keyed by its time, so the stream comes out in
event-time order across users, as a real site would send it. One seeded
``random.Random`` drives everything in that order, so a seed gives the same stream.

Incidents (``incident_plan``) draw from a second generator seeded from the same seed, so
a run without them is the same stream it always was; session starts follow the diurnal
curve times the weekly pattern unless ``weekly`` is off (then the stream is byte for byte
what it was before the weekly pattern existed).

Events come out as plain dicts (``datetime`` and UUID-string values) exactly as a client
would send them, optional fields left out rather than null; validating them into models
is the next stage's job.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from eventtide.core.events import CURRENT_SCHEMA_VERSION
from eventtide.producer.generator.anomalies import bot_click_burst, fraud_purchase_burst
from eventtide.producer.generator.catalog import build_catalog
from eventtide.producer.generator.diurnal import MAX_WEIGHT, diurnal_weight
from eventtide.producer.generator.ground_truth import Anomaly, AnomalyKind, GroundTruth
from eventtide.producer.generator.incident_plan import IncidentPlan, place_incidents
from eventtide.producer.generator.incidents import IncidentSpec
from eventtide.producer.generator.malformed import Malformed
from eventtide.producer.generator.personas import DEFAULT_PERSONAS, Persona
from eventtide.producer.generator.sessions import (
    MIN_SESSION_GAP_S,
    SessionPlanner,
    Step,
    Weight,
    next_session_start,
)
from eventtide.producer.generator.users import SimUser, build_users
from eventtide.producer.generator.visitors import visitor
from eventtide.producer.generator.weekly import SEASONAL_PEAK, seasonal_weight

LIVE_HORIZON_DAYS: Final = 7.0
"""Live runs have no end; churn times and anomalies are spread over this many days."""
CHURN_WINDOW: Final = (0.2, 0.9)
"""Churners go silent at a time drawn uniformly from this part of the run (shares of its
span), so a run holds both users already gone and users about to go."""

_VERSION_BITS: Final = (0x4 << 76) | (0x8 << 60)
_VERSION_MASK: Final = ~((0xF << 76) | (0xC << 60)) & ((1 << 128) - 1)


@dataclass(frozen=True)
class GeneratorConfig:
    """What to simulate.

    ``start`` is the first possible event time; ``days`` bounds the run (backfill).
    ``live`` stamps every event with the wall clock when it is emitted instead of its
    simulated time (pacing is the caller's business). ``weekly`` adds the weekly
    pattern to the diurnal curve; ``incidents`` are injected as ``incident_plan`` says.
    """

    users: int = 10_000
    seed: int = 0
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    days: float | None = None
    live: bool = False
    personas: tuple[Persona, ...] = DEFAULT_PERSONAS
    bot_bursts_per_day: float = 2.0
    fraud_bursts_per_day: float = 1.0
    weekly: bool = True
    incidents: tuple[IncidentSpec, ...] = ()


class _Cursor:
    """A planned run of one user's events and the position of the next one."""

    __slots__ = (
        "anomaly", "countries", "index", "number", "one_off", "session_id", "steps", "user",
    )  # fmt: skip

    def __init__(
        self,
        user: SimUser,
        number: int,
        steps: list[Step],
        anomaly: Anomaly | None = None,
        countries: list[str] | None = None,
    ) -> None:
        self.user = user
        self.number = number
        self.session_id = f"{user.user_id}-s{number:05d}"
        self.steps = steps
        self.index = 0
        self.anomaly = anomaly
        self.countries = countries
        self.one_off = anomaly is not None
        """No follow-up session: anomalies and surge visitors come once."""


def session_weight(config: GeneratorConfig) -> tuple[Weight, float]:
    """What session starts follow (relative traffic over time) and its bound.

    A user of ``sessions_per_day`` starts sessions at ``sessions_per_day * weight(t)`` per
    day; analyses that model the generator itself (the churn oracle in ``bench/ml``) read
    it here rather than repeat the choice.
    """
    return (seasonal_weight, SEASONAL_PEAK) if config.weekly else (diurnal_weight, MAX_WEIGHT)


def spread_span_s(config: GeneratorConfig) -> float:
    """Seconds over which churn times and anomalies are spread: the run, or a live horizon."""
    horizon = config.days if config.days is not None else LIVE_HORIZON_DAYS
    return horizon * 86_400.0


def churn_window(config: GeneratorConfig) -> tuple[float, float]:
    """The Unix times between which churners' silences start (uniformly, ``CHURN_WINDOW``)."""
    start, span = config.start.timestamp(), spread_span_s(config)
    return start + CHURN_WINDOW[0] * span, start + CHURN_WINDOW[1] * span


class Simulation:
    """Iterate :meth:`events`; :attr:`ground_truth` fills in as events come out."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)  # noqa: S311 - a simulation, not secrets
        self._start = config.start.timestamp()
        self._end = self._start + config.days * 86_400.0 if config.days is not None else math.inf
        span = spread_span_s(config)
        self._catalog = build_catalog(self._rng)
        self._weight, self._peak = session_weight(config)
        self._incident_rng = random.Random(f"incidents-{config.seed}")  # noqa: S311
        incidents = place_incidents(
            config.incidents,
            self._incident_rng,
            self._start,
            span,
            [f"/product/{p}" for p in self._catalog.product_ids],
        )
        self._plan = IncidentPlan(incidents, self._incident_rng) if incidents else None
        self._hooks = self._plan if self._plan and self._plan.changes_sessions else None
        self._planner = SessionPlanner(self._rng, self._catalog, self._hooks)
        self.users = build_users(
            self._rng,
            config.users,
            config.personas,
            churn_window(config),
        )
        self.ground_truth = GroundTruth(
            seed=config.seed,
            personas={user.user_id: user.persona.name for user in self.users},
            incidents={incident.incident_id: incident for incident in incidents},
            weekly=config.weekly,
        )
        self._delays = [timedelta(seconds=self._rng.lognormvariate(-2.5, 0.6)) for _ in range(64)]
        self._heap: list[tuple[float, int, _Cursor]] = []
        self._sessions: dict[str, int] = {}
        self._seq = 0
        for user in self.users:
            first = next_session_start(
                self._rng, self._start, user.persona.sessions_per_day, self._weight, self._peak
            )
            self._schedule(self._session(user, first))
        self._inject(span)
        if self._plan is not None:
            self._invite_visitors(self._plan)

    def _session(self, user: SimUser, start: float) -> _Cursor:
        number = self._sessions.get(user.user_id, 0) + 1
        self._sessions[user.user_id] = number
        return _Cursor(user, number, self._planner.plan(user, start, first=number == 1))

    def _schedule(self, cursor: _Cursor) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (cursor.steps[0][0], self._seq, cursor))

    def _inject(self, span: float) -> None:
        """Place the anomalies at random times within the first ``span`` seconds."""
        rng, days = self._rng, span / 86_400.0
        bots = [u for u in self.users if u.persona.is_bot] or self.users
        # fraud hits active accounts: a churner's silence must stay silent
        humans = [u for u in self.users if not (u.persona.is_bot or u.persona.churns)]
        humans = humans or self.users
        plans: list[tuple[AnomalyKind, float]] = [
            ("bot_click_burst", self.config.bot_bursts_per_day),
            ("fraud_purchase_burst", self.config.fraud_bursts_per_day),
        ]
        for kind, per_day in plans:
            count = _poisson(rng, per_day * days)
            for _ in range(count):
                start = self._start + rng.uniform(0.0, span)
                user = rng.choice(bots if kind == "bot_click_burst" else humans)
                anomaly = Anomaly(
                    f"a-{len(self.ground_truth.anomalies) + 1:05d}", kind, user.user_id, start
                )
                self.ground_truth.anomalies[anomaly.anomaly_id] = anomaly
                number = self._sessions.get(user.user_id, 0) + 1
                self._sessions[user.user_id] = number
                if kind == "bot_click_burst":
                    cursor = _Cursor(user, number, bot_click_burst(rng, start), anomaly)
                else:
                    pairs = fraud_purchase_burst(rng, start, self._catalog, self._planner)
                    steps = [step for step, _ in pairs]
                    cursor = _Cursor(user, number, steps, anomaly, [c for _, c in pairs])
                self._schedule(cursor)

    def _invite_visitors(self, plan: IncidentPlan) -> None:
        """Plan every surge's one-off visitor sessions, arriving like ordinary sessions do.

        Arrivals follow the same seasonal weight at ``severity`` times the population's
        own session rate (bots left out), so a surge scales what the hour would have had.
        Their orders are numbered apart (``o-v...``).
        """
        # planned with the incident generator: the regular users' stream stays as it was
        rng = self._incident_rng
        planner = SessionPlanner(rng, self._catalog, self._hooks, order_prefix="o-v")
        per_s = sum(u.persona.sessions_per_day for u in self.users if not u.persona.is_bot)
        per_s /= 86_400.0
        count = 0
        for surge in plan.surges:
            rate = surge.severity * per_s * self._peak
            t, end = surge.start, min(surge.end, self._end)
            while rate > 0:
                t += rng.expovariate(rate)
                if t >= end:
                    break
                if rng.random() * self._peak > self._weight(t):
                    continue
                count += 1
                user = visitor(rng, count)
                self.ground_truth.personas[user.user_id] = user.persona.name
                steps = planner.plan(user, t, first=True, landing=surge.target["page"])
                cursor = _Cursor(user, 1, steps)
                cursor.one_off = True
                self._schedule(cursor)
                surge.effects["visitor_sessions"] += 1

    def _follow_up(self, cursor: _Cursor) -> _Cursor | None:
        """The user's next session after ``cursor`` ends, unless they churned or time is up."""
        if cursor.one_off:
            return None  # anomalies are extra sessions; the user's own schedule goes on
        user = cursor.user
        last = cursor.steps[-1][0]
        start = next_session_start(
            self._rng,
            last + MIN_SESSION_GAP_S,
            user.persona.sessions_per_day,
            self._weight,
            self._peak,
        )
        if start >= self._end:
            return None
        if user.churn_at is not None and start >= user.churn_at:
            self.ground_truth.churned[user.user_id] = last  # the last time they were seen
            return None
        return self._session(user, start)

    def events(self) -> Iterator[dict[str, Any]]:
        """Events in time order until the configured days are over (forever when live).

        Only well-formed events: what a data-quality incident malforms is left out here,
        as the consumer leaves it out of the database (:meth:`stream` has everything).
        """
        if self._plan is not None and self._plan.malforms:
            return (event for event in self._run() if isinstance(event, dict))
        return cast("Iterator[dict[str, Any]]", self._run())

    def stream(self) -> Iterator[dict[str, Any] | Malformed]:
        """Everything the simulated clients send, in time order, malformed messages included."""
        return self._run()

    def _run(self) -> Iterator[dict[str, Any] | Malformed]:
        # hot loop (one pass per event): module and attribute lookups are hoisted
        heap, end, getrandbits = self._heap, self._end, self._rng.getrandbits
        heapreplace, fromtimestamp = heapq.heapreplace, datetime.fromtimestamp
        delays, live = self._delays, self.config.live
        plan = self._plan
        on_event = plan.on_event if plan is not None and plan.changes_events else None
        # live runs: wall-clock times at which the stream crosses incident bounds
        marks = sorted(
            (
                (t, i.observed)
                for i in (plan.incidents if plan and live else ())
                for t in (i.start, i.end)
            ),
            key=lambda mark: mark[0],
            reverse=True,
        )
        version, mask, bits = CURRENT_SCHEMA_VERSION, _VERSION_MASK, _VERSION_BITS
        while heap:
            at, seq, cursor = heap[0]
            if at >= end:
                return
            steps, index = cursor.steps, cursor.index
            step = steps[index]
            index = cursor.index = index + 1
            if index < len(steps):
                heapreplace(heap, (steps[index][0], seq, cursor))
            else:
                follow = self._follow_up(cursor)
                if follow is None:
                    heapq.heappop(heap)
                else:
                    self._seq += 1
                    heapreplace(heap, (follow.steps[0][0], self._seq, follow))
            h = f"{getrandbits(128) & mask | bits:032x}"
            event_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            occurred = datetime.now(UTC) if live else fromtimestamp(at, UTC)
            while marks and at >= marks[-1][0]:
                marks.pop()[1].append(occurred.timestamp())
            user = cursor.user
            context = {**user.context, "page": step[2]}
            if step[3] is not None:  # absent rather than null, as the wire format has it
                context["referrer"] = step[3]
            if cursor.countries is not None:
                context["country"] = cursor.countries[index - 1]
            event = {
                "event_id": event_id,
                "event_type": step[1],
                "user_id": user.user_id,
                "session_id": cursor.session_id,
                "occurred_at": occurred,
                "received_at": occurred if live else occurred + delays[getrandbits(6)],
                "schema_version": version,
                "context": context,
            }
            if step[4] is not None:
                event["properties"] = step[4]
            if on_event is not None:
                arrived = on_event(at, event)
                if arrived is not event:
                    if arrived is not None:
                        yield arrived
                    continue
            if cursor.anomaly is not None:
                cursor.anomaly.event_ids.append(event_id)
            yield event


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the means used here are small."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
