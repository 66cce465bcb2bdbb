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


def test_an_export_is_read_by_person_and_gzipped_or_not(tmp_path):
    """A Segment archive: the anonymous visit and the signed-in order are one customer."""
    import gzip

    import orjson

    from eventtide.ml.sources import read_file

    order = {"order_id": "o-1", "products": [{"product_id": "p", "price": 10, "quantity": 2}]}
    lines = [
        {"type": "page", "anonymousId": "anon-1", "messageId": "m-1", "name": "Home",
         "timestamp": "2025-03-01T10:00:00Z"},
        {"type": "identify", "userId": "ann", "anonymousId": "anon-1", "messageId": "m-2",
         "timestamp": "2025-03-01T10:01:00Z"},
        {"type": "track", "event": "Order Completed", "userId": "ann", "messageId": "m-3",
         "properties": order, "timestamp": "2025-03-01T10:02:00Z"},
        {"type": "track", "userId": "bob", "messageId": "m-4"},  # no event name: refused
    ]  # fmt: skip
    export = tmp_path / "segment.json.gz"
    export.write_bytes(gzip.compress(b"\n".join(orjson.dumps(line) for line in lines)))
    log, report = read_file(export, "segment")
    assert (report.lines, report.accepted, report.rejected) == (4, 3, 1)
    assert "line 4" in report.first_rejections[0]
    assert log.name.tolist() == ["page_view", "purchase"], "the identify is no activity"
    assert log.amount.tolist() == [0.0, 20.0]
    assert len(set(log.user.tolist())) == 1, "one person: the visit is the buyer's"
