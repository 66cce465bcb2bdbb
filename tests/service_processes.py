"""The services as real processes: ``api serve``, ``produce``, ``ml score``, ``operator``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from storage_helpers import STARTED

EVENTTIDE = str(Path(sys.executable).parent / "eventtide")


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``eventtide api serve`` on loopback ``port``; returns once ``/healthz`` answers."""
    command = [EVENTTIDE, "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    STARTED.append(proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the API did not answer /healthz: {log.read_text()[-2000:]}")


def stop_api(proc: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM and wait; uvicorn re-raises the signal after a graceful shutdown."""
    proc.terminate()
    assert proc.wait(30) in (0, -15), log.read_text()[-2000:]


def start_producer(
    env: dict[str, str], topic: str, rate: float, log: Path
) -> subprocess.Popen[bytes]:
    """``eventtide produce`` of live events at ``rate`` per second until stopped."""
    command = [EVENTTIDE, "produce", "--topic", topic, "--rate", str(rate), "--users", "50"]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    STARTED.append(proc)
    return proc


def start_scorer(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``eventtide ml score`` serving metrics on ``port``; it waits for a production model."""
    scorer_env = {**env, "EVENTTIDE_ML_METRICS_PORT": str(port)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [EVENTTIDE, "ml", "score"], env=scorer_env, stdout=out, stderr=subprocess.STDOUT
        )
    STARTED.append(proc)
    return proc


def start_operator(
    kubeconfig: Path, namespace: str, port: int, log: Path
) -> subprocess.Popen[bytes]:
    """``eventtide operator`` watching ``namespace``, metrics on ``port``, kopf's liveness
    endpoint on another free loopback port."""
    from eventtide.devstack.ports import free_port

    env = {**os.environ, "KUBECONFIG": str(kubeconfig),
           "EVENTTIDE_OPERATOR_METRICS_PORT": str(port)}  # fmt: skip
    liveness = f"http://127.0.0.1:{free_port()}/healthz"
    command = [EVENTTIDE, "operator", "--namespace", namespace, "--liveness", liveness]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    STARTED.append(proc)
    return proc
