"""One start-up for every long-running service: logging, metrics endpoint, signals.

Each service used to do these three itself, a little differently each time. Doing them
in one call means a new service (processor, API worker, ML scorer) behaves like the
others from its first line: the same log format, a Prometheus endpoint when a port is
given, tracing when the standard ``OTEL_*`` variables ask for it (see
:mod:`eventtide.core.telemetry`), SIGTERM and Ctrl-C turned into a
:class:`~eventtide.core.signals.StopFlag` that its loop checks between units of work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from eventtide.core.signals import StopFlag, stop_on_signals
from eventtide.core.telemetry import setup


@contextmanager
def running_service(
    name: str,
    *,
    metrics_port: int = 0,
    logs: bool = True,
    second_signal_exits: bool = False,
) -> Iterator[StopFlag]:
    """Start ``name``'s process furniture; the block runs until a signal stops it.

    ``logs=False`` leaves logging to the command (the producer draws a progress bar on
    stderr). ``second_signal_exits`` lets an impatient second Ctrl-C interrupt at once.
    """
    setup(name, metrics_port=metrics_port, logs=logs)
    logging.getLogger("eventtide.service").debug("%s started", name)
    with stop_on_signals(second_signal_exits=second_signal_exits) as stop:
        yield stop
