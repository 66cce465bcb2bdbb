"""The clock rule: how far in the future an event time may be.

Client clocks drift, so a little future is tolerated; more than ``max_skew`` ahead means
a broken clock or a forged event, and windowed metrics would be wrong if it were kept.
Validation reads ``now`` and ``max_skew`` from the Pydantic validation context so tests
and replays can pin them; without a context the wall clock and the default apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from eventtide.core.defaults import MAX_CLOCK_SKEW_S

DEFAULT_MAX_CLOCK_SKEW: Final = timedelta(seconds=MAX_CLOCK_SKEW_S)


def validation_context(
    *, now: datetime | None = None, max_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW
) -> dict[str, Any]:
    """A Pydantic validation context that pins the clock rule."""
    return {"now": now, "max_skew": max_skew}


def latest_allowed(context: Mapping[str, Any] | None) -> datetime:
    """The latest ``occurred_at`` the clock rule accepts under ``context``."""
    if not context:
        return datetime.now(UTC) + DEFAULT_MAX_CLOCK_SKEW
    now: datetime | None = context.get("now")
    max_skew: timedelta = context.get("max_skew", DEFAULT_MAX_CLOCK_SKEW)
    return (now or datetime.now(UTC)) + max_skew
