"""Per-batch deltas: every field of both rows a delta writes, with plain data.

Each test pins a rule the database upsert and the recomputation oracle share: money
only from purchases, profile fields (country, platform) from the latest event with the
later event winning a tie (as ``EXCLUDED.last_seen_at >= users.last_seen_at`` does
across batches), and rows whose keys are exactly the table's columns.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from eventtide.core.db.deltas import UserDelta, aggregate
from eventtide.core.db.models import TYPE_COUNT_COLUMNS, User, UserStats
from eventtide.core.db.rows import EventRow

pytestmark = pytest.mark.unit

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _row(
    user: str,
    kind: str,
    minute: int,
    cents: int | None = None,
    country: str = "DE",
    platform: str = "web",
) -> EventRow:
    return EventRow(
        uuid.uuid4(), user, "s", kind, T0 + timedelta(minutes=minute), T0, 1, cents,
        "USD" if cents is not None else None, "{}", "{}", 0, 0, country, platform,
    )  # fmt: skip


def _at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def test_a_single_event_makes_the_whole_delta() -> None:
    [delta] = aggregate([_row("u", "purchase", 4, 1999, country="FR", platform="ios")])
    assert delta == UserDelta("u", 1, 1999, _at(4), _at(4), "FR", "ios", {"purchase": 1})


def test_stats_row_has_exactly_the_user_stats_columns() -> None:
    [delta] = aggregate([_row("u", "click", 1), _row("u", "purchase", 2, 500)])
    counts = dict.fromkeys(TYPE_COUNT_COLUMNS.values(), 0) | {"click_count": 1, "purchase_count": 1}
    assert delta.stats_row() == {
        "user_id": "u",
        "total_events": 2,
        "total_spent_cents": 500,
        "first_seen_at": _at(1),
        "last_seen_at": _at(2),
        **counts,
    }
    assert set(delta.stats_row()) == {c.name for c in UserStats.__table__.columns}


def test_user_row_carries_the_latest_platform_and_country() -> None:
    [delta] = aggregate(
        [
            _row("u", "login", 5, country="US", platform="android"),
            _row("u", "click", 9, country="GB", platform="ios"),
            _row("u", "click", 2, country="FR", platform="web"),
        ]
    )
    assert delta.user_row() == {
        "user_id": "u",
        "first_seen_at": _at(2),
        "last_seen_at": _at(9),
        "country": "GB",
        "platform": "ios",
    }
    # every column but the traits, which the identity step keeps (core/db/identity.py)
    assert set(delta.user_row()) == {c.name for c in User.__table__.columns} - {"traits"}


def test_first_event_sets_platform_even_when_later_ones_are_older() -> None:
    [delta] = aggregate([_row("u", "click", 9, platform="ios"), _row("u", "click", 3)])
    assert (delta.platform, delta.country, delta.first_seen_at) == ("ios", "DE", _at(3))


def test_on_equal_times_the_later_event_in_the_batch_wins() -> None:
    [delta] = aggregate(
        [
            _row("u", "click", 5, country="DE", platform="web"),
            _row("u", "click", 5, country="GB", platform="ios"),
        ]
    )
    assert (delta.country, delta.platform) == ("GB", "ios")


def test_only_purchases_bring_money() -> None:
    clicks = aggregate([_row("c", "click", 1), _row("c", "page_view", 2)])
    assert clicks[0].total_spent_cents == 0
    stray = aggregate([_row("s", "add_to_cart", 1, cents=700), _row("s", "click", 2, cents=5)])
    assert stray[0].total_spent_cents == 0, "the recomputation counts purchase amounts only"
    mixed = aggregate([_row("m", "click", 1), _row("m", "purchase", 2, 300)])
    assert mixed[0].total_spent_cents == 300


def test_a_purchase_without_an_amount_adds_nothing() -> None:
    [delta] = aggregate([_row("u", "purchase", 1, None), _row("u", "purchase", 2, None)])
    assert (delta.total_spent_cents, delta.by_type) == (0, {"purchase": 2})


def test_users_are_independent_and_counted_per_type() -> None:
    deltas = aggregate(
        [
            _row("b", "click", 1),
            _row("a", "click", 2),
            _row("b", "click", 3),
            _row("b", "search", 4),
        ]
    )
    assert [(d.user_id, d.total_events, d.by_type) for d in deltas] == [
        ("a", 1, {"click": 1}),
        ("b", 3, {"click": 2, "search": 1}),
    ]
