"""The developer's view of the local stack: `eventtide dev infra up|status|down` and `dev stack`.

These run the real command in a subprocess with a private cache folder (sharing the
built toolchains), so they neither see nor disturb a stack the developer has running.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventtide.devstack.cache import cache_root
from eventtide.devstack.ports import is_listening
from eventtide.devstack.procs import pid_alive

pytestmark = pytest.mark.e2e

EVENTTIDE = [str(Path(sys.executable).with_name("eventtide"))]
OVERRIDES = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "KUBECONFIG")


@pytest.fixture
def private_cache(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An EVENTTIDE_CACHE that shares the built toolchains but has its own runs and state."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for child in cache_root().iterdir():
        if child.name not in {"runs", "state"}:
            (cache / child.name).symlink_to(child)
    env = {key: value for key, value in os.environ.items() if key not in OVERRIDES}
    env["EVENTTIDE_CACHE"] = str(cache)
    yield env
    subprocess.run([*EVENTTIDE, "dev", "infra", "down"], env=env, check=False, timeout=120)


def exported(output: str) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(\S+)$", output, flags=re.MULTILINE))


def host_port(address: str) -> tuple[str, int]:
    match = re.search(r"(127\.0\.0\.1):(\d+)", address)
    assert match, f"no loopback address in {address!r}"
    return match.group(1), int(match.group(2))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EVENTTIDE, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_up_status_down(private_cache: dict[str, str]) -> None:
    up = run(private_cache, "dev", "infra", "up", "--only", "kafka,postgres")
    assert up.returncode == 0, up.stderr
    addresses = exported(up.stdout)
    assert set(addresses) == {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"}, up.stdout
    for address in addresses.values():
        assert is_listening(*host_port(address)), f"{address} does not answer after up"

    status = run(private_cache, "dev", "infra", "status")
    assert status.returncode == 0, status.stderr
    assert "running" in status.stderr
    assert "DEAD" not in status.stderr
    assert exported(status.stdout) == addresses

    down = run(private_cache, "dev", "infra", "down")
    assert down.returncode == 0, down.stderr
    for address in addresses.values():
        assert not is_listening(*host_port(address)), f"{address} still answers after down"
    runs = Path(private_cache["EVENTTIDE_CACHE"]) / "runs"
    assert not any(runs.iterdir()), "down must remove the data folders"
    assert run(private_cache, "dev", "infra", "status").returncode == 3


def test_killed_foreground_stack_leaves_nothing_running(private_cache: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [*EVENTTIDE, "dev", "stack", "--only", "kafka,postgres"],
        env=private_cache,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    addresses: dict[str, str] = {}
    deadline = time.monotonic() + 300
    while len(addresses) < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        addresses.update(exported(line))
    assert len(addresses) == 2, "dev stack never printed both addresses"
    runs = Path(private_cache["EVENTTIDE_CACHE"]) / "runs"
    server_pids = [
        int(pid) for pids in runs.glob("*/servers.pids") for pid in pids.read_text().split()
    ]
    assert server_pids
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while any(pid_alive(pid) for pid in server_pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(pid_alive(pid) for pid in server_pids), "servers outlived a SIGKILLed stack"

    again = run(private_cache, "dev", "infra", "up", "--only", "kafka,postgres")
    assert again.returncode == 0, again.stderr
    assert len(list(runs.iterdir())) == 2, "the killed run's data folders were not swept"
