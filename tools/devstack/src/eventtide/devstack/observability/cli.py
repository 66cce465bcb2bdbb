"""``eventtide dev dashboards`` and ``eventtide dev traces``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

DASHBOARDS_DIR = Path("charts/eventtide/dashboards")


def dashboards(
    check: Annotated[bool, typer.Option(help="Fail if the files differ; write nothing.")] = False,
    folder: Annotated[Path, typer.Option(help="Where the JSON files go.")] = DASHBOARDS_DIR,
) -> None:
    """Render the Grafana dashboards (Python specs) to JSON in the chart."""
    from eventtide.devstack.observability import grafana

    if check:
        stale = grafana.stale(folder)
        if stale:
            typer.echo(f"out of date: {', '.join(stale)}; run `eventtide dev dashboards`")
            raise typer.Exit(1)
        return
    for path in grafana.write(folder):
        typer.echo(f"wrote {path}")


def traces(
    port: Annotated[int, typer.Option(help="OTLP/HTTP port to listen on (loopback).")] = 4318,
    seconds: Annotated[float, typer.Option(help="Stop after this long (0: until Ctrl-C).")] = 0,
) -> None:
    """Receive OTLP/HTTP spans and print each batch as trace trees.

    Point services at it with ``OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318``.
    """
    from eventtide.devstack.observability.otlp import otlp_receiver
    from eventtide.devstack.observability.traces import tree_lines

    with otlp_receiver(port) as receiver:
        typer.echo(f"listening on {receiver.endpoint}; Ctrl-C prints the whole traces and stops")
        deadline = time.monotonic() + seconds if seconds else None
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        for line in tree_lines(receiver.spans):
            typer.echo(line)


def register(dev: typer.Typer) -> None:
    """Attach the commands to ``eventtide dev``."""
    dev.command("dashboards")(dashboards)
    dev.command("traces")(traces)
