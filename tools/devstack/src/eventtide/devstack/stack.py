"""Bring the local stack up and down as a whole, reusing what the environment provides."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from eventtide.devstack.cache import cache_dir
from eventtide.devstack.components import (
    COMPONENTS,
    ENV_OVERRIDES,
    TOOLCHAINS,
    component,
    toolchain,
)
from eventtide.devstack.endpoint import Endpoint, stop_endpoint
from eventtide.devstack.procs import log, pid_alive, redact
from eventtide.devstack.workdirs import new_workdir, record_servers, set_owner


def build(names: Iterable[str] = TOOLCHAINS) -> dict[str, float]:
    """Build every toolchain that is missing, in parallel; returns seconds per component.

    Builds run in threads because they are independent external processes (Maven, Go)
    and the machine has two cores; servers are never started from these threads.
    """
    wanted = list(names)
    timings: dict[str, float] = {}

    def one(name: str) -> None:
        started = time.monotonic()
        toolchain(name).ensure_built()
        timings[name] = time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(wanted) or 1) as pool:
        for future in [pool.submit(one, name) for name in wanted]:
            future.result()
    return timings


def provide(name: str, *, tied_to_parent: bool = True) -> Endpoint:
    """The endpoint for one component: the environment's if configured, else a fresh one.

    Must run on the main thread: servers are tied to the thread that starts them.
    """
    return _configured(name) or start_local(name, tied_to_parent=tied_to_parent)


def _configured(name: str) -> Endpoint | None:
    """The server the environment names for ``name``, checked once, or None."""
    external = component(name).external_endpoint()
    if external is not None:
        log(f"{name}: using {redact(external.address)} from ${ENV_OVERRIDES[name]}")
    return external


def start_local(name: str, *, tied_to_parent: bool) -> Endpoint:
    """Build if needed and start a fresh instance in a new data folder."""
    module = component(name)
    module.ensure_built()
    workdir = new_workdir(name)
    started = time.monotonic()
    try:
        endpoint = module.start(workdir, tied_to_parent=tied_to_parent)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    record_servers(workdir, endpoint.pids)
    if not tied_to_parent and endpoint.pids:
        set_owner(workdir, endpoint.pids[-1])
    log(f"{name}: {endpoint.address} ({endpoint.version}) up in {time.monotonic() - started:.1f}s")
    return endpoint


def shutdown(endpoint: Endpoint) -> None:
    """Stop a started endpoint the component's own way, then remove what is left.

    Components know their fastest clean stop (PostgreSQL's is SIGINT, not SIGTERM);
    the generic stop afterwards kills any straggler and removes the data folder.
    """
    if endpoint.external:
        return
    own_stop = getattr(component(endpoint.name), "stop", None)
    if own_stop is not None:
        try:
            own_stop(endpoint)
        except Exception as error:  # the generic stop below still cleans up
            log(f"{endpoint.name}: clean stop failed ({error}); killing it")
    stop_endpoint(endpoint)


def client_environment(endpoints: dict[str, Endpoint]) -> dict[str, str]:
    """The standard variables that point clients (and child processes) at the stack."""
    return {ENV_OVERRIDES[name]: endpoint.address for name, endpoint in endpoints.items()}


@contextmanager
def running(names: Iterable[str] = COMPONENTS) -> Iterator[dict[str, Endpoint]]:
    """Start the named components for the duration of a ``with`` block, then stop them."""
    wanted = list(names)
    endpoints: dict[str, Endpoint] = {}
    try:
        configured = {name: _configured(name) for name in wanted}
        build(name for name, external in configured.items() if external is None)
        for name in wanted:
            endpoints[name] = configured[name] or start_local(name, tied_to_parent=True)
        yield endpoints
    finally:
        for endpoint in reversed(list(endpoints.values())):
            shutdown(endpoint)


def state_file() -> Path:
    """Where ``dev infra up`` records what it started for ``status`` and ``down``."""
    return cache_dir("state") / "infra.json"


def save_state(endpoints: dict[str, Endpoint]) -> None:
    """Record detached endpoints (atomically, so a crash never leaves half a file)."""
    path = state_file()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({k: v.to_json() for k, v in endpoints.items()}, indent=2))
    tmp.replace(path)


def load_state() -> dict[str, Endpoint]:
    """What ``dev infra up`` started, or nothing."""
    path = state_file()
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {name: Endpoint.from_json(item) for name, item in data.items()}


def clear_state() -> None:
    """Forget the detached stack."""
    state_file().unlink(missing_ok=True)


def alive(endpoint: Endpoint) -> bool:
    """True when every process we started for the endpoint still runs."""
    return endpoint.external or all(pid_alive(pid) for pid in endpoint.pids)
