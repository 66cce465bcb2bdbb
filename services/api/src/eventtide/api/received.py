"""When a request arrived: the receipt time its events are stamped with.

Stamped as the request comes in (its headers read), not when the route gets to it: the
key lookup, the body's upload and inflating it come later, and the SDKs' clock-skew
correction (``received_at - (sent_at - timestamp)``) takes every millisecond between
the client's ``sent_at`` and this stamp for skew, moving the request's events later.
A request that waited on a cold key lookup would otherwise land its events after
those of a quicker request sent after it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.types import Receive, Scope, Send


class ReceivedAtMiddleware:
    """Puts the arrival time in the request's state (``request.state.received_at``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stamp an HTTP request, then pass it on."""
        if scope["type"] == "http":
            scope.setdefault("state", {})["received_at"] = datetime.now(UTC)
        await self.app(scope, receive, send)


def received_at(request: Request) -> datetime:
    """The request's arrival time, as the middleware stamped it."""
    stamped: datetime = request.state.received_at
    return stamped
