"""Errors the Kafka client reports outside any one message, and which of them are final.

librdkafka retries connection problems forever, which is right for a broker that
restarts but wrong for a refused login or an untrusted certificate: those never heal
by waiting, and a producer that waits for them only times out later without saying
why. They are recorded here so the caller can stop at once and name the cause.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from confluent_kafka import KafkaError

_HINTS: Final[dict[int, str]] = {
    KafkaError._AUTHENTICATION: (
        "check EVENTTIDE_KAFKA_SECURITY_PROTOCOL, EVENTTIDE_KAFKA_SASL_MECHANISM, "
        "EVENTTIDE_KAFKA_SASL_USERNAME and EVENTTIDE_KAFKA_SASL_PASSWORD"
    ),
    KafkaError.SASL_AUTHENTICATION_FAILED: (
        "check EVENTTIDE_KAFKA_SASL_MECHANISM, EVENTTIDE_KAFKA_SASL_USERNAME and "
        "EVENTTIDE_KAFKA_SASL_PASSWORD"
    ),
    KafkaError._SSL: (
        "check EVENTTIDE_KAFKA_SSL_CA_LOCATION (the CA that signed the brokers' "
        "certificates) and that KAFKA_BOOTSTRAP_SERVERS names the TLS listener"
    ),
    KafkaError.TOPIC_AUTHORIZATION_FAILED: "grant this client's principal access to the topic",
    KafkaError.CLUSTER_AUTHORIZATION_FAILED: "grant this client's principal cluster access",
}
"""Errors that waiting does not cure, with what to check."""


@dataclass
class ClientErrors:
    """Counts of client-level errors by name, and the first final one with its hint."""

    counts: Counter[str] = field(default_factory=Counter)
    fatal: str | None = None

    def on_error(self, error: Any) -> None:
        """librdkafka's ``error_cb``: runs inside ``poll``/``flush`` on the caller's thread."""
        self.counts[error.name()] += 1
        if self.fatal is not None:
            return
        hint = _HINTS.get(error.code())
        if hint is not None or error.fatal():
            self.fatal = f"{error.str()} ({hint or 'the client cannot go on'})"
