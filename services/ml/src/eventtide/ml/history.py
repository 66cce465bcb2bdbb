"""A columnar event history: the one input every pure ML function takes.

Events arrive as dicts, models or database rows; the models want arrays. ``EventLog``
holds one event per position (user, event time in Unix seconds, event name, purchase
amount), so features are computed with a sort and a few vectorised reductions instead
of a Python loop per event. Event names stay open strings: schema version 2 accepts any
custom name, so nothing here assumes a closed set of types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

DAY_S: Final = 86_400.0
SESSION_GAP_S: Final = 30 * 60.0
"""The 30-minute inactivity rule that splits a user's events into sessions."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True)
class EventLog:
    """Events as parallel arrays; ``amount`` is the order value of purchases, 0 elsewhere."""

    user: StrArray
    time: FloatArray
    name: StrArray
    amount: FloatArray

    @staticmethod
    def from_rows(rows: Iterable[tuple[str, float, str, float]]) -> EventLog:
        """Build from ``(user_id, unix_time, event_name, amount)`` tuples."""
        listed = list(rows)
        if not listed:
            empty = np.array([], dtype=str)
            return EventLog(empty, np.array([], dtype=float), empty, np.array([], dtype=float))
        users, times, names, amounts = zip(*listed, strict=True)
        return EventLog(
            user=np.asarray(users, dtype=str),
            time=np.asarray(times, dtype=float),
            name=np.asarray(names, dtype=str),
            amount=np.asarray(amounts, dtype=float),
        )

    def __len__(self) -> int:
        return int(self.time.size)

    def select(self, mask: npt.NDArray[np.bool_]) -> EventLog:
        """The events where ``mask`` is true."""
        return EventLog(self.user[mask], self.time[mask], self.name[mask], self.amount[mask])

    def before(self, cutoff: float) -> EventLog:
        """Events strictly before ``cutoff``: all a model may see at that moment."""
        return self.select(self.time < cutoff)

    def between(self, start: float, end: float) -> EventLog:
        """Events in ``[start, end)``."""
        return self.select((self.time >= start) & (self.time < end))


@dataclass(frozen=True)
class Grouped:
    """An event log sorted by user then time, with each user's slice and session ids."""

    users: StrArray
    """Distinct users, sorted."""
    starts: IntArray
    """Index of each user's first event in the sorted arrays."""
    counts: IntArray
    code: IntArray
    """Per sorted event: the position of its user in ``users``."""
    time: FloatArray
    name: StrArray
    amount: FloatArray
    session: IntArray
    """Per sorted event: a global session number (30-minute inactivity rule)."""


def group(log: EventLog) -> Grouped:
    """Sort by user and time and number the sessions; every feature starts here."""
    users, code = np.unique(log.user, return_inverse=True)
    order = np.lexsort((log.time, code))
    code = code[order].astype(np.int64)
    time = log.time[order]
    counts = np.bincount(code, minlength=users.size).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    new_session = np.ones(time.size, dtype=bool)
    if time.size > 1:
        same_user = code[1:] == code[:-1]
        new_session[1:] = ~same_user | (np.diff(time) > SESSION_GAP_S)
    session = np.cumsum(new_session).astype(np.int64) - 1
    return Grouped(
        users=users,
        starts=starts,
        counts=counts,
        code=code,
        time=time,
        name=log.name[order],
        amount=log.amount[order],
        session=session,
    )
