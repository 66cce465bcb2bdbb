"""How the stack looks in a terminal."""

from __future__ import annotations

from rich.table import Table

from eventtide.devstack.components import ENV_OVERRIDES
from eventtide.devstack.endpoint import Endpoint


def endpoints_table(
    endpoints: dict[str, Endpoint], *, status: dict[str, str] | None = None
) -> Table:
    """One row per component: where it listens, what version runs, who started it."""
    table = Table(title="eventtide local infrastructure", title_justify="left")
    table.add_column("component", style="bold")
    table.add_column("address")
    table.add_column("version")
    table.add_column("source")
    table.add_column("pids")
    if status is not None:
        table.add_column("state")
    for name, endpoint in endpoints.items():
        source = f"${ENV_OVERRIDES[name]}" if endpoint.external else "started locally"
        row = [
            name,
            endpoint.address,
            endpoint.version,
            source,
            " ".join(str(pid) for pid in endpoint.pids) or "-",
        ]
        if status is not None:
            row.append(status.get(name, "?"))
        table.add_row(*row)
    return table


def export_lines(environment: dict[str, str]) -> str:
    """Shell lines a user can eval to point clients at the stack."""
    return "\n".join(f"export {name}={value}" for name, value in sorted(environment.items()))
