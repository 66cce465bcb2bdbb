"""The outbox's pure parts: a row's blob round-trips, leftovers are chosen by partition,
and a row counts as acknowledged only when every one of its records is."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtide.core.kafka.codec import WireMessage
from eventtide.core.transactional.outbox_rows import (
    Acknowledgements,
    OutboxDecodeError,
    OutRecord,
    StoredRow,
    pack_partitions,
    pack_records,
    to_resend,
    unpack_partitions,
    unpack_records,
)

pytestmark = pytest.mark.unit

_headers = st.lists(
    st.tuples(
        st.text(max_size=8), st.one_of(st.none(), st.binary(max_size=8), st.text(max_size=8))
    ),
    max_size=3,
)
_records = st.lists(
    st.builds(
        OutRecord,
        st.sampled_from(["windows.v1", "alerts.v1"]),
        st.builds(WireMessage, st.text(max_size=10), st.binary(max_size=20),
                  st.binary(max_size=60), _headers),
    ),
    max_size=20,
)  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(_records)
def test_records_round_trip_through_one_blob(records: list[OutRecord]) -> None:
    assert unpack_records(pack_records(records)) == records


def test_a_blob_keeps_bytes_and_text_apart() -> None:
    record = OutRecord("t", WireMessage("window", b"k|1", b'{"a":1}', [("record_type", b"w")]))
    (back,) = unpack_records(pack_records([record]))
    assert back.message.key == b"k|1"
    assert back.message.headers == [("record_type", b"w")]
    assert isinstance(back.message.value, bytes)


@pytest.mark.parametrize("payload", [b"", b"\xc1", msgpack.packb([["only", "three", b"x"]]),
                                     msgpack.packb({"a": 1})])  # fmt: skip
def test_a_foreign_blob_is_refused_by_name(payload: bytes) -> None:
    with pytest.raises(OutboxDecodeError, match="not an outbox payload"):
        unpack_records(payload)


def test_partitions_are_stored_sorted_once() -> None:
    assert pack_partitions([5, 0, 3, 0]) == "0,3,5"
    assert unpack_partitions("0,3,5") == frozenset({0, 3, 5})
    assert unpack_partitions("") == frozenset()


def _row(row_id: int, *partitions: int) -> StoredRow:
    return StoredRow(row_id, frozenset(partitions), b"")


def test_leftovers_of_the_assigned_partitions_are_resent_oldest_first() -> None:
    rows = [_row(9, 1), _row(3, 0, 2), _row(4, 5), _row(7, 2)]
    assert [r.row_id for r in to_resend(rows, [2, 1], own=[])] == [3, 7, 9]


def test_rows_of_other_partitions_and_own_rows_in_flight_are_not_resent() -> None:
    rows = [_row(1, 0), _row(2, 1), _row(3, 0, 1)]
    assert [r.row_id for r in to_resend(rows, [0], own=[1])] == [3]
    assert to_resend(rows, [4], own=[]) == []


def test_a_row_is_acknowledged_after_its_last_record() -> None:
    acks = Acknowledgements()
    acks.sent(1, 3)
    assert [acks.report(1, True), acks.report(1, True)] == [None, None]
    assert acks.done() == frozenset()
    assert acks.pending() == 1
    assert acks.report(1, True) == "acknowledged"
    assert acks.done() == {1}
    assert acks.pending() == 0
    assert acks.own() == {1}
    acks.deleted([1, 99])  # a stale id changes nothing
    assert acks.done() == frozenset()
    assert acks.own() == set()


def test_one_refused_record_leaves_the_row_for_a_resend() -> None:
    acks = Acknowledgements()
    acks.sent(4, 2)
    assert acks.report(4, False) == "failed"
    assert acks.report(4, True) is None  # a late report of the same row decides nothing
    assert acks.done() == frozenset()
    assert acks.own() == set()


def test_an_empty_row_is_done_at_once() -> None:
    acks = Acknowledgements()
    acks.sent(2, 0)
    assert acks.done() == {2}
