"""The batch loop's settings, read by every service that runs the loop.

The consumer, the processor and the ML scorer each read these under their own prefix
(``EVENTTIDE_CONSUMER_BATCH_MAX_EVENTS``, ``EVENTTIDE_PROCESSOR_...``), so the fields,
their bounds and the view the loop takes of them are written once here; a service's
``Settings`` subclasses :class:`LoopSettings`, sets its prefix and changes a default
only where it has a reason to.
"""

from __future__ import annotations

from typing import Final

from pydantic import Field
from pydantic_settings import BaseSettings

from eventtide.core.lag import OffsetReset
from eventtide.core.transactional.steps import LoopBounds

_LOOP: Final = LoopBounds()


class LoopSettings(BaseSettings):
    """Batch bounds, where to start without a stored offset, retries and shutdown."""

    batch_max_events: int = Field(default=_LOOP.batch_max_events, ge=1)
    batch_max_ms: float = Field(default=_LOOP.batch_max_ms, ge=0)
    offset_reset: OffsetReset = _LOOP.offset_reset
    retry_initial_s: float = Field(default=_LOOP.retry_initial_s, gt=0)
    retry_max_s: float = Field(default=_LOOP.retry_max_s, gt=0)
    shutdown_grace_s: float = Field(default=_LOOP.shutdown_grace_s, ge=0)

    def bounds(self) -> LoopBounds:
        """The batch loop's view of these settings."""
        return LoopBounds(
            batch_max_events=self.batch_max_events,
            batch_max_ms=self.batch_max_ms,
            offset_reset=self.offset_reset,
            retry_initial_s=self.retry_initial_s,
            retry_max_s=self.retry_max_s,
            shutdown_grace_s=self.shutdown_grace_s,
        )
