"""Window assignment and closing: which windows an event is in, which are over.

A window is the half-open interval ``[start, start + size)`` with ``start`` a multiple of
the hop since the epoch, so assignment is arithmetic on the event time alone: no state,
no time zone (1-day windows are UTC days).
"""

from __future__ import annotations

from eventtide.processor.config import WindowSpec


def window_starts(ts: int, spec: WindowSpec) -> tuple[int, ...]:
    """Starts of every window of ``spec`` that contains ``ts``, earliest first."""
    size, hop = spec.size, spec.hop
    last = ts - ts % hop  # the latest window that starts at or before ts
    if hop == size:
        return (last,)
    first = last - ((size - 1) // hop) * hop
    while first + size <= ts:  # windows that ended at or before ts are not it
        first += hop
    return tuple(range(first, last + 1, hop))


def is_over(start: int, spec: WindowSpec, frontier: int) -> bool:
    """The window's time is over (``frontier >= end``): its result may be shown."""
    return frontier >= start + spec.size


def is_closed(start: int, spec: WindowSpec, watermark: int) -> bool:
    """No acceptable event can fall in it any more (``watermark >= end``)."""
    return watermark >= start + spec.size
