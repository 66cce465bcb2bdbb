"""Session fixtures that hand tests real infrastructure, or fail saying what is missing.

Each component is started at most once per session, on first use, so a run of the
unit tier starts nothing. A component that cannot be provided fails every test that
needs it with the reason (never a skip), and is not retried for each test.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, cast

import pytest

from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.errors import InfraError
from eventtide.devstack.kafka_listeners import SecuredKafka
from eventtide.devstack.stack import provide, shutdown

_WHAT = {
    "kafka": "a Kafka broker (set KAFKA_BOOTSTRAP_SERVERS, or let eventtide.devstack build one)",
    "postgres": "a PostgreSQL server (set DATABASE_URL, or let eventtide.devstack start one)",
    "kubernetes": "a Kubernetes API server (set KUBECONFIG, or let eventtide.devstack start one)",
}


class InfraPool:
    """Endpoints started for this session, and failures remembered so they fail fast."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.failures: dict[str, str] = {}

    def get(self, name: str) -> Endpoint:
        """The component's endpoint, starting it on first use."""
        if name in self.failures:
            pytest.fail(self.failures[name], pytrace=False)
        if name not in self.endpoints:
            try:
                self.endpoints[name] = provide(name, tied_to_parent=True)
            except InfraError as error:
                self.failures[name] = f"missing infrastructure: {_WHAT[name]}.\n{error}"
                pytest.fail(self.failures[name], pytrace=False)
        return self.endpoints[name]

    def replace(self, name: str, endpoint: Endpoint) -> None:
        """Record a restarted component (new pids) so teardown stops the right processes."""
        self.endpoints[name] = endpoint

    def close(self) -> None:
        """Stop everything this session started, newest first."""
        for endpoint in reversed(list(self.endpoints.values())):
            shutdown(endpoint)
        self.endpoints.clear()


class _Restartable(Protocol):
    def stop(self, endpoint: Endpoint, *, hard: bool = False) -> None: ...

    def resume(self, endpoint: Endpoint, *, tied_to_parent: bool | None = None) -> Endpoint: ...


class LocalServer:
    """A server this session started, which tests may stop, resume and restart.

    It keeps its address and data across restarts, so clients reconnect to the same
    place, as they would to a production server coming back. External servers are not
    ours to stop: a test that needs this fails when one is configured.
    """

    def __init__(self, name: str, pool: InfraPool) -> None:
        self.name = name
        self._pool = pool
        self._module = cast(_Restartable, importlib.import_module(f"eventtide.devstack.{name}"))
        if pool.get(name).external:
            pytest.fail(
                f"this test stops and restarts {name}, which it can only do to a server it "
                f"started itself; unset ${_OVERRIDE[name]} to let the test start one",
                pytrace=False,
            )

    @property
    def endpoint(self) -> Endpoint:
        """The current endpoint (pids change across restarts)."""
        return self._pool.get(self.name)

    @property
    def address(self) -> str:
        """Where clients connect; stable across restarts."""
        return self.endpoint.address

    @property
    def bootstrap(self) -> str:
        """Alias of :attr:`address` that reads naturally for Kafka."""
        return self.address

    def stop(self, *, hard: bool = False) -> None:
        """Stop the server (SIGKILL with ``hard``), keeping its data."""
        self._module.stop(self.endpoint, hard=hard)

    def resume(self) -> None:
        """Start the stopped server again on the same address and data."""
        self._pool.replace(self.name, self._module.resume(self.endpoint))

    def restart(self, *, hard: bool = False, down_seconds: float = 0.0) -> None:
        """Stop, optionally stay down for ``down_seconds``, and start again."""
        self.stop(hard=hard)
        if down_seconds > 0:
            time.sleep(down_seconds)
        self.resume()


_OVERRIDE = {"kafka": "KAFKA_BOOTSTRAP_SERVERS", "postgres": "DATABASE_URL"}


@pytest.fixture(scope="session")
def infra_pool() -> Iterator[InfraPool]:
    """The session's shared pool of started infrastructure."""
    pool = InfraPool()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def kafka_endpoint(infra_pool: InfraPool) -> Endpoint:
    """A real Kafka broker for the session."""
    return infra_pool.get("kafka")


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_endpoint: Endpoint) -> str:
    """``bootstrap.servers`` of the session's Kafka broker."""
    return kafka_endpoint.address


@pytest.fixture(scope="session")
def kafka_secured(kafka_endpoint: Endpoint) -> SecuredKafka:
    """The local broker's TLS and SCRAM-over-TLS listeners, with CA and login."""
    secured = SecuredKafka.from_details(kafka_endpoint.details)
    if secured is None:
        pytest.fail(
            "this test needs the TLS and SCRAM listeners of the broker eventtide.devstack "
            f"starts, but KAFKA_BOOTSTRAP_SERVERS points at another cluster "
            f"({kafka_endpoint.address}); unset it to let the tests start their own broker"
        )
    return secured


@pytest.fixture(scope="session")
def kafka_broker(infra_pool: InfraPool) -> LocalServer:
    """The session's own Kafka broker, for tests that stop or restart it."""
    return LocalServer("kafka", infra_pool)


@pytest.fixture(scope="session")
def postgres_server(infra_pool: InfraPool) -> LocalServer:
    """The session's own PostgreSQL server, for tests that stop or restart it."""
    return LocalServer("postgres", infra_pool)


@pytest.fixture(scope="session")
def postgres_endpoint(infra_pool: InfraPool) -> Endpoint:
    """A real PostgreSQL server for the session."""
    return infra_pool.get("postgres")


@pytest.fixture(scope="session")
def database_url(postgres_endpoint: Endpoint) -> str:
    """SQLAlchemy URL (``postgresql+psycopg://``) of the session's database."""
    return postgres_endpoint.address


@pytest.fixture(scope="session")
def kubernetes_endpoint(infra_pool: InfraPool) -> Endpoint:
    """A real Kubernetes API server (with kwok nodes) for the session."""
    return infra_pool.get("kubernetes")


@pytest.fixture(scope="session")
def kubeconfig(kubernetes_endpoint: Endpoint) -> Path:
    """Path of a kubeconfig for the session's cluster."""
    return Path(kubernetes_endpoint.address)


TIERS = ("unit", "integration", "cluster", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test belongs to exactly one tier, so ``-m unit`` and friends miss nothing."""
    wrong = []
    for item in items:
        tiers = [tier for tier in TIERS if item.get_closest_marker(tier) is not None]
        if len(tiers) != 1:
            wrong.append(f"{item.nodeid}: tiers {tiers or 'none'}")
    if wrong:
        raise pytest.UsageError(
            "each test needs exactly one tier marker (pytestmark = pytest.mark.<tier>, "
            f"one of {', '.join(TIERS)}):\n  " + "\n  ".join(wrong[:20])
        )
