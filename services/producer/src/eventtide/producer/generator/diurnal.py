"""The daily traffic curve: quiet at night, busiest in the evening (UTC)."""

from __future__ import annotations

import math
from typing import Final

PEAK_HOUR: Final = 20.0
AMPLITUDE: Final = 0.6
MAX_WEIGHT: Final = 1.0 + AMPLITUDE


def diurnal_weight(timestamp: float) -> float:
    """Relative traffic at a Unix time: 1 on average over a day, 1.6 at peak, 0.4 at trough."""
    hour = (timestamp % 86_400.0) / 3_600.0
    return 1.0 + AMPLITUDE * math.cos(2.0 * math.pi * (hour - PEAK_HOUR) / 24.0)
