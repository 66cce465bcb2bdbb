"""The storage oracle fails on PostgreSQL too: each corruption is reported exactly.

The same cases as the SQLite unit test (tests/oracle_cases.py), on the production
database, written through its COPY path, so a dialect difference in the recomputation
(JSON extraction, time zones, integer sums) cannot hide a corruption there.
"""

from __future__ import annotations

import pytest
from oracle_cases import CORRUPTIONS, Corruption, seed

from eventtide.core.db import make_engine, stats_differences

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda c: c.name)
def test_stats_differences_reports_exactly_the_corruption_on_postgres(
    fresh_database_url: str, corruption: Corruption
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            seed(conn)
        with engine.connect() as conn:
            assert stats_differences(conn) == []
        with engine.begin() as conn:
            corruption.apply(conn)
        with engine.connect() as conn:
            assert stats_differences(conn) == list(corruption.expected)
    finally:
        engine.dispose()
