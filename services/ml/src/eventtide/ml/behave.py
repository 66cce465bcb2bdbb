"""The behaviour detector's part of the exactly-once loop: ``events.v1`` in, alerts out.

``prepare`` (main thread) decodes a batch, advances each partition's state event by
event (``behave_state.advance``), scores the user-windows that closed with the
production ``behaviour`` model, turns the flagged ones into their episodes' alerts
in the latest form (``behave_alerts.episode_rows``) and takes what changed of the
touched partitions' states (``behave_checkpoint.take_change``); ``write`` inserts the
alert rows, the state changes and the batch's offsets in the loop's one transaction;
the loop's outbox stores the alerts for ``alerts.v1`` in that transaction and sends
them after it. After a crash the loop seeks back to
the stored offsets and ``assigned`` reloads the states stored with them, so the
replayed events close the same windows and the alerts keep their ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import orjson
from sqlalchemy import Connection, Engine

from eventtide.core.db.anomalies import upsert_alerts
from eventtide.core.db.behaviour import (
    PartitionChange,
    load_partition_states,
    save_partition_states,
)
from eventtide.core.db.offsets import OffsetRow, next_offsets, store_offsets
from eventtide.core.events import IDENTITY_TYPES
from eventtide.ml.behave_alerts import (
    alert_rows,
    episode_rows,
    open_episodes,
    opened_episodes,
    watermark_s,
)
from eventtide.ml.behave_checkpoint import restore, take_change
from eventtide.ml.behave_state import (
    US,
    ClosedWindow,
    LiveEvent,
    PartitionState,
    advance,
    id_key,
)
from eventtide.ml.behaviour_model import BehaviourModel, served_hop
from eventtide.ml.behaviour_training import load_behaviour_model
from eventtide.ml.metrics import observe_dropped, observe_judged
from eventtide.ml.registry import production
from eventtide.ml.scorer import ModelHolder, NoProductionModelError

log = logging.getLogger("eventtide.ml")

DETECTOR: Final = "behaviour"
"""This detector's ``detector`` label in the metrics (and its incidents' ``series``)."""

SKIPPED = "skipped"
"""An identity event: valid, but says who a user is, not what they did."""


@dataclass(frozen=True)
class ServedBehaviourModel:
    """The production behaviour model and its version."""

    model: BehaviourModel
    version: int


def load_served(conn: Connection, name: str) -> ServedBehaviourModel:
    """The production behaviour model, or a clear refusal."""
    registered = production(conn, name)
    if registered is None:
        raise NoProductionModelError(
            f"no production model named {name!r}: train one with `eventtide ml train behaviour`"
        )
    try:
        model = load_behaviour_model(registered)
    except ValueError as error:
        raise NoProductionModelError(str(error)) from error
    return ServedBehaviourModel(model, registered.version)


def same_window(
    loader: Callable[[Connection, str], ServedBehaviourModel], window_s: float
) -> Callable[[Connection, str], ServedBehaviourModel]:
    """A loader that refuses a promoted model of another window size: the open windows
    in the state were cut for this one (a new group starts afresh with the new size)."""

    def load(conn: Connection, name: str) -> ServedBehaviourModel:
        served = loader(conn, name)
        if served.model.window_s != window_s:
            raise NoProductionModelError(
                f"{name} v{served.version} judges {served.model.window_s:g} s windows, the "
                f"state holds {window_s:g} s ones: serve it under a new group"
            )
        return served

    return load


def parse_event(value: bytes | None) -> LiveEvent | str | None:
    """An ``events.v1`` record as a :class:`LiveEvent`; ``SKIPPED`` for identity events;
    ``None`` when it is not an event (counted as invalid): storage would not keep it
    either, so the windows judged hold the events stored."""
    try:
        record = orjson.loads(value or b"")
        name, user = record["event_type"], record["user_id"]
        at = datetime.fromisoformat(record["occurred_at"])
        key = id_key(record["event_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    if not isinstance(name, str) or not isinstance(user, str) or at.tzinfo is None:
        return None
    if name in IDENTITY_TYPES:
        return SKIPPED
    return LiveEvent(user, round(at.timestamp() * US), name, key)


@dataclass
class Behaved:
    """One batch: the alert rows, the touched partitions' state changes, its next
    offsets."""

    rows: list[dict[str, Any]]
    changes: dict[int, PartitionChange]
    offsets: list[OffsetRow]
    messages: int = 0
    closed: int = 0
    invalid: int = 0
    late: int = 0
    """Late events dropped so far over the partitions held (at this batch)."""
    repeats: int = 0
    """Repeated event ids dropped so far over the partitions held (at this batch)."""
    through_s: float | None = None
    """The newest watermark among the partitions held (seconds of event time)."""
    opened: int = 0
    """Alert episodes this batch opened (the others in ``rows`` grew)."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Events this batch dropped, by reason (``late``, ``repeat``)."""


