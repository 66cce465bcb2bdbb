"""Why an input is not an event: the typed reason a dead letter carries.

The consumer stores rejections in ``dead_letters`` and ``events.dlq.v1``; people read
``message``, dashboards group by ``kind`` and ``rule``, and ``field`` points at the
offending value, so each of them must stay precise and stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RejectionKind = Literal[
    "malformed_json",
    "schema_violation",
    "unknown_version",
    "unknown_event_type",
]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (dotted ``field`` path), which ``rule`` and in words."""

    field: str
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that is not a valid event.

    ``kind`` is the error class, ``field``/``rule``/``message`` describe the first
    violation and ``violations`` lists them all (a payload can break several rules).
    """

    kind: RejectionKind
    field: str
    rule: str
    message: str
    violations: tuple[Violation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain data for a dead-letter record or a report."""
        return {
            "kind": self.kind,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            "violations": [
                {"field": v.field, "rule": v.rule, "message": v.message} for v in self.violations
            ],
        }

    def __str__(self) -> str:
        where = self.field or "<event>"
        return f"{self.kind}: {where}: {self.message} [{self.rule}]"


def single(kind: RejectionKind, field: str, rule: str, message: str) -> Rejection:
    """A rejection with exactly one violation."""
    return Rejection(kind, field, rule, message, (Violation(field, rule, message),))
