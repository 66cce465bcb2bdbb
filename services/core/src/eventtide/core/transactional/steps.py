"""What a service hands the batch loop: its per-batch steps and the loop's bounds.

The loop owns the protocol (positions, transactions, commits, retries, shutdown); a
service owns what its rows are. Splitting them this way lets the processor and the ML
scorer store their own tables exactly once without copying the consumer's loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from eventtide.core.db.offsets import OffsetRow
from eventtide.core.lag import OffsetReset

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from eventtide.core.transactional.outbox_rows import OutRecord


class BatchAbandonedError(Exception):
    """A batch given up because the process must stop; nothing of it was committed."""


class Positioned(Protocol):
    """A prepared batch: whatever a service made of its messages, plus their next offsets."""

    @property
    def offsets(self) -> Sequence[OffsetRow]:
        """The offset after the last message of each partition in the batch."""
        ...


P = TypeVar("P", bound=Positioned)
R = TypeVar("R")


@dataclass(frozen=True)
class BatchSteps(Generic[P, R]):
    """A service's part of the loop, as plain callables.

    - ``prepare(messages)``: main thread, no I/O. Turns the batch's Kafka messages into
      what ``write`` stores, including ``offsets`` (see
      :func:`eventtide.core.db.offsets.next_offsets`).
    - ``write(conn, prepared)``: writer thread, inside the batch's one transaction. Must
      store ``prepared.offsets`` in that transaction (:func:`store_offsets` or a statement
      that does the same) so rows and positions commit together.
    - ``before_write(prepared, give_up)``: main thread, before the batch goes to the
      writer; for side effects that must be done before the rows commit (the consumer
      sends dead letters). ``give_up()`` turns true once the stop's grace is used up;
      raise :class:`BatchAbandonedError` then.
    - ``after_commit(prepared, result)``: writer thread, right after the database commit
      (and after the outbox's records were handed to the producers).
    - ``outgoing(prepared)``: writer thread, before the transaction; the batch's records
      for the output topics (:class:`~eventtide.core.transactional.outbox_rows.OutRecord`),
      stored in the transaction and sent after it by the loop's outbox. Only used when
      the loop has an outbox.
    - ``acknowledged(prepared, result, committed_at)``: main thread, when the batch's
      offsets go to Kafka (``committed_at`` is the database commit's ``time.time()``).
    - ``assigned(partitions)``: main thread, in the rebalance callback, after the stored
      offsets were read and before seeking; for services that keep state per partition
      (the processor restores its checkpoint here).
    - ``revoked(partitions)``: main thread, after the batch in flight committed; the
      service forgets what it held for those partitions.
    """

    prepare: Callable[[list[Any]], P]
    write: Callable[[Connection, P], R]
    before_write: Callable[[P, Callable[[], bool]], None] | None = None
    after_commit: Callable[[P, R], None] | None = None
    acknowledged: Callable[[P, R, float], None] | None = None
    assigned: Callable[[list[int]], None] | None = None
    revoked: Callable[[list[int]], None] | None = None
    outgoing: Callable[[P], Sequence[OutRecord]] | None = None


@dataclass(frozen=True)
class LoopBounds:
    """Batch bounds, where to start without a stored offset, retries and shutdown.

    A batch closes at ``batch_max_events`` or ``batch_max_ms`` after its first message,
    whichever comes first. Transient database failures are retried with backoff from
    ``retry_initial_s`` up to ``retry_max_s``; after a stop, a batch still failing is
    abandoned ``ABANDON_MARGIN_S`` before ``shutdown_grace_s`` ends.
    """

    batch_max_events: int = 5_000
    batch_max_ms: float = 20.0
    offset_reset: OffsetReset = "earliest"
    retry_initial_s: float = 0.1
    retry_max_s: float = 5.0
    shutdown_grace_s: float = 25.0
    connect_timeout_s: float = 10.0
    """How long the start-up check waits for Kafka before naming it unreachable."""


@dataclass
class LoopReport:
    """What the loop itself counts; services extend it with their own counters."""

    batches: int = 0
    consumed: int = 0
    retries: int = 0
    abandoned_batches: int = 0
    elapsed_s: float = 0.0
    active_s: float = 0.0
    """From the first message received to the last batch committed: the busy time."""
    stopped_by: str | None = None
