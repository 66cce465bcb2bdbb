"""Whole-request errors in one format, RFC 9457 ``application/problem+json``.

Clients handle one shape for every refusal (malformed JSON, wrong content type, too
large, credentials, rate limit, Kafka unavailable), so each carries a stable ``type``
URI naming the problem, the HTTP ``status``, a ``title`` and a ``detail`` in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON: Final = "application/problem+json"
TYPE_BASE: Final = "https://eventtide.io/problems/"


@dataclass(eq=False)
class Problem(Exception):  # noqa: N818 - RFC 9457 names it a problem
    """A refusal of the whole request; raise it from a route or return it from pure code.

    Not frozen: an exception raised in a worker thread gets ``__traceback__`` assigned
    when re-raised in the event loop, which a frozen dataclass refuses (schemathesis
    found that as a 500 on the first unauthenticated request).
    """

    status: int
    slug: str
    title: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document."""
        doc: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        return doc | self.extra

    def response(self, instance: str | None = None) -> JSONResponse:
        """The HTTP answer."""
        return JSONResponse(
            self.body(instance), self.status, headers=self.headers, media_type=PROBLEM_JSON
        )


def unavailable(detail: str, retry_after_s: int) -> Problem:
    """503: a dependency (Kafka, the database) cannot take the request now."""
    return Problem(
        503, "unavailable", "Service unavailable", detail, {"Retry-After": str(retry_after_s)}
    )


_TITLES: Final = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Credentials required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}


def install(app: FastAPI) -> None:
    """Answer every error (ours, Starlette's, request validation) as a problem document."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return exc.response(request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug, title = _TITLES.get(exc.status_code, ("error", "Error"))
        problem = Problem(exc.status_code, slug, title, str(exc.detail), dict(exc.headers or {}))
        return problem.response(request.url.path)

    async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "rule": e["type"], "message": e["msg"]}
            for e in exc.errors()
        ]
        problem = Problem(
            422, "invalid-parameters", "Invalid parameters", "see errors", extra={"errors": errors}
        )
        return problem.response(request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem answers, so clients and tests know them."""
    from eventtide.api.schemas import ProblemDoc

    words = {
        400: "a parameter does not parse",
        401: "no or unknown credentials",
        403: "credentials without the needed scope",
        404: "no such thing",
        409: "the request conflicts with the current state",
        413: "body or batch too large",
        415: "not JSON, or an encoding other than gzip",
        422: "a parameter is missing or of the wrong type",
        429: "rate limit (Retry-After)",
        503: "a dependency is unavailable (Retry-After)",
    }
    return {
        code: {"model": ProblemDoc, "content": {PROBLEM_JSON: {}}, "description": words[code]}
        for code in codes
    }


PROTECTED = (400, 401, 403, 422, 429)
"""What every authenticated route may answer besides its success."""
