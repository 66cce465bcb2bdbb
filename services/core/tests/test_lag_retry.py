"""Which list-offsets errors a lag reading asks again for."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from eventtide.core.kafka.group_lag import is_transient

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "code",
    [KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
     KafkaError.UNKNOWN_LEADER_EPOCH],
)  # fmt: skip
def test_a_moving_leader_is_asked_again_though_the_client_leaves_it_unflagged(code: int) -> None:
    error = KafkaError(code)
    assert not error.retriable()  # how confluent-kafka builds a per-partition error
    assert is_transient(error)


def test_refusals_and_other_failures_are_not_retried() -> None:
    assert not is_transient(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    assert not is_transient(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART))
    assert not is_transient("not a Kafka error")


def test_an_error_the_client_flags_retriable_is_retried() -> None:
    assert is_transient(KafkaError(KafkaError._TIMED_OUT, retriable=True))
