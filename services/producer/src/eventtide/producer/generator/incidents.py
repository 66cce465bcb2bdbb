"""Platform incidents a run can inject, as chosen on the command line.

An incident happens to the whole product for a while, not to one user: a checkout step
that breaks, an outage, a viral surge, a slow degradation, a burst of malformed events.
Each has a start, an end and a severity; what it changes is in ``incident_plan``.

The text form is ``KIND[,key=value...]`` with the keys ``start`` and ``duration`` (a
number with ``d``, ``h``, ``m`` or ``s``; ``start`` counts from the start of the run),
``severity`` (a number), and for an outage ``platform`` or ``country``. What is left out
is drawn from the seed (start) or taken from :data:`DEFAULTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

IncidentKind = Literal["broken_checkout", "outage", "surge", "degradation", "malformed"]
KINDS: Final[tuple[str, ...]] = get_args(IncidentKind)


@dataclass(frozen=True)
class Defaults:
    """How long an incident lasts and how bad it is when the flag does not say."""

    duration_s: float
    severity: float
    max_severity: float
    meaning: str


DEFAULTS: Final[dict[str, Defaults]] = {
    "broken_checkout": Defaults(6 * 3600.0, 0.5, 1.0, "share of paying checkouts that fail"),
    "outage": Defaults(2 * 3600.0, 1.0, 1.0, "share of the target's events lost"),
    "surge": Defaults(12 * 3600.0, 2.0, 50.0, "extra sessions per ordinary session"),
    "degradation": Defaults(5 * 86_400.0, 0.5, 1.0, "add-to-cart loss reached at the end"),
    "malformed": Defaults(3 * 3600.0, 0.2, 1.0, "share of events sent malformed"),
}

_UNITS: Final = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0}


@dataclass(frozen=True)
class IncidentSpec:
    """One incident as asked for; ``None`` fields are filled in when the run is planned."""

    kind: IncidentKind
    start_s: float | None = None
    """Seconds after the start of the run."""
    duration_s: float | None = None
    severity: float | None = None
    platform: str | None = None
    country: str | None = None


def parse_incident(text: str) -> IncidentSpec:
    """``broken_checkout,start=10d,duration=6h,severity=0.4`` to a spec; ValueError if wrong."""
    kind, *pairs = [part.strip() for part in text.split(",")]
    if kind not in KINDS:
        raise ValueError(f"unknown incident {kind!r}; one of {', '.join(KINDS)}")
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not value:
            raise ValueError(f"{pair!r}: expected key=value")
        if key in values:
            raise ValueError(f"{key!r} given twice")
        values[key] = value
    allowed = {"start", "duration", "severity"} | (
        {"platform", "country"} if kind == "outage" else set()
    )
    unknown = sorted(values.keys() - allowed)
    if unknown:
        raise ValueError(f"{kind} takes {', '.join(sorted(allowed))}, not {', '.join(unknown)}")
    if "platform" in values and "country" in values:
        raise ValueError("an outage hits one platform or one country, not both")
    duration = _duration(values["duration"]) if "duration" in values else None
    if duration is not None and duration <= 0:
        raise ValueError("duration must be positive")
    severity = _severity(kind, values["severity"]) if "severity" in values else None
    country = values.get("country")
    return IncidentSpec(
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        start_s=_duration(values["start"]) if "start" in values else None,
        duration_s=duration,
        severity=severity,
        platform=values.get("platform"),
        country=country.upper() if country else None,
    )


def _duration(text: str) -> float:
    unit = _UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    try:
        value = float(number) * (unit or 1.0)
    except ValueError:
        raise ValueError(f"{text!r}: expected a time like 90m, 6h or 2.5d") from None
    if value < 0:
        raise ValueError(f"{text!r}: must not be negative")
    return value


def _severity(kind: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"severity {text!r} is not a number") from None
    top = DEFAULTS[kind].max_severity
    if not 0.0 < value <= top:
        raise ValueError(f"{kind} severity must be in (0, {top:g}]: {DEFAULTS[kind].meaning}")
    return value
