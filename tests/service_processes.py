"""The services as real processes (``eventtide consume``, ``process``, ``api serve``,
``produce``, ``ml score``, ``operator``), each one recorded so that a failing test cannot
leave it running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

EVENTTIDE = str(Path(sys.executable).parent / "eventtide")

STARTED: list[subprocess.Popen[bytes]] = []
"""Every process started, so a failing test cannot leave one running."""


def reap_processes() -> None:
    """SIGKILL whatever service process a test left running."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def spawn(arguments: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``eventtide <arguments>`` as a real process, its output appended to ``log``."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [EVENTTIDE, *arguments], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    STARTED.append(proc)
    return proc


def start_service(
    verb: str, env: dict[str, str], topic: str, group: str, log: Path, idle_exit: float = 0.0
) -> subprocess.Popen[bytes]:
    """``eventtide consume`` or ``eventtide process`` (``verb``) reading ``topic`` in ``group``.

    Both take the same flags, so the storage and the processor tests start them alike.
    """
    return spawn(
        [verb, "--topic", topic, "--group", group, "--json", "--idle-exit", str(idle_exit)],
        env,
        log,
    )


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``eventtide api serve`` on loopback ``port``; returns once ``/healthz`` answers."""
    proc = spawn(["api", "serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
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
    return spawn(["produce", "--topic", topic, "--rate", str(rate), "--users", "50"], env, log)


def start_scorer(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``eventtide ml score`` serving metrics on ``port``; it waits for a production model."""
    return spawn(["ml", "score"], {**env, "EVENTTIDE_ML_METRICS_PORT": str(port)}, log)


def start_operator(
    kubeconfig: Path, namespace: str, port: int, log: Path
) -> subprocess.Popen[bytes]:
    """``eventtide operator`` watching ``namespace``, metrics on ``port``, kopf's liveness
    endpoint on another free loopback port."""
    from eventtide.devstack.ports import free_port

    env = {**os.environ, "KUBECONFIG": str(kubeconfig),
           "EVENTTIDE_OPERATOR_METRICS_PORT": str(port)}  # fmt: skip
    liveness = f"http://127.0.0.1:{free_port()}/healthz"
    return spawn(["operator", "--namespace", namespace, "--liveness", liveness], env, log)
