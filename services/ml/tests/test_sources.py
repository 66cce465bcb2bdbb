"""Event logs from event dicts: open event names, amounts only on purchases, no identity calls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventtide.ml.sources import from_event_dicts, row_of

pytestmark = pytest.mark.unit

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_custom_names_are_kept_and_amounts_read_only_from_purchases():
    log = from_event_dicts(
        [
            {
                "event_type": "Invite Sent",
                "user_id": "a",
                "occurred_at": AT,
                "properties": {"amount": 5},
            },
            {
                "event_type": "purchase",
                "user_id": "a",
                "occurred_at": AT,
                "properties": {"amount": 12.5},
            },
            {"event_type": "page_view", "user_id": "b", "occurred_at": AT.isoformat()},
        ]
    )
    assert log.name.tolist() == ["Invite Sent", "purchase", "page_view"]
    assert log.amount.tolist() == [0.0, 12.5, 0.0]
    assert log.time.tolist() == [AT.timestamp()] * 3


@pytest.mark.parametrize("name", ["identify", "alias"])
def test_identity_calls_are_not_activity(name):
    assert row_of({"event_type": name, "user_id": "a", "occurred_at": AT}) is None
