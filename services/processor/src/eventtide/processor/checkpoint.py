"""Which checkpoint rows changed since the last batch (pure).

``state.snapshot(job).to_rows()`` gives every row of a partition's state; writing them
all each batch is what the core's author measured as too slow, so the wiring keeps the
rows last written and stores only the difference: rows new or changed, keys gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eventtide.processor.state import Row

RowKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StateChange:
    """One partition's checkpoint difference for one batch."""

    partition: int
    upserts: list[Row] = field(default_factory=list)
    deletes: list[RowKey] = field(default_factory=list)


def diff(partition: int, previous: dict[RowKey, str], rows: list[Row]) -> StateChange:
    """The change from ``previous`` to ``rows``; updates ``previous`` to ``rows``."""
    current = {(kind, key): text for kind, key, text in rows}
    upserts = [row for row in rows if previous.get((row[0], row[1])) != row[2]]
    deletes = sorted(previous.keys() - current.keys())
    previous.clear()
    previous.update(current)
    return StateChange(partition, upserts, deletes)
