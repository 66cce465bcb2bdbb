"""What really happened in a simulation, kept so models can be scored against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from eventtide.producer.generator.incident_plan import Incident
from eventtide.producer.generator.weekly import WEEKDAY_FACTORS

AnomalyKind = Literal["bot_click_burst", "fraud_purchase_burst"]


@dataclass
class Anomaly:
    """One injected anomaly and the ids of the events that belong to it."""

    anomaly_id: str
    kind: AnomalyKind
    user_id: str
    start: float
    event_ids: list[str] = field(default_factory=list)


@dataclass
class GroundTruth:
    """Churned users, injected anomalies and incidents, as far as the stream has come.

    ``churned`` maps a user to the time of their last event: after it they never come
    back. A user enters it once the simulation has decided they are gone, so in a live
    run it grows as time goes on. ``incidents`` are placed before the first event; their
    ``effects`` count what they did so far.
    """

    seed: int
    personas: dict[str, str] = field(default_factory=dict)
    churned: dict[str, float] = field(default_factory=dict)
    anomalies: dict[str, Anomaly] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    weekly: bool = True

    def anomalous_event_ids(self) -> set[str]:
        """Every event id that belongs to some injected anomaly."""
        return {event_id for a in self.anomalies.values() for event_id in a.event_ids}

    def to_json(self) -> dict[str, Any]:
        """Plain data; times as ISO-8601 UTC."""
        return {
            "seed": self.seed,
            "personas": self.personas,
            "churned": {user: _iso(at) for user, at in sorted(self.churned.items())},
            "anomalies": [
                {
                    "anomaly_id": a.anomaly_id,
                    "kind": a.kind,
                    "user_id": a.user_id,
                    "start": _iso(a.start),
                    "event_ids": a.event_ids,
                }
                for a in self.anomalies.values()
                if a.event_ids
            ],
            "seasonality": {
                "diurnal": "1 + 0.6 cos(2 pi (hour - 20) / 24), UTC",
                "weekly": dict(zip(_WEEKDAYS, WEEKDAY_FACTORS, strict=True))
                if self.weekly
                else None,
            },
            "incidents": [_incident(i) for i in self.incidents.values()],
        }

    def write(self, path: Path) -> None:
        """Save as JSON."""
        path.write_bytes(orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2))


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _incident(incident: Incident) -> dict[str, Any]:
    data: dict[str, Any] = {
        "incident_id": incident.incident_id,
        "kind": incident.kind,
        "start": _iso(incident.start),
        "end": _iso(incident.end),
        "severity": incident.severity,
        "target": incident.target,
        "effects": dict(sorted(incident.effects.items())),
    }
    if incident.observed:  # live: when the stream, stamped with the wall clock, got there
        data["observed_start"] = _iso(incident.observed[0])
        if len(incident.observed) > 1:
            data["observed_end"] = _iso(incident.observed[1])
    return data


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
