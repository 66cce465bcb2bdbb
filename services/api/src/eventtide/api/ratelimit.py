"""PURE: a token bucket per API key.

Written here rather than taken from a library: ``limits`` (the well-kept choice) offers
fixed and sliding windows but no token bucket, and a bucket is twenty lines of
arithmetic on a clock passed in, which makes it testable without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bucket:
    """Tokens left at ``at`` (seconds, any monotonic clock)."""

    tokens: float
    at: float


def take(bucket: Bucket | None, *, now: float, rate: float, burst: int) -> tuple[Bucket, float]:
    """Take one token; returns the new bucket and 0, or the unchanged bucket and how many
    seconds until a token is there (the ``Retry-After``)."""
    if bucket is None:
        bucket = Bucket(float(burst), now)
    tokens = min(float(burst), bucket.tokens + (now - bucket.at) * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), 0.0
    return Bucket(tokens, now), (1.0 - tokens) / rate
