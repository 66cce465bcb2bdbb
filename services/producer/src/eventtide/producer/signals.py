"""Stop cleanly on SIGINT/SIGTERM: finish the current event, flush, then exit."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopFlag:
    """Set by a signal; the send loop checks it between events."""

    __slots__ = ("signal_name", "stopped")

    def __init__(self) -> None:
        self.stopped = False
        self.signal_name: str | None = None

    def stop(self, signum: int, _frame: FrameType | None = None) -> None:
        """Signal handler: ask the loop to stop; a second signal exits at once."""
        if self.stopped:
            raise KeyboardInterrupt
        self.stopped = True
        self.signal_name = signal.Signals(signum).name


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
