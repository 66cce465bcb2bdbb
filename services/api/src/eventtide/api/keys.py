"""PURE: making and checking API keys; ``et_<key_id>_<secret>``.

The public ``key_id`` finds the row without a scan; the SHA-256 of the whole key is what
is stored and compared (in constant time). 24 random bytes of secret leave nothing to
guess, so a slow password hash would only cost latency on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Literal

Scope = Literal["ingest", "read", "admin"]
SCOPES: Final[tuple[Scope, ...]] = ("ingest", "read", "admin")
PREFIX: Final = "et_"


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: the plain text (shown once), its id and its hash."""

    plain: str
    key_id: str
    key_hash: str


def hash_key(plain: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(plain.encode()).hexdigest()


def make_key() -> NewKey:
    """A new random key."""
    key_id = secrets.token_hex(6)
    plain = f"{PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    return NewKey(plain, key_id, hash_key(plain))


def key_id_of(plain: str) -> str | None:
    """The public id inside a key, or None if it is not shaped like one."""
    if not plain.startswith(PREFIX):
        return None
    key_id, sep, secret = plain[len(PREFIX) :].partition("_")
    return key_id if sep and key_id and secret else None


def matches(plain: str, stored_hash: str) -> bool:
    """True if ``plain`` is the key whose hash is stored (constant-time comparison)."""
    return hmac.compare_digest(hash_key(plain), stored_hash)


def grants(held: frozenset[str], needed: Scope) -> bool:
    """``admin`` holds every scope; otherwise the scope itself is needed."""
    return needed in held or "admin" in held
