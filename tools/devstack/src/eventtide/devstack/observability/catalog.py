"""Which metric names the services expose, and which names a query refers to.

The truth is the services' own registrations: importing each service's metrics module
registers its families in prometheus_client's registry, and the exposed sample names
follow from each family's type (``_total`` for counters, ``_bucket``/``_sum``/``_count``
for histograms). A dashboard or rule naming anything else refers to nothing.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Final

from prometheus_client import REGISTRY

METRIC_MODULES: Final = (
    "eventtide.core.metrics",
    "eventtide.api.metrics",
    "eventtide.consumer.metrics",
    "eventtide.processor.metrics",
    "eventtide.ml.metrics",
    "eventtide.operator.metrics",
)
BUILTIN: Final = frozenset({"up", "ALERTS"})
"""Series Prometheus itself makes: the scrape health and the firing alerts."""
_SUFFIXES: Final = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count", ""),
    "gauge": ("",),
    "info": ("_info",),
}
_NAME: Final = re.compile(r"\b(eventtide[_:][A-Za-z0-9_:]*|up|ALERTS)\b(?!\s*\()")


def exposed() -> frozenset[str]:
    """Every ``eventtide_*`` sample name some service exposes."""
    from eventtide.core.transactional.metrics import LOOP_COMPONENTS, loop_metrics

    for module in METRIC_MODULES:
        importlib.import_module(module)
    for component in LOOP_COMPONENTS:
        loop_metrics(component)
    names: set[str] = set()
    for family in REGISTRY.collect():
        if family.name.startswith("eventtide_"):
            names.update(family.name + s for s in _SUFFIXES.get(family.type, ("",)))
    return frozenset(names)


def referenced(expr: str) -> set[str]:
    """The metric names (``eventtide_*``, recording rules ``eventtide:*``, ``up``) in ``expr``.

    Label values are stripped first so ``{job="eventtide_x"}`` is not taken for a name.
    """
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    return set(_NAME.findall(without_strings))


def unknown(exprs: Iterable[str], known: Iterable[str]) -> dict[str, set[str]]:
    """Expression to the names in it that are not ``known`` (only offenders listed)."""
    allowed = set(known) | BUILTIN
    found = {}
    for expr in exprs:
        missing = referenced(expr) - allowed
        if missing:
            found[expr] = missing
    return found
