"""Keys, token buckets and JWT verification on plain data."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from eventtide.api import keys, ratelimit, tokens
from eventtide.api.settings import ApiSettings

pytestmark = pytest.mark.unit


def test_a_key_matches_only_itself() -> None:
    key = keys.make_key()
    assert keys.key_id_of(key.plain) == key.key_id
    assert keys.matches(key.plain, key.key_hash)
    assert not keys.matches(key.plain + "x", key.key_hash)
    assert keys.key_id_of("et_nosecret") is None
    assert keys.key_id_of("Bearer abc") is None


def test_admin_holds_every_scope() -> None:
    assert keys.grants(frozenset({"admin"}), "ingest")
    assert keys.grants(frozenset({"read"}), "read")
    assert not keys.grants(frozenset({"ingest"}), "read")


def test_bucket_allows_the_burst_then_the_rate() -> None:
    bucket, waits = None, []
    for _ in range(5):
        bucket, wait = ratelimit.take(bucket, now=0.0, rate=2.0, burst=3)
        waits.append(wait)
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.5)
    bucket, wait = ratelimit.take(bucket, now=0.5, rate=2.0, burst=3)
    assert wait == 0.0
    bucket, wait = ratelimit.take(bucket, now=100.0, rate=2.0, burst=3)
    assert bucket.tokens == pytest.approx(2.0)  # capped at the burst, minus one


SECRET = "test-only-" + "x" * 32
HS = ApiSettings(jwt_secret=SECRET)


def _hs(claims: dict, secret: str | None = None) -> str:
    return jwt.encode(claims, secret or SECRET, algorithm="HS256")


def test_hs256_valid_expired_and_wrongly_signed() -> None:
    now = int(time.time())
    assert isinstance(tokens.verify(_hs({"sub": "ana", "exp": now + 60}), HS), dict)
    assert "expired" in str(tokens.verify(_hs({"sub": "ana", "exp": now - 60}), HS))
    wrong = tokens.verify(
        _hs({"sub": "ana", "exp": now + 60}, "another-secret-another-secret!!"), HS
    )
    assert "Signature" in str(wrong)
    assert "exp" in str(tokens.verify(_hs({"sub": "ana"}), HS))


def test_es256_with_the_public_key_only() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings = ApiSettings(jwt_public_key=public.decode())
    token = jwt.encode({"sub": "bo", "exp": int(time.time()) + 60}, private, algorithm="ES256")
    assert isinstance(tokens.verify(token, settings), dict)
    other = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode({"sub": "bo", "exp": int(time.time()) + 60}, other, algorithm="ES256")
    assert isinstance(tokens.verify(forged, settings), str)
    # no HS secret configured: an HS256 token cannot be checked, so it is refused
    assert "no key" in str(tokens.verify(_hs({"exp": int(time.time()) + 60}), settings))
