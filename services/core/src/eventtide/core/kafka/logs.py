"""librdkafka's own log lines, routed through Python logging.

Without a ``logger`` the C library writes ``%3|1796396338.432|FAIL|...`` lines straight
to stderr, past our log format and level, and repeats them every reconnect attempt
(four lines in 150 ms against a refused port, measured). With one, they become records
of the ``eventtide.kafka.client`` logger, which the service's logging shows, filters
or silences like any other. Every client this project makes takes its config through
:func:`with_logger`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

KAFKA_LOGGER: Final = logging.getLogger("eventtide.kafka.client")


def with_logger(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with librdkafka's log lines sent to :data:`KAFKA_LOGGER` (unless set)."""
    return {"logger": KAFKA_LOGGER, **config}


class RepeatFilter(logging.Filter):
    """Let each distinct librdkafka line through once per ``window_s``.

    librdkafka logs every reconnect attempt: against a refused port that is about 25
    identical lines a second. The first says what is wrong; the rest bury the message
    the command prints when it gives up.
    """

    def __init__(self, window_s: float = 60.0) -> None:
        super().__init__()
        self.window_s = window_s
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True for a line not seen within the window."""
        text = record.getMessage()
        last = self._last.get(text)
        if last is not None and record.created - last < self.window_s:
            return False
        self._last[text] = record.created
        return True


KAFKA_LOGGER.addFilter(RepeatFilter())
