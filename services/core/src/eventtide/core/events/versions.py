"""Schema versions: which envelope versions this code writes and which it can read.

Readers accept every version up to the newest they know, so a consumer upgraded before
the producers keeps reading old events; a version newer than the reader is rejected
(``unknown_version``) instead of being half understood. See docs/events.md.
"""

from __future__ import annotations

from typing import Final

CURRENT_SCHEMA_VERSION: Final = 2
"""The version this code writes.

Version 2 (additive): custom event names with free-form properties, and the identity
calls ``identify`` and ``alias``. Every version 1 event is a valid version 2 event with
the same meaning."""

OPEN_VOCABULARY_SINCE: Final = 2
"""The first version whose writers may send custom event names."""

SUPPORTED_SCHEMA_VERSIONS: Final = frozenset(range(1, CURRENT_SCHEMA_VERSION + 1))
"""Every version this code reads: all of them up to the current one."""


def is_supported(version: object) -> bool:
    """True if ``version`` is an integer this code can read (bools are not versions)."""
    return type(version) is int and version in SUPPORTED_SCHEMA_VERSIONS
