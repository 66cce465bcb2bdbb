"""What a running piece of infrastructure offers, and how to take it down again."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eventtide.devstack.procs import stop_pid


@dataclass(frozen=True)
class Endpoint:
    """A started (or externally provided) service.

    ``address`` is what clients need: the Kafka bootstrap servers, the database URL or
    the kubeconfig path. ``pids`` are the process groups we started, in stop order, and
    ``workdir`` the temporary folder holding their data; both are empty for external
    services, which are never stopped.
    """

    name: str
    address: str
    version: str
    external: bool = False
    pids: tuple[int, ...] = ()
    workdir: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain data for the state file that ``dev infra status|down`` reads."""
        data = asdict(self)
        data["pids"] = list(self.pids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Endpoint:
        """Inverse of :meth:`to_json`."""
        return cls(**{**data, "pids": tuple(data.get("pids", ()))})


def stop_endpoint(endpoint: Endpoint) -> None:
    """Stop every process we started for the endpoint and remove its data folder."""
    if endpoint.external:
        return
    for pid in endpoint.pids:
        stop_pid(pid)
    if endpoint.workdir:
        shutil.rmtree(Path(endpoint.workdir), ignore_errors=True)
