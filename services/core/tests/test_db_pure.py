"""Pure pieces of storage: per-batch deltas, dead-letter messages, consumer configuration."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from eventtide.core.db import UserEvent
from eventtide.core.db.deltas import aggregate
from eventtide.core.db.rows import EVENT_COLUMNS, EventRow
from eventtide.core.kafka.codec import header
from eventtide.core.kafka.consumer_config import ConsumerTuning, consumer_config
from eventtide.core.kafka.dlq import dead_letter_message

pytestmark = pytest.mark.unit

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _row(
    user: str, kind: str, minute: int, cents: int | None = None, country: str = "DE"
) -> EventRow:
    return EventRow(
        uuid.uuid4(), user, "s", kind, T0 + timedelta(minutes=minute), T0, 1, cents,
        "USD" if cents is not None else None, "{}", "{}", 0, 0, country, "web",
    )  # fmt: skip


def test_aggregate_sums_counts_and_money_and_takes_time_bounds() -> None:
    deltas = aggregate(
        [
            _row("b", "purchase", 5, 1000),
            _row("a", "click", 3),
            _row("b", "page_view", 1, country="US"),
            _row("b", "purchase", 9, 250, country="FR"),
        ]
    )
    assert [d.user_id for d in deltas] == ["a", "b"], "sorted: one lock order for everyone"
    b = deltas[1]
    assert (b.total_events, b.total_spent_cents) == (3, 1250)
    assert b.by_type == {"purchase": 2, "page_view": 1}
    assert (b.first_seen_at, b.last_seen_at) == (
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=9),
    )
    assert b.country == "FR", "profile fields come from the latest event"
    row = b.stats_row()
    assert row["purchase_count"] == 2
    assert row["click_count"] == 0


def test_aggregate_of_nothing_is_nothing() -> None:
    assert aggregate([]) == []


def test_dead_letter_message_keeps_bytes_and_says_why_in_headers() -> None:
    message = dead_letter_message(
        key=None, payload=b"\xff\xfe", error_class="malformed_json", error_message="bad",
        rule="json_invalid", field="", topic="events.v1", partition=2, offset=99,
    )  # fmt: skip
    assert (message.key, message.value) == (b"", b"\xff\xfe")
    assert header(message.headers, "error_class") == "malformed_json"
    assert header(message.headers, "original_offset") == "99"


def test_consumer_config_leaves_offsets_to_the_application() -> None:
    config = consumer_config("k:9092", ConsumerTuning(group_id="g", instance_id="pod-0"))
    assert config["enable.auto.commit"] is False
    assert config["enable.auto.offset.store"] is False
    assert config["partition.assignment.strategy"] == "cooperative-sticky"
    assert config["group.instance.id"] == "pod-0"
    assert "group.instance.id" not in consumer_config("k", ConsumerTuning(group_id="g"))


def test_a_rows_leading_fields_are_the_user_events_columns_in_table_order() -> None:
    """The COPY path sends ``row[:13]`` for these columns, so the orders must agree."""
    table = [c.name for c in UserEvent.__table__.columns if c.name not in ("id", "stored_at")]
    assert list(EVENT_COLUMNS) == table
    row = _row("a", "purchase", 1, 250)
    assert row[: len(EVENT_COLUMNS)] == tuple(getattr(row, name) for name in EVENT_COLUMNS)
