"""MSK IAM: the settings pick OAUTHBEARER and the callback signs a token, offline.

The token is signed with fake static credentials from the environment (botocore's
first credential source), so nothing reaches AWS: a SigV4 presigned URL is computed
locally. What MSK checks is that the URL is for kafka-cluster:Connect in the right
region and carries a signature, and that librdkafka gets the expiry in seconds.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import ValidationError

from eventtide.core.kafka.msk_iam import oauth_callback, serve_token
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import CoreSettings

pytestmark = pytest.mark.unit

FAKE_KEY = "AKIAFAKEFAKEFAKE0000"


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static fake credentials and no profile, config file or metadata lookups."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def iam_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> CoreSettings:
    monkeypatch.setenv("EVENTTIDE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("EVENTTIDE_KAFKA_SASL_MECHANISM", "AWS_MSK_IAM")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CoreSettings()


def test_iam_becomes_oauthbearer_with_a_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    config = kafka_security(iam_settings(monkeypatch, EVENTTIDE_KAFKA_AWS_REGION="eu-west-1"))
    assert config["security.protocol"] == "sasl_ssl"
    assert config["sasl.mechanism"] == "OAUTHBEARER"
    assert callable(config["oauth_cb"])
    assert "sasl.username" not in config
    assert "sasl.password" not in config


def test_the_callback_signs_a_token_for_the_region(fake_aws: None) -> None:
    before = time.time()
    token, expiry = oauth_callback("eu-west-1")(None)
    padded = token + "=" * (-len(token) % 4)
    url = urlparse(base64.urlsafe_b64decode(padded).decode())
    query = parse_qs(url.query)
    assert url.hostname == "kafka.eu-west-1.amazonaws.com"
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert query["X-Amz-Credential"][0].startswith(f"{FAKE_KEY}/")
    assert "/eu-west-1/kafka-cluster/aws4_request" in query["X-Amz-Credential"][0]
    assert len(query["X-Amz-Signature"][0]) == 64
    # librdkafka wants epoch seconds; the signer gives milliseconds (15-minute tokens).
    assert before + 60 < expiry < before + 3600


def test_the_region_comes_from_aws_region_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTTIDE_KAFKA_AWS_REGION", raising=False)
    settings = iam_settings(monkeypatch, AWS_REGION="us-east-2")
    assert settings.kafka_aws_region == "us-east-2"


def test_iam_without_a_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("EVENTTIDE_KAFKA_AWS_REGION", raising=False)
    with pytest.raises(ValidationError, match="EVENTTIDE_KAFKA_AWS_REGION"):
        iam_settings(monkeypatch)


def test_iam_needs_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="SASL_SSL"):
        iam_settings(
            monkeypatch,
            EVENTTIDE_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
            EVENTTIDE_KAFKA_AWS_REGION="eu-west-1",
        )


def test_an_empty_region_is_refused() -> None:
    with pytest.raises(ValueError, match="region"):
        oauth_callback("")


class Polled:
    def __init__(self) -> None:
        self.polls: list[float] = []

    def poll(self, timeout: float) -> int:
        self.polls.append(timeout)
        return 0


def test_admin_clients_are_polled_for_their_first_token_only_with_iam() -> None:
    with_token, without = Polled(), Polled()
    serve_token(with_token, {"oauth_cb": lambda _: ("t", 0.0)})
    serve_token(without, {"sasl.mechanism": "PLAIN"})
    assert with_token.polls == [0]
    assert without.polls == []
