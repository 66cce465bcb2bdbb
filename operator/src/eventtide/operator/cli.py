"""``eventtide operator``: run the kopf operator for Pipeline resources."""

from __future__ import annotations

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

    kopf.configure(verbose=verbose)
    kopf.run(
        standalone=True,
        clusterwide=not namespace,
        namespaces=namespace or [],
        liveness_endpoint=liveness,
    )


def register(app: typer.Typer) -> None:
    """Attach ``operator`` to the ``eventtide`` command."""
    app.command(name="operator")(operator)
