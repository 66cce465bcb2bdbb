"""Which client errors end a run at once, and the hint each one carries."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from eventtide.core.kafka.client_errors import ClientErrors

pytestmark = pytest.mark.unit


def test_transient_errors_are_counted_and_waited_out() -> None:
    errors = ClientErrors()
    errors.on_error(KafkaError(KafkaError._TRANSPORT, "broker went away"))
    errors.on_error(KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"))
    assert errors.fatal is None
    assert errors.counts == {"_TRANSPORT": 1, "_ALL_BROKERS_DOWN": 1}


def test_a_refused_login_is_final_and_names_the_settings() -> None:
    errors = ClientErrors()
    errors.on_error(KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error"))
    assert errors.fatal is not None
    assert errors.fatal.startswith("SASL authentication error")
    assert "EVENTTIDE_KAFKA_SASL_PASSWORD" in errors.fatal


def test_the_first_final_error_is_kept() -> None:
    errors = ClientErrors()
    errors.on_error(KafkaError(KafkaError._SSL, "certificate verify failed"))
    errors.on_error(KafkaError(KafkaError._AUTHENTICATION, "later"))
    assert errors.fatal is not None
    assert "EVENTTIDE_KAFKA_SSL_CA_LOCATION" in errors.fatal
    assert errors.counts["_AUTHENTICATION"] == 1


def test_a_fatal_client_error_is_final_even_without_a_hint() -> None:
    errors = ClientErrors()
    errors.on_error(KafkaError(KafkaError._FATAL, "idempotence broken", fatal=True))
    assert errors.fatal == "idempotence broken (the client cannot go on)"
