"""The processor's part of the exactly-once loop: each partition's job, batch by batch.

State lives in memory, one ``PartitionJob`` per assigned partition, and is mutated by
``prepare`` (main thread); the checkpoint rows the batch changed (``checkpoint.py``)
are written with the batch's outputs and offsets in one transaction, so the database
always holds a checkpoint that matches its offsets. On assignment a partition's job is restored from
that checkpoint; on revocation it is dropped (its next owner restores it).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from eventtide.core.db.offsets import OffsetRow, next_offsets
from eventtide.processor.checkpoint import Checkpointer, StateChange
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.job import PartitionJob
from eventtide.processor.model import Event, Unreadable
from eventtide.processor.outputs import Outputs
from eventtide.processor.reading import read_record, record_time
from eventtide.processor.state import PartitionSnapshot, restore
from eventtide.processor.store import load_state, write_batch

log = logging.getLogger("eventtide.processor")


@dataclass
class Prepared:
    """One batch processed: its outputs per partition, checkpoint changes, next offsets."""

    outputs: list[tuple[int, Outputs]]
    changes: list[StateChange]
    offsets: list[OffsetRow]
    undecodable: int = 0


@dataclass
class ProcessorReport:
    """Counters for the summary printed at exit."""

    batches: int = 0
    events: int = 0
    late: int = 0
    duplicates: int = 0
    undecodable: int = 0
    restored: dict[int, int] = field(default_factory=dict)


class PartitionJobs:
    """The jobs of the assigned partitions and the checkpoint rows last written."""

    def __init__(
        self,
        *,
        engine: Engine,
        group_id: str,
        topic: str,
        config: ProcessorConfig,
        report: ProcessorReport,
    ) -> None:
        self.engine = engine
        self.group_id = group_id
        self.topic = topic
        self.config = config
        self.report = report
        self.jobs: dict[int, PartitionJob] = {}
        self.checkpoints: dict[int, Checkpointer] = {}

    def assigned(self, partitions: list[int]) -> None:
        """Restore each new partition's job from its checkpoint (a new job if none)."""
        with self.engine.connect() as conn:
            found = load_state(conn, self.group_id, self.topic, partitions)
        for partition, rows in found.items():
            if rows:
                state = PartitionSnapshot.from_rows(partition, rows)
                job = self.jobs[partition] = restore(state, self.config)
                self.checkpoints[partition] = Checkpointer.restored(state, job)
            else:
                self.jobs[partition] = PartitionJob(partition, self.config)
                self.checkpoints[partition] = Checkpointer(partition)
            self.report.restored[partition] = len(rows)
        log.info("restored %s", {p: len(rows) for p, rows in found.items()})

    def revoked(self, partitions: list[int]) -> None:
        """Forget the jobs of partitions another member now owns."""
        for partition in partitions:
            self.jobs.pop(partition, None)
            self.checkpoints.pop(partition, None)

    def prepare(self, messages: list[Any]) -> Prepared:
        """Run each partition's job over its messages, in offset order; diff the state."""
        per_partition: dict[int, list[tuple[int, Event | Unreadable]]] = {}
        undecodable = 0
        failures = self.config.alerts.failure_event_types
        for message in messages:
            event: Event | Unreadable | None = read_record(message.value(), failures)
            if event is None:
                undecodable += 1  # the storage consumer dead-letters these; windows count them
                event = Unreadable(record_time(message))
            per_partition.setdefault(message.partition(), []).append((message.offset(), event))
        now = time.time_ns() // 1_000
        outputs, changes = [], []
        for partition, batch in sorted(per_partition.items()):
            job = self.jobs.get(partition)
            if job is None:  # assigned without the hook (tests driving steps directly)
                job = self.jobs[partition] = PartitionJob(partition, self.config)
            out = job.process(batch, now)
            outputs.append((partition, out))
            checkpoint = self.checkpoints.get(partition)
            if checkpoint is None:
                checkpoint = self.checkpoints[partition] = Checkpointer(partition)
            changes.append(checkpoint.changes(job))
        return Prepared(outputs, changes, next_offsets(messages, self.group_id), undecodable)

    def write(self, conn: Any, prepared: Prepared) -> Prepared:
        """Outputs, changed checkpoint rows and offsets, in the loop's transaction."""
        write_batch(
            conn,
            group_id=self.group_id,
            topic=self.topic,
            outputs=prepared.outputs,
            changes=prepared.changes,
            offsets=prepared.offsets,
        )
        return prepared

    def after_commit(self, prepared: Prepared, _result: Prepared) -> None:
        """Writer thread, after the commit: the counters (the loop sends the batch's
        outbox records itself)."""
        report = self.report
        report.batches += 1
        report.undecodable += prepared.undecodable
        for _, out in prepared.outputs:
            report.late += len(out.late)
            report.duplicates += out.duplicates
