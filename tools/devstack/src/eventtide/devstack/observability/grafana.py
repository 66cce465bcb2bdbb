"""Render the dashboard specs to Grafana JSON with grafana-foundation-sdk.

The JSON files are committed in the chart (``charts/eventtide/dashboards``) so the chart
needs no Python; ``eventtide dev dashboards`` rewrites them, and ``--check`` (run by the
tests) fails when they differ from what the specs render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from eventtide.devstack.observability.dashboards import DASHBOARDS, Dashboard, Panel

DATASOURCE: Final = DataSourceRef(type_val="prometheus", uid="${datasource}")
"""Every panel reads the dashboard's ``datasource`` variable, so it fits any Grafana."""
PANEL_WIDTH: Final = 8
PANEL_HEIGHT: Final = 8


def _panel(spec: Panel) -> timeseries.Panel | stat.Panel:
    builder = stat.Panel() if spec.kind == "stat" else timeseries.Panel()
    builder = builder.title(spec.title).unit(spec.unit).datasource(DATASOURCE)
    builder = builder.span(PANEL_WIDTH).height(PANEL_HEIGHT)
    if spec.description:
        builder = builder.description(spec.description)
    for index, query in enumerate(spec.queries):
        target = prometheus.Dataquery().expr(query.expr).ref_id(chr(ord("A") + index))
        builder = builder.with_target(target.legend_format(query.legend or "__auto"))
    return builder


def render(spec: Dashboard) -> str:
    """One dashboard as sorted, indented JSON (stable, so diffs stay readable)."""
    builder = (
        gd.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(["eventtide"])
        .refresh("30s")
        .time("now-1h", "now")
        .with_variable(gd.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    for title, panels in spec.rows:
        builder = builder.with_row(gd.Row(title))
        for panel in panels:
            builder = builder.with_panel(_panel(panel))
    return JSONEncoder(sort_keys=True, indent=2).encode(builder.build()) + "\n"


def rendered() -> dict[str, str]:
    """File name to JSON text, for every dashboard."""
    return {f"{spec.uid}.json": render(spec) for spec in DASHBOARDS}


def write(folder: Path) -> list[Path]:
    """Write every dashboard into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        (folder / name).write_text(text)
        written.append(folder / name)
    return written


def stale(folder: Path) -> list[str]:
    """Names of dashboard files in ``folder`` that differ from the specs (or are extra)."""
    expected = rendered()
    present = {p.name for p in folder.glob("*.json")}
    differs = [
        name
        for name, text in expected.items()
        if not (folder / name).exists() or (folder / name).read_text() != text
    ]
    return sorted(set(differs) | (present - set(expected)))
