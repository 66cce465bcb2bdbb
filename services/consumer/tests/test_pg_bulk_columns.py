"""The consumer's COPY path names the user_events columns in the order rows carry them."""

from __future__ import annotations

import pytest

from eventtide.consumer.store import pg_bulk
from eventtide.core.db.rows import EVENT_COLUMNS

pytestmark = pytest.mark.unit


def test_copy_sends_the_row_columns_with_one_type_each() -> None:
    """COPY sends ``row[:13]`` for these columns (core's test pins the row to the table)."""
    assert pg_bulk.COLUMNS == EVENT_COLUMNS
    assert len(pg_bulk.COPY_TYPES) == len(EVENT_COLUMNS)
