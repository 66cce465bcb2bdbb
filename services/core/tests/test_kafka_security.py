"""TLS and SASL settings become the same librdkafka keys for every client."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import CoreSettings

pytestmark = pytest.mark.unit


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> CoreSettings:
    for name in list(env):
        monkeypatch.setenv(name, env[name])
    return CoreSettings()


def test_plaintext_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kafka_security(_settings(monkeypatch)) == {}


def test_tls_with_a_private_ca(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = _settings(
        monkeypatch,
        EVENTTIDE_KAFKA_SECURITY_PROTOCOL="SSL",
        EVENTTIDE_KAFKA_SSL_CA_LOCATION=str(ca),
    )
    assert kafka_security(settings) == {"security.protocol": "ssl", "ssl.ca.location": str(ca)}


def test_scram_over_tls_carries_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(
        monkeypatch,
        EVENTTIDE_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        EVENTTIDE_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        EVENTTIDE_KAFKA_SASL_USERNAME="eventtide",
        EVENTTIDE_KAFKA_SASL_PASSWORD="s3cret",
    )
    assert kafka_security(settings) == {
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "eventtide",
        "sasl.password": "s3cret",
    }
    assert "s3cret" not in repr(settings), "the password must not show in logs or errors"


def test_sasl_without_a_login_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as error:
        _settings(
            monkeypatch,
            EVENTTIDE_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
            EVENTTIDE_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        )
    message = str(error.value)
    assert "EVENTTIDE_KAFKA_SASL_USERNAME" in message
    assert "EVENTTIDE_KAFKA_SASL_PASSWORD" in message
    assert "EVENTTIDE_KAFKA_SASL_MECHANISM," not in message


def test_a_missing_ca_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="kafka_ssl_ca_location"):
        _settings(
            monkeypatch,
            EVENTTIDE_KAFKA_SECURITY_PROTOCOL="SSL",
            EVENTTIDE_KAFKA_SSL_CA_LOCATION=str(tmp_path / "absent.crt"),
        )
