"""Opaque keyset cursors over ``(time in µs, id)`` pairs, for sessions and alerts."""

from __future__ import annotations

import base64

from eventtide.api.params import bad


def encode(position: tuple[int, str] | None) -> str | None:
    """The cursor naming ``position``, or None at the end."""
    if position is None:
        return None
    return base64.urlsafe_b64encode(f"{position[0]}|{position[1]}".encode()).decode()


def decode(cursor: str | None) -> tuple[int, str] | None:
    """The position a cursor names; 400 if :func:`encode` did not make it."""
    if not cursor:
        return None
    try:
        at, sep, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        if not sep or not ident:
            raise ValueError(cursor)
        return int(at), ident
    except ValueError as error:
        raise bad(f"cursor {cursor!r} is not one this API made") from error
