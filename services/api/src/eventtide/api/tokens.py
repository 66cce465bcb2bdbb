"""Bearer JWTs for the read API, verified with PyJWT against the configured key.

A company's SSO (or any token service) signs the tokens; eventtide only verifies them:
HS256 with a shared secret, or RS256/ES256 with a public key. ``exp`` is required, so a
leaked token does not work forever; ``aud`` and ``iss`` are checked when configured.
"""

from __future__ import annotations

from typing import Any

import jwt

from eventtide.api.settings import ApiSettings

_ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256")


def verify(token: str, settings: ApiSettings) -> dict[str, Any] | str:
    """The token's claims, or the reason it is refused."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg", "")
    except jwt.InvalidTokenError as error:
        return f"not a JWT: {error}"
    if algorithm not in settings.jwt_algorithms:
        return f"algorithm {algorithm!r} is not accepted"
    key: str | None
    if algorithm.startswith("HS"):
        key = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    elif algorithm in _ASYMMETRIC:
        key = settings.jwt_public_key
    else:
        key = None
    if not key:
        return f"no key is configured for {algorithm}"
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp"]},
        )
    except jwt.InvalidTokenError as error:
        return str(error)
    return claims
