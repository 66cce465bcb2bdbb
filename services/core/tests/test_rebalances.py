"""The rebalance lines of the batch loop's log, in both formats, read back."""

from __future__ import annotations

import pytest

from eventtide.core.transactional.rebalances import Rebalance, owned_partitions, rebalances

pytestmark = pytest.mark.unit

TEXT = """\
2026-12-04 10:00:00 eventtide.core.transactional.loop INFO assigned {0: 12, 1: -2}
2026-12-04 10:00:05 eventtide.core.transactional.loop INFO revoked [1]
"""
JSON = """\
{"level":"INFO","message":"assigned {2: 7}"}
{"level":"INFO","message":"revoked [0]"}
{"level":"INFO","message":"a user message that says assigned {9: 1} is not a rebalance"}
"""


def test_text_and_json_lines_are_read_in_order() -> None:
    assert rebalances(TEXT + JSON) == [
        Rebalance(True, frozenset({0, 1})),
        Rebalance(False, frozenset({1})),
        Rebalance(True, frozenset({2})),
        Rebalance(False, frozenset({0})),
    ]


def test_owned_partitions_replay_the_changes() -> None:
    assert owned_partitions(TEXT) == {0}
    assert owned_partitions(TEXT + JSON) == {2}
    assert owned_partitions("") == set()
