"""How clients authenticate to Kafka and verify it: the librdkafka keys for TLS and SASL.

Every client the services make (producer, consumer, dead-letter producer, the
operator's admin clients) takes these same keys, so a cluster that needs TLS or a SASL
login is configured once, in the environment, for all of them.
"""

from __future__ import annotations

from typing import Any

from eventtide.core.kafka.msk_iam import oauth_callback
from eventtide.core.settings import CoreSettings


def kafka_security(settings: CoreSettings) -> dict[str, Any]:
    """librdkafka settings for the configured protocol; empty for plain connections.

    The password goes into the client configuration only, never into a log line:
    :class:`CoreSettings` keeps it as a ``SecretStr`` until this point. With
    ``AWS_MSK_IAM`` there is no password at all: the client signs OAUTHBEARER tokens with
    the process's AWS credentials (see :mod:`eventtide.core.kafka.msk_iam`).
    """
    config: dict[str, Any] = {}
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return config
    config["security.protocol"] = protocol.lower()
    if settings.kafka_ssl_ca_location is not None:
        config["ssl.ca.location"] = str(settings.kafka_ssl_ca_location)
    if protocol.startswith("SASL_"):
        assert settings.kafka_sasl_mechanism is not None  # checked by CoreSettings
        if settings.kafka_sasl_mechanism == "AWS_MSK_IAM":
            assert settings.kafka_aws_region is not None
            config["sasl.mechanism"] = "OAUTHBEARER"
            config["oauth_cb"] = oauth_callback(settings.kafka_aws_region)
            return config
        assert settings.kafka_sasl_password is not None
        config["sasl.mechanism"] = settings.kafka_sasl_mechanism
        config["sasl.username"] = settings.kafka_sasl_username
        config["sasl.password"] = settings.kafka_sasl_password.get_secret_value()
    return config
