"""A real Prometheus server (Debian's package) scraping local processes, for the e2e tier."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from eventtide.devstack import prometheus
from eventtide.devstack.ports import free_port


def config(jobs: dict[str, int], rule_files: list[Path]) -> str:
    """Scrape each job's ``127.0.0.1:<port>/metrics`` every second; evaluate rules as often."""
    return yaml.safe_dump(
        {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in rule_files],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                for job, port in jobs.items()
            ],
        }
    )


class Prometheus:
    """The running server's HTTP API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector (raises on a query error)."""
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = answer.json()
        assert body["status"] == "success", f"{expr}: {body}"
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait_for(self, expr: str, timeout_s: float) -> list[dict[str, Any]]:
        """The first non-empty result of ``expr`` within ``timeout_s`` (else the last)."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = self.query(expr)
            if result or time.monotonic() >= deadline:
                return result
            time.sleep(0.5)


@contextmanager
def prometheus_server(
    jobs: dict[str, int], rule_files: list[Path], workdir: Path
) -> Iterator[Prometheus]:
    """Prometheus on a free loopback port with a throwaway TSDB, stopped afterwards."""
    port = free_port()
    (workdir / "prometheus.yml").write_text(config(jobs, rule_files))
    command = [
        str(prometheus.binary("prometheus")),
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    log = workdir / "prometheus.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = Prometheus(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        proc.wait(30)
