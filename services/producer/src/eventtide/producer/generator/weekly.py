"""The weekly traffic pattern: quieter on weekdays, busiest at the weekend (UTC days).

Multiplies the diurnal curve, so a detector that only models the day sees every
Saturday and Sunday as a surge. The factors average 1 over a week, so the mean rate of
sessions is what the personas say.
"""

from __future__ import annotations

from typing import Final

from eventtide.producer.generator.diurnal import MAX_WEIGHT, diurnal_weight

WEEKDAY_FACTORS: Final = (0.9, 0.9, 0.9, 0.9, 0.95, 1.2, 1.25)
"""Monday first. Mean over the week: 1.0; Sunday is 1.39 times a Monday."""
MAX_FACTOR: Final = max(WEEKDAY_FACTORS)
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday


def weekly_weight(timestamp: float) -> float:
    """Relative traffic of the UTC weekday a Unix time falls on."""
    return WEEKDAY_FACTORS[(int(timestamp // 86_400.0) + _EPOCH_WEEKDAY) % 7]


SEASONAL_PEAK: Final = MAX_WEIGHT * MAX_FACTOR


def seasonal_weight(timestamp: float) -> float:
    """The diurnal curve times the weekday's factor: what session starts follow."""
    return diurnal_weight(timestamp) * weekly_weight(timestamp)