@dataclass
class BehaveReport:
    """Counters for the summary printed at exit."""

    batches: int = 0
    records: int = 0
    windows_closed: int = 0
    invalid: int = 0
    alerts_written: int = 0
    late: int = 0
    repeats: int = 0
    versions: list[int] = field(default_factory=list)


class BehaveSteps:
    """``prepare``/``write``/``after_commit``/``assigned``/``revoked`` for the batch loop."""

    def __init__(
        self,
        *,
        holder: ModelHolder[ServedBehaviourModel],
        engine: Engine,
        group_id: str,
        topic: str,
        lateness_s: float,
        hop_s: float,
        report: BehaveReport,
    ) -> None:
        self.holder, self.engine, self.report = holder, engine, report
        self.group_id, self.topic = group_id, topic
        window_s = holder.model.model.window_s
        self.hop_us = round(served_hop(window_s, hop_s) * US)
        self.window_us = round(window_s * US)
        self.lateness_us = round(lateness_s * US)
        self.states: dict[int, PartitionState] = {}

    def assigned(self, partitions: list[int]) -> None:
        """Start each partition from the state committed with the offsets sought to."""
        with self.engine.connect() as conn:
            stored = load_partition_states(conn, self.group_id, self.topic, partitions)
        for partition in partitions:
            found = stored.get(partition)
            self.states[partition] = PartitionState() if found is None else restore(found)
        log.info("behaviour state restored for partitions %s", sorted(partitions))

    def revoked(self, partitions: list[int]) -> None:
        """Partitions gone to another member: their state is theirs now."""
        for partition in partitions:
            self.states.pop(partition, None)

    def prepare(self, messages: list[Any]) -> Behaved:
        """Decode, advance each partition event by event, score the closed windows."""
        by_partition: dict[int, list[LiveEvent]] = {}
        invalid = 0
        for message in messages:
            parsed = parse_event(message.value())
            if parsed is None:
                invalid += 1
            elif isinstance(parsed, LiveEvent):
                by_partition.setdefault(int(message.partition()), []).append(parsed)
        served = self.holder.current()
        if not self.report.versions or self.report.versions[-1] != served.version:
            self.report.versions.append(served.version)
        closed: list[ClosedWindow] = []
        partition_of: dict[tuple[str, int], int] = {}
        touched = {int(m.partition()) for m in messages}
        late_before = sum(s.late for s in self.states.values())
        repeats_before = sum(s.repeats for s in self.states.values())
        for partition in sorted(touched):
            state = self.states.setdefault(partition, PartitionState())
            events = by_partition.get(partition, [])
            windows = advance(state, events, self.window_us, self.lateness_us, self.hop_us)
            partition_of.update({(w.user, w.start_us): partition for w in windows})
            closed += windows
        # one scoring call for the whole batch: a forest's call costs far more than a row
        flagged: dict[int, list[dict[str, Any]]] = {}
        for row in alert_rows(closed, served.model, served.version, self.hop_us):
            key = (str(row["user_id"]), int(row["evidence"]["window_start"]))
            flagged.setdefault(partition_of[key], []).append(row)
        rows: list[dict[str, Any]] = []
        opened = 0
        for partition in sorted(touched):
            state = self.states[partition]
            open_before = open_episodes(state)
            episodes = episode_rows(
                state, flagged.get(partition, []), self.window_us, self.lateness_us
            )
            opened += opened_episodes(episodes, open_before)
            rows += episodes
        changes = {p: take_change(self.states[p]) for p in touched}
        offsets = next_offsets(messages, self.group_id)
        late = sum(s.late for s in self.states.values())
        repeats = sum(s.repeats for s in self.states.values())
        through = watermark_s(list(self.states.values()), self.lateness_us)
        return Behaved(
            rows, changes, offsets, len(messages), len(closed), invalid, late, repeats,
            through_s=through, opened=opened, dropped={
                "late": late - late_before, "repeat": repeats - repeats_before
            },
        )  # fmt: skip

    def write(self, conn: Connection, behaved: Behaved) -> int:
        """Alerts, states and offsets in the loop's transaction; returns new alerts."""
        written = upsert_alerts(conn, behaved.rows)
        save_partition_states(conn, self.group_id, self.topic, behaved.changes)
        store_offsets(conn, behaved.offsets)
        return written

    def after_commit(self, behaved: Behaved, written: int) -> None:
        """Writer thread, after the commit: counters and metrics."""
        opened = [DETECTOR] * behaved.opened
        observe_judged(DETECTOR, behaved.closed, opened, behaved.through_s)
        observe_dropped(DETECTOR, behaved.dropped)
        self.report.batches += 1
        self.report.records += behaved.messages
        self.report.windows_closed += behaved.closed
        self.report.invalid += behaved.invalid
        self.report.alerts_written += written
        self.report.late = behaved.late
        self.report.repeats = behaved.repeats
