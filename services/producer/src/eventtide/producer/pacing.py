"""Pacing: how long to wait so that sending keeps to a target rate."""

from __future__ import annotations

from typing import Final

MIN_SLEEP_S: Final = 0.002
"""Sleeping less than this costs more than it saves; catch up in the next bunch instead."""


def pace_delay(sent: int, rate: float | None, elapsed_s: float) -> float:
    """Seconds to wait before the next send, given ``sent`` so far in ``elapsed_s``.

    Events are due at ``sent / rate`` seconds after the start, so a slow moment is made
    up afterwards rather than lowering the average. ``None`` or 0 means no limit.
    """
    if not rate:
        return 0.0
    ahead = sent / rate - elapsed_s
    return ahead if ahead >= MIN_SLEEP_S else 0.0
