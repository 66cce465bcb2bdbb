"""Where the events to send come from: the simulation or a JSONL file.

Both yield validated events (as models, or already encoded for Kafka) or
:class:`Rejected` inputs, so the send loop treats them alike and an invalid line never
stops a run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventtide.core.events import AnyEvent, Rejection, validate_json_event
from eventtide.core.kafka import WireMessage, encode_data
from eventtide.producer.generator import Simulation


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that failed validation and where it was (``line 12``, ``event 40``)."""

    where: str
    rejection: Rejection

    def __str__(self) -> str:
        return f"{self.where}: {self.rejection}"


Item = AnyEvent | WireMessage | Rejected


def simulated(simulation: Simulation, context: Mapping[str, Any] | None = None) -> Iterator[Item]:
    """The simulation's events, each validated like any client's, encoded for Kafka.

    :func:`encode_data` validates each dict by the same rules as :func:`validate_event`
    and writes that same dict, so the model it becomes is never serialized again.
    """
    for number, raw in enumerate(simulation.events(), start=1):
        result = encode_data(raw, context)
        yield Rejected(f"event {number}", result) if isinstance(result, Rejection) else result


def from_jsonl(path: Path, context: Mapping[str, Any] | None = None) -> Iterator[Item]:
    """One event per line of a JSONL file; blank lines are skipped."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            result = validate_json_event(line, context)
            yield Rejected(f"line {number}", result) if isinstance(result, Rejection) else result
