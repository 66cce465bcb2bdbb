"""Stop cleanly on SIGINT/SIGTERM: services finish their unit of work, then exit.

Every long-running service shares this so that Kubernetes' SIGTERM and a developer's
Ctrl-C mean the same thing everywhere: stop taking new work, finish or abandon the
current unit atomically, flush, leave.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopFlag:
    """Set by a signal; loops check it between units of work (and during retries)."""

    __slots__ = ("second_signal_exits", "signal_name", "stopped_at")

    def __init__(self, *, second_signal_exits: bool = False) -> None:
        self.stopped_at: float | None = None
        self.signal_name: str | None = None
        self.second_signal_exits = second_signal_exits

    @property
    def stopped(self) -> bool:
        """True once a stop was asked for."""
        return self.stopped_at is not None

    def stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        """Ask the loop to stop (signal handler; also callable from code).

        With ``second_signal_exits`` an impatient second Ctrl-C interrupts at once,
        for commands whose flush may take a while.
        """
        if self.stopped_at is not None:
            if self.second_signal_exits:
                raise KeyboardInterrupt
            return
        self.stopped_at = time.monotonic()
        self.signal_name = signal.Signals(signum).name

    def seconds_since(self) -> float:
        """Seconds since the stop was asked for (0 if not stopped)."""
        return 0.0 if self.stopped_at is None else time.monotonic() - self.stopped_at


@contextmanager
def stop_on_signals(*, second_signal_exits: bool = False) -> Iterator[StopFlag]:
    """Install handlers for SIGINT and SIGTERM for the duration of the block."""
    flag = StopFlag(second_signal_exits=second_signal_exits)
    previous = {sig: signal.signal(sig, flag.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
