"""Schema versions: which envelope versions this code writes and which it can read.

Readers accept every version up to the newest they know, so a consumer upgraded before
the producers keeps reading old events; a version newer than the reader is rejected
(``unknown_version``) instead of being half understood. See docs/events.md.
"""

from __future__ import annotations

from typing import Final

CURRENT_SCHEMA_VERSION: Final = 1
"""The version this code writes."""

SUPPORTED_SCHEMA_VERSIONS: Final = frozenset(range(1, CURRENT_SCHEMA_VERSION + 1))
"""Every version this code reads: all of them up to the current one."""


def is_supported(version: object) -> bool:
    """True if ``version`` is an integer this code can read (bools are not versions)."""
    return type(version) is int and version in SUPPORTED_SCHEMA_VERSIONS
