"""Package attributes loaded on first use, so importing one pure module stays cheap.

``from eventtide.core.db import make_engine`` keeps working, but importing
``eventtide.core.db.deltas`` (or any sibling) no longer runs the package's every
import: SQLAlchemy, psycopg and the Kafka client load only when a name that needs them
is first read. That took ``eventtide --help`` from seconds to a fraction of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module) on first use."""
    namespace = import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's required name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value  # later reads skip this hook
        return value

    return __getattr__
