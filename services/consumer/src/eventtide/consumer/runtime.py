"""Interpreter settings for the storage consumer's process, applied once at start.

The consumer is one CPU-bound process with two threads sharing the GIL: the main
thread decodes, the writer thread talks to the database. Two defaults of CPython cost
it throughput (bench/consumer, docs/consumer.md "Throughput"):

- The cyclic garbage collector. Decoding allocates a handful of container objects per
  event, so the collector ran every few hundred events and its full passes walked every
  object alive since start-up (modules, models, schemas). Events are not cyclic: they
  die by reference counting. Freezing the start-up objects and collecting the young
  generation less often took about 1 µs per event off, with memory unchanged.
- The GIL switch interval. The writer gives the GIL up on every round trip to the
  database and then waits for the decoding thread to hand it back, by default for up
  to 5 ms each time, several times a batch, while the database waits for it. With a
  1 ms interval the writer took 10 % less time per batch and the main thread's waits
  for it fell from 0.3-0.4 s to 0.02 s per 200,000 events (3 runs each, quiet machine).
"""

from __future__ import annotations

import gc
import sys
from typing import Final

GC_YOUNG_THRESHOLD: Final = 20_000
"""Allocations between young-generation collections (CPython's default is 700)."""
SWITCH_INTERVAL_S: Final = 0.001


def tune_interpreter() -> None:
    """Apply the settings above; call once, after imports and set-up, before consuming."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
