"""Next offsets per partition, computed from messages without the database."""

from __future__ import annotations

import pytest

from eventtide.core.db.offsets import OffsetRow, next_offsets
from eventtide.core.kafka.records import Consumed

pytestmark = pytest.mark.unit


def test_next_offset_is_one_past_the_highest_seen_per_partition() -> None:
    messages = [
        Consumed("b", 1, 7, None, b""),
        Consumed("a", 0, 3, None, b""),
        Consumed("a", 0, 2, None, b""),  # out of order: the highest wins
        Consumed("b", 1, 9, None, b""),
    ]
    assert next_offsets(messages, "g") == [OffsetRow("g", "a", 0, 4), OffsetRow("g", "b", 1, 10)]


def test_no_messages_no_offsets() -> None:
    assert next_offsets([], "g") == []
