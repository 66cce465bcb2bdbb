"""Messages to a storage batch: every message is an event row or a dead letter with a reason."""

from __future__ import annotations

import orjson
import pytest
from samples import message, payload

from eventtide.consumer.batching import prepare
from eventtide.core.db import OffsetRow
from eventtide.core.kafka.codec import header
from eventtide.core.kafka.dlq import dead_letter_message
from eventtide.core.kafka.records import Consumed

pytestmark = pytest.mark.unit


def test_valid_events_become_rows_and_offsets_are_next_per_partition() -> None:
    messages = [
        message(payload("a"), 5, partition=0),
        message(payload("b"), 7, partition=1),
        message(payload("c"), 6, partition=0),
    ]
    prepared = prepare(messages, "g")
    assert [row.user_id for row in prepared.batch.events] == ["a", "b", "c"]
    assert [row.kafka_offset for row in prepared.batch.events] == [5, 7, 6]
    assert prepared.batch.offsets == [OffsetRow("g", "t", 0, 7), OffsetRow("g", "t", 1, 8)]
    assert prepared.batch.dead_letters == []
    assert prepared.dlq == []


@pytest.mark.parametrize(
    ("raw", "kind", "rule"),
    [
        (b"{not json", "malformed_json", "json_invalid"),
        (None, "malformed_json", "empty_message"),
        (b"[1, 2]", "schema_violation", "object_expected"),
        (
            orjson.dumps({**payload(), "schema_version": 99}),
            "unknown_version",
            "unknown_schema_version",
        ),
        (
            orjson.dumps({**payload(), "event_type": "teleport"}),
            "unknown_event_type",
            "union_tag_invalid",
        ),
        (orjson.dumps({**payload(), "user_id": 5}), "schema_violation", "string_type"),
    ],
)
def test_bad_messages_become_dead_letters_with_reason_and_headers(
    raw: bytes | None, kind: str, rule: str
) -> None:
    prepared = prepare([message(raw, 41, partition=3)], "g")
    assert prepared.batch.events == []
    (letter,) = prepared.batch.dead_letters
    assert (letter.kind, letter.rule) == (kind, rule)
    assert letter.payload == raw
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("t", 3, 41)
    assert letter.message
    assert prepared.batch.offsets == [OffsetRow("g", "t", 3, 42)], "a bad message still advances"
    (dlq,) = prepared.dlq
    assert dlq.value == (raw or b"")
    assert header(dlq.headers, "error_class") == kind
    assert header(dlq.headers, "error_rule") == rule
    assert header(dlq.headers, "original_topic") == "t"
    assert header(dlq.headers, "original_partition") == "3"
    assert header(dlq.headers, "original_offset") == "41"
    assert header(dlq.headers, "error_message") == letter.message


def test_nul_characters_are_unstorable_not_a_crash() -> None:
    event = payload()
    event["context"]["page"] = "/a\u0000b"
    prepared = prepare([message(event, 0)], "g")
    (letter,) = prepared.batch.dead_letters
    assert (letter.kind, letter.rule) == ("unstorable", "nul_character")


def test_a_literal_backslash_u0000_text_is_storable() -> None:
    event = payload()
    event["context"]["page"] = "/a\\u0000b"
    assert len(prepare([message(event, 0)], "g").batch.events) == 1


def test_amounts_beyond_bigint_cents_are_unstorable() -> None:
    prepared = prepare([message(payload(event_type="purchase", amount=1e300), 0)], "g")
    (letter,) = prepared.batch.dead_letters
    assert (letter.kind, letter.rule, letter.field) == (
        "unstorable",
        "amount_out_of_range",
        "properties.amount",
    )


def test_purchase_amount_is_kept_in_integer_cents() -> None:
    (row,) = prepare([message(payload(event_type="purchase", amount=19.99), 0)], "g").batch.events
    assert (row.amount_cents, row.currency) == (1999, "USD")


def test_letters_refused_at_a_door_are_stored_from_the_dead_letter_topic() -> None:
    """Read with ``--topic`` on the DLQ: HTTP letters become rows, the consumer's own are
    skipped (already stored with their batch), and nothing is sent to the DLQ again."""
    http = dead_letter_message(
        key=b"u-1", payload=b'{"event_type": "teleport"}', error_class="unknown_event_type",
        error_message="unknown event_type 'teleport'", rule="union_tag_invalid",
        field="event_type", topic="http", partition=-1, offset=-1,
    )  # fmt: skip
    own = dead_letter_message(
        key=b"u-2", payload=b"{", error_class="malformed_json", error_message="bad",
        rule="json_invalid", field="", topic="events.v1", partition=2, offset=40,
    )  # fmt: skip
    records = [
        Consumed("dlq", 0, 7, http.key, http.value, list(http.headers)),  # type: ignore[arg-type]
        Consumed("dlq", 0, 8, own.key, own.value, list(own.headers)),  # type: ignore[arg-type]
    ]
    prepared = prepare(records, "g", dlq_topic="dlq")
    (letter,) = prepared.batch.dead_letters
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("dlq", 0, 7)
    assert (letter.kind, letter.field, letter.rule) == (
        "unknown_event_type", "event_type", "union_tag_invalid",
    )  # fmt: skip
    assert letter.message == "unknown event_type 'teleport'"
    assert letter.payload == b'{"event_type": "teleport"}'
    assert letter.details["original_topic"] == "http"
    assert prepared.batch.events == []
    assert prepared.dlq == []
    assert prepared.batch.offsets == [OffsetRow("g", "dlq", 0, 9)]
