"""The dashboard: one HTML shell and its static files, served by the API process itself.

Every page is the same small shell (``index.html``); the browser module ``app.js``
reads the path and query string (the URL is the state) and asks the API's own JSON
routes with the key the user typed, so the dashboard has no session or auth of its own.
The chart library (uPlot) is vendored from npm at build time into ``static/vendor``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC: Final = Path(__file__).parent / "static"
PAGES: Final = (
    "overview", "trends", "funnel", "retention", "lifecycle", "stickiness", "paths", "sessions",
    "users", "alerts", "dead-letters", "pipeline",
)  # fmt: skip
"""The dashboard's pages, each at ``/dashboard/<page>``."""


def mount_dashboard(app: FastAPI) -> None:
    """Serve ``/dashboard/...`` (shell and assets) and send ``/`` there."""
    shell = (STATIC / "index.html").read_bytes()
    cache = {"Cache-Control": "no-cache"}

    async def page() -> HTMLResponse:
        return HTMLResponse(shell, headers=cache)

    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/overview")

    app.add_api_route("/", home, include_in_schema=False)
    app.add_api_route("/dashboard", home, include_in_schema=False)
    app.add_api_route("/dashboard/{page:path}", page, include_in_schema=False)
    app.mount("/dashboard-static", StaticFiles(directory=STATIC), name="dashboard-static")
