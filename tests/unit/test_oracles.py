"""Every storage oracle is shown to fail: on SQLite, each corruption is reported exactly.

``stats_differences`` backs every "nothing counted twice" claim; the ids checksum and
the stored count back every "nothing lost". A check that cannot fail proves nothing,
so each one here meets real rows damaged the way a bug would damage them. The same
corruptions run against PostgreSQL in tests/integration/test_oracles_postgres.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from oracle_cases import CORRUPTIONS, EVENTS, Corruption, row, seed
from sqlalchemy import Engine, delete
from storage_helpers import checksum, count_stored, stats_problems, stored_ids

from eventtide.core.db import StorageBatch, make_engine, stats_differences, write_batch
from eventtide.core.db.migrate import upgrade

pytestmark = pytest.mark.unit


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'oracle.db'}"
    upgrade(url)
    return url


@pytest.fixture
def engine(url: str) -> Engine:
    return make_engine(url)


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda c: c.name)
def test_stats_differences_reports_exactly_the_corruption(
    engine: Engine, corruption: Corruption
) -> None:
    with engine.begin() as conn:
        seed(conn)
    with engine.connect() as conn:
        assert stats_differences(conn) == [], "the real write path leaves nothing to report"
    with engine.begin() as conn:
        corruption.apply(conn)
    with engine.connect() as conn:
        assert stats_differences(conn) == list(corruption.expected)


def test_tied_latest_events_allow_either_profile_and_nothing_else(engine: Engine) -> None:
    with engine.begin() as conn:
        write_batch(
            conn,
            StorageBatch(
                events=[
                    row("u", "click", 7, country="FR", platform="android"),
                    row("u", "click", 7, country="FR", platform="ios"),
                    row("u", "click", 1, country="FR", platform="web"),
                ]
            ),
        )
    with engine.connect() as conn:
        assert stats_differences(conn) == []
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET platform = 'android'")
    with engine.connect() as conn:
        assert stats_differences(conn) == [], "the other tied event is as latest as the first"
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET platform = 'web'")
    with engine.connect() as conn:
        assert stats_differences(conn) == [
            "u: users.platform stored 'web' != latest event's android or ios"
        ]


def test_the_report_is_cut_at_the_limit(engine: Engine) -> None:
    with engine.begin() as conn:
        seed(conn)
        conn.exec_driver_sql("UPDATE user_stats SET total_events = total_events + 1")
    with engine.connect() as conn:
        assert len(stats_differences(conn)) == 2
        assert stats_differences(conn, limit=1) == [
            "u1: user_stats.total_events stored 5 != recomputed 4"
        ]


def test_stats_problems_opens_the_url_and_reports(url: str, engine: Engine) -> None:
    with engine.begin() as conn:
        seed(conn)
        conn.exec_driver_sql("UPDATE user_stats SET click_count = 2 WHERE user_id = 'u2'")
    assert stats_problems(url) == ["u2: user_stats.click_count stored 2 != recomputed 1"]


def test_count_and_checksum_notice_a_lost_a_doubled_and_a_foreign_event(
    url: str, engine: Engine
) -> None:
    with engine.begin() as conn:
        produced = [r.event_id for r in seed(conn)]
    assert count_stored(url) == len(produced)
    assert checksum(stored_ids(url)) == checksum(reversed(produced)), "order does not matter"
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.event_id == produced[0]))
    assert count_stored(url) == len(produced) - 1
    assert checksum(stored_ids(url)) != checksum(produced)
    assert checksum([*produced, produced[1]]) != checksum(produced), "a duplicate changes it"
    foreign = [uuid.uuid4(), *produced[1:]]
    assert checksum(foreign) != checksum(produced), "same count, different event"
