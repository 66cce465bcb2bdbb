"""Stop on SIGINT/SIGTERM: finish (or abandon) the current batch, then leave the group."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopFlag:
    """Set by a signal; the loop checks it between batches and during retries."""

    __slots__ = ("signal_name", "stopped_at")

    def __init__(self) -> None:
        self.stopped_at: float | None = None
        self.signal_name: str | None = None

    @property
    def stopped(self) -> bool:
        """True once a stop was asked for."""
        return self.stopped_at is not None

    def stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        """Ask the loop to stop (signal handler; also callable from code)."""
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()
            self.signal_name = signal.Signals(signum).name

    def seconds_since(self) -> float:
        """Seconds since the stop was asked for (0 if not stopped)."""
        return 0.0 if self.stopped_at is None else time.monotonic() - self.stopped_at


@contextmanager
def stop_on_signals() -> Iterator[StopFlag]:
    """Install handlers for SIGINT and SIGTERM for the duration of the block."""
    flag = StopFlag()
    previous = {sig: signal.signal(sig, flag.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
