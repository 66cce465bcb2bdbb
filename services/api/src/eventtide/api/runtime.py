"""Interpreter settings for the API's serving process, applied once before it serves.

CPython's cyclic garbage collector was the largest single cost of the ingest door
(bench/api, docs/api.md "How the ingest path is kept fast"). A batch of 100 events is
a few thousand short-lived containers (parsed items, models, messages, answers), and
with several requests in flight the young generation's 700-object threshold was
crossed hundreds of times a second; each full pass then walked the ~150,000 objects
alive since start-up (modules, routes, OpenAPI models). Garbage collection took 0.26 s
of every second under load (``gc.callbacks``), about a third of the process's CPU.
Requests are not cyclic: their objects die by reference counting. Freezing the start-up
objects and collecting the young generation every 20,000 net allocations instead
brought it to nothing measurable (no collection in a 15 s run), and the objects the
collector tracks stayed flat under load (17,000 to 33,000 besides the frozen ones).
"""

from __future__ import annotations

import gc
from typing import Final

GC_YOUNG_THRESHOLD: Final = 20_000
"""Net container allocations between young-generation collections (CPython: 700)."""


def tune_interpreter() -> None:
    """Freeze what exists now and collect less often; call once, after the app is built.

    Only the serving command calls it: tests build many apps in one process and keep
    CPython's defaults.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
