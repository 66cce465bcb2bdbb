"""Settings every service shares, read once from the environment."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import AliasChoices, Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventtide.core.defaults import DLQ_TOPIC, EVENTS_TOPIC, MAX_CLOCK_SKEW_S
from eventtide.core.events.clock import validation_context as clock_context

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "AWS_MSK_IAM"]
"""``AWS_MSK_IAM``: SASL/OAUTHBEARER with a token signed from the AWS credentials (MSK)."""


class CoreSettings(BaseSettings):
    """Where Kafka is and how to reach it, the topic names and the clock rule.

    ``KAFKA_BOOTSTRAP_SERVERS`` keeps its standard name (no prefix) so the usual
    tooling and the dev stack set it once for everything. TLS and SASL settings apply
    to every Kafka client of the process (see :mod:`eventtide.core.kafka.security`).
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "EVENTTIDE_KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_ssl_ca_location: FilePath | None = Field(
        default=None, description="CA certificate (PEM) that signed the brokers' certificates"
    )
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_aws_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("EVENTTIDE_KAFKA_AWS_REGION", "AWS_REGION"),
        description="Region of the MSK cluster, for EVENTTIDE_KAFKA_SASL_MECHANISM=AWS_MSK_IAM",
    )
    kafka_connect_timeout_s: float = Field(
        default=10.0, gt=0, description="How long a service waits for Kafka at start"
    )
    events_topic: str = EVENTS_TOPIC
    dlq_topic: str = DLQ_TOPIC
    max_clock_skew_s: float = Field(
        default=MAX_CLOCK_SKEW_S, ge=0, description="How far occurred_at may be ahead of now"
    )

    def validation_context(self) -> dict[str, Any]:
        """The clock rule as these settings configure it, for validating events."""
        return clock_context(max_skew=timedelta(seconds=self.max_clock_skew_s))

    @model_validator(mode="after")
    def _sasl_is_complete(self) -> CoreSettings:
        """A SASL protocol without its login would only fail later, at the broker."""
        if not self.kafka_security_protocol.startswith("SASL_"):
            return self
        if self.kafka_sasl_mechanism == "AWS_MSK_IAM":
            if self.kafka_security_protocol != "SASL_SSL":
                raise ValueError(
                    "EVENTTIDE_KAFKA_SASL_MECHANISM=AWS_MSK_IAM needs "
                    "EVENTTIDE_KAFKA_SECURITY_PROTOCOL=SASL_SSL (MSK's IAM listener is TLS)"
                )
            if not self.kafka_aws_region:
                raise ValueError(
                    "EVENTTIDE_KAFKA_SASL_MECHANISM=AWS_MSK_IAM needs EVENTTIDE_KAFKA_AWS_REGION "
                    "(or AWS_REGION), the MSK cluster's region"
                )
            return self
        missing = [
            f"EVENTTIDE_{name.upper()}"
            for name in ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password")
            if getattr(self, name) is None
        ]
        if missing:
            raise ValueError(
                f"EVENTTIDE_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                f"{', '.join(missing)} as well (mechanism PLAIN, SCRAM-SHA-256, "
                "SCRAM-SHA-512, or AWS_MSK_IAM with EVENTTIDE_KAFKA_AWS_REGION)"
            )
        return self


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    """The process's settings, read from the environment on first use."""
    return CoreSettings()
