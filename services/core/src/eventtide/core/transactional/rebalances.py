"""The batch loop's rebalance log lines, read back: which partitions a member owns.

The loop logs ``assigned {partition: offset, ...}`` and ``revoked [partition, ...]``
(:mod:`eventtide.core.transactional.loop`), in the text format (``... INFO assigned
{0: 12}``) or the JSON one (``"message":"assigned {0: 12}"``). Tests and benchmarks
follow a member's partitions from its log; the pattern is written once here, next to
the loop whose lines it reads, so a change of format breaks one place. Pure.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Final

_LINE: Final = re.compile(r'(?:INFO |"message":")(assigned|revoked) ([\[{][^\]}]*[\]}])')


@dataclass(frozen=True)
class Rebalance:
    """One rebalance line: partitions assigned (or revoked) to the member that logged it."""

    assigned: bool
    partitions: frozenset[int]


def rebalances(log: str) -> list[Rebalance]:
    """Every assigned or revoked line in ``log`` (text or JSON lines), in order."""
    return [
        Rebalance(match.group(1) == "assigned", frozenset(ast.literal_eval(match.group(2))))
        for match in _LINE.finditer(log)
    ]


def owned_partitions(log: str) -> set[int]:
    """The partitions a member owns after its last rebalance, replaying its log."""
    owned: set[int] = set()
    for change in rebalances(log):
        owned = owned | change.partitions if change.assigned else owned - change.partitions
    return owned
