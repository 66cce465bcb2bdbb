"""``eventtide operator``: run the kopf operator for Pipeline resources."""

from __future__ import annotations

import logging
from typing import Annotated

import typer


def operator(
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", "-n", help="Watch these namespaces (default: all)."),
    ] = None,
    liveness: Annotated[
        str, typer.Option(help="Liveness endpoint (kopf serves /healthz there).")
    ] = "http://0.0.0.0:8080/healthz",
    verbose: Annotated[bool, typer.Option(help="Debug logging.")] = False,
) -> None:
    """Reconcile Pipelines into their children and scale consumers on lag."""
    import kopf

    import eventtide.operator.handlers  # noqa: F401  (registers the handlers)
    from eventtide.core.telemetry import setup
    from eventtide.operator.settings import OperatorSettings

    setup("operator", metrics_port=OperatorSettings().metrics_port)
    # Not kopf.configure(): it adds a second, plain-text handler to the root logger, so
    # every line came out twice. The telemetry set-up's handler (JSON by default) is the
    # only one; kopf's own messages go through it like every other component's.
    logging.getLogger().setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    kopf.run(
        standalone=True,
        clusterwide=not namespace,
        namespaces=namespace or [],
        liveness_endpoint=liveness,
    )


def register(app: typer.Typer) -> None:
    """Attach ``operator`` to the ``eventtide`` command."""
    app.command(name="operator")(operator)
