"""Registers ``eventtide api``; FastAPI and uvicorn are imported only when it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from eventtide.api import keys_cli


def serve(
    host: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_API_HOST.")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Default: EVENTTIDE_API_PORT.")
    ] = None,
) -> None:
    """Serve the HTTP API (ingestion and analytics) until SIGTERM or Ctrl-C."""
    import uvicorn

    from eventtide.api.main import create_app
    from eventtide.api.runtime import tune_interpreter
    from eventtide.api.settings import api_settings
    from eventtide.core.telemetry import setup

    setup("api")  # before the app: its engine and routes are traced from the first request
    settings = api_settings()
    app = create_app(settings)
    tune_interpreter()
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_level="info",
        log_config=None,  # keep the JSON logging set up above
    )


def register(app: typer.Typer) -> None:
    """Attach ``api`` (serve, and ``api keys ...``) to the root CLI."""
    api = typer.Typer(help="The HTTP API: ingestion and analytics.", no_args_is_help=True)
    api.command("serve")(serve)
    keys_cli.register(api)
    app.add_typer(api, name="api")
