"""Every ``eventtide`` subcommand against bad input, bad configuration and dead services.

A new user's first mistakes: a typo in an option, a negative rate, ``mysql://`` in
DATABASE_URL, a database or broker that is not running. Each must end in one line that
names the setting and the fix, exit code 2 (usage, configuration) or 1 (runtime), and
no traceback. The commands run in-process through the CLI root (``run``), the layer
that answers failures, so the matrix takes seconds; "unreachable" is a closed loopback
port, refused at once, with the Kafka wait cut to one second.

The command list is discovered from the CLI itself and must equal :data:`NEEDS`, so a
new subcommand cannot join without saying which services it needs and being tested.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventtide.core.cli import leaf_commands, run
from eventtide.core.settings import core_settings

pytestmark = pytest.mark.unit

NEEDS: dict[str, frozenset[str]] = {
    "consume": frozenset({"db", "kafka"}),
    "process": frozenset({"db", "kafka"}),
    "produce": frozenset({"kafka"}),
    "operator": frozenset(),
    "api serve": frozenset(),
    "api keys create": frozenset({"db"}),
    "api keys list": frozenset({"db"}),
    "api keys revoke": frozenset({"db"}),
    "db upgrade": frozenset({"db"}),
    "db check": frozenset({"db"}),
    "dev run": frozenset({"db", "kafka"}),
    "dev stack": frozenset(),
    "dev dashboards": frozenset(),
    "dev traces": frozenset(),
    "dev infra build": frozenset(),
    "dev infra up": frozenset(),
    "dev infra status": frozenset(),
    "dev infra down": frozenset(),
    "dev infra exec": frozenset(),
    "dlq list": frozenset({"db"}),
    "dlq show": frozenset({"db"}),
    "dlq replay": frozenset({"db"}),
    "ml evaluate": frozenset(),
    "ml train": frozenset({"db"}),
    # without a model it waits for one (not Kafka's failure to test), so the database only
    "ml score": frozenset({"db"}),
    "ml detect": frozenset({"db"}),
    "ml behave": frozenset({"db"}),
    "schema export": frozenset(),
}
"""Which external services each leaf command reaches (``api serve`` and ``operator``
serve forever, so they are tested for input and configuration only)."""

ARGS: dict[str, list[str]] = {
    "consume": ["--idle-exit", "1"],
    "process": ["--idle-exit", "1"],
    "produce": ["-n", "1"],
    "api keys create": ["--name", "matrix", "--scope", "read"],
    "api keys revoke": ["abc"],
    "dlq show": ["1"],
    "dlq replay": ["1"],
    "ml train": ["churn", "--cutoff", "2026-11-01"],
    "dev run": ["--events", "10"],
}
"""The least each command needs to get as far as its first connection."""

BAD_VALUES: list[tuple[str, list[str], str]] = [
    ("produce", ["--rate", "-5"], "--rate"),
    ("produce", ["--events", "0"], "--events"),
    ("produce", ["--backfill-days", "0"], "--backfill-days"),
    ("produce", ["--incident", "nonsense"], "--incident"),
    ("produce", ["--format", "heap"], "--format"),
    ("produce", ["--format", "segment"], "--format"),  # an export needs --from-file
    ("consume", ["--idle-exit", "-1"], "--idle-exit"),
    ("process", ["--idle-exit", "-1"], "--idle-exit"),
    ("api serve", ["--port", "70000"], "--port"),
    ("api keys create", ["--name", "x", "--scope", "read", "--rate", "0"], "--rate"),
    ("dlq list", ["--limit", "0"], "--limit"),
    ("dlq show", ["not-a-number"], "letter_id"),
    ("dev run", ["--events", "0"], "--events"),
    ("dev run", ["--rate", "0"], "--rate"),
    ("dev stack", ["--only", "mysql"], "--only"),
    ("dev infra build", ["nope"], "TOOLCHAIN"),
    ("ml evaluate", ["--from-file", "/nonexistent.jsonl"], "--from-file"),
    ("ml evaluate", ["--holdout-share", "2"], "--holdout-share"),
    ("ml train", ["churn", "--horizon-days", "0"], "--horizon-days"),
    ("ml train", ["churn", "--cutoff", "yesterday"], "--cutoff"),
]
"""Values the option parser must refuse, and the option its message names."""

BAD_CONFIG: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "DATABASE_URL",
        "mysql://root@localhost/shop",
        ("configuration error: DATABASE_URL", "unsupported database 'mysql'"),
    ),
    ("DATABASE_URL", "not a url", ("configuration error: DATABASE_URL", "not a database URL")),
]
KAFKA_BAD_CONFIG: list[tuple[str, str, tuple[str, ...]]] = [
    ("EVENTTIDE_KAFKA_SECURITY_PROTOCOL", "TLS", ("EVENTTIDE_KAFKA_SECURITY_PROTOCOL='TLS'",)),
    ("EVENTTIDE_KAFKA_CONNECT_TIMEOUT_S", "-1", ("EVENTTIDE_KAFKA_CONNECT_TIMEOUT_S",)),
]
"""Settings each command refuses before it connects, and what its message must say."""


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No developer settings leak in; caches of settings are re-read per case."""
    for name in list(os.environ):
        if name.startswith("EVENTTIDE_") and name not in {"EVENTTIDE_CACHE", "EVENTTIDE_UV"}:
            monkeypatch.delenv(name)
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'matrix.db'}")
    monkeypatch.setenv("EVENTTIDE_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("EVENTTIDE_KAFKA_CONNECT_TIMEOUT_S", "1")
    monkeypatch.setenv("EVENTTIDE_PRODUCER_CONNECT_TIMEOUT_S", "1")
    monkeypatch.chdir(tmp_path)
    _forget_settings()
    yield
    _forget_settings()


def _forget_settings() -> None:
    core_settings.cache_clear()
    from eventtide.api.settings import api_settings

    api_settings.cache_clear()


def _run(capsys: pytest.CaptureFixture[str], command: str, *args: str) -> tuple[int, str]:
    code = run([*command.split(), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _one_clean_message(output: str) -> None:
    assert "Traceback" not in output, output
    assert 'File "' not in output, output


def test_the_matrix_lists_every_subcommand() -> None:
    assert leaf_commands() == sorted(NEEDS)


@pytest.mark.parametrize("command", sorted(NEEDS))
def test_an_unknown_option_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(capsys, command, "--no-such-option")
    assert code == 2, output
    said = "not a program on PATH" if command == "dev infra exec" else "No such option"
    assert said in output, output
    assert "--no-such-option" in output, output
    _one_clean_message(output)


@pytest.mark.parametrize(("command", "args", "named"), BAD_VALUES)
def test_a_bad_value_is_a_usage_error_naming_the_option(
    command: str, args: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(capsys, command, *args)
    assert code == 2, output
    assert named in output, output
    _one_clean_message(output)


DB_COMMANDS = sorted(name for name, needs in NEEDS.items() if "db" in needs)
DB_FIRST = [name for name in DB_COMMANDS if name != "dev run"]
"""Commands that reach the database before Kafka (``dev run`` creates its topics first;
its unreachable database is covered with a reachable Kafka in tests/integration)."""
KAFKA_COMMANDS = sorted(name for name, needs in NEEDS.items() if "kafka" in needs)
CONFIG_CASES = [
    (command, *case)
    for cases, commands in ((BAD_CONFIG, DB_COMMANDS), (KAFKA_BAD_CONFIG, KAFKA_COMMANDS))
    for case in cases
    for command in commands
]


@pytest.mark.parametrize(("command", "variable", "value", "said"), CONFIG_CASES)
def test_a_bad_setting_is_a_configuration_error(
    command: str,
    variable: str,
    value: str,
    said: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    code, output = _run(capsys, command, *ARGS.get(command, []))
    assert code == 2, output
    for words in said:
        assert words in output, output
    _one_clean_message(output)


def test_a_bad_api_setting_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVENTTIDE_API_PORT", "eighty")
    code, output = _run(capsys, "api serve")
    assert code == 2, output
    assert "EVENTTIDE_API_PORT='eighty'" in output
    _one_clean_message(output)


UNREACHABLE_CASES = [(command, "database") for command in DB_FIRST] + [
    (command, "kafka") for command in KAFKA_COMMANDS
]
NAMED: dict[str, tuple[str, ...]] = {
    "database": ("DATABASE_URL",),
    "kafka": ("KAFKA_BOOTSTRAP_SERVERS", "cannot produce to"),
}
"""What the message of an unreachable service must say (one of them)."""


def _unreachable(service: str, command: str) -> dict[str, str]:
    """The environment in which ``service`` is a closed loopback port."""
    kafka = f"127.0.0.1:{_closed_port()}"
    if service == "database":
        # Kafka is unreachable too: the database must be checked (and named) first.
        database = f"postgresql://eventtide@127.0.0.1:{_closed_port()}/x"
        return {"DATABASE_URL": database, "KAFKA_BOOTSTRAP_SERVERS": kafka}
    if command == "dev run":  # it refuses SQLite; Kafka is checked before this PostgreSQL
        return {
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "DATABASE_URL": "postgresql://eventtide@127.0.0.1:9/never",
        }
    return {"KAFKA_BOOTSTRAP_SERVERS": kafka}


@pytest.mark.parametrize(("command", "service"), UNREACHABLE_CASES)
def test_an_unreachable_service_is_a_runtime_failure_naming_it(
    command: str, service: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable, value in _unreachable(service, command).items():
        monkeypatch.setenv(variable, value)
    code, output = _run(capsys, command, *ARGS.get(command, []))
    assert code == 1, output
    assert any(name in output for name in NAMED[service]), output
    _one_clean_message(output)


def test_an_unwritable_output_is_a_runtime_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _run(capsys, "schema export", "--output", "/proc/no/such/folder/x.json")
    assert code == 1, output
    assert output.startswith("error: ")
    assert "/proc/no/such/folder" in output
    _one_clean_message(output)


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/shop")
    # --debug sets EVENTTIDE_DEBUG for child processes; monkeypatch restores it afterwards,
    # or every later test's subprocess in this worker would print tracebacks.
    monkeypatch.setenv("EVENTTIDE_DEBUG", "0")
    with pytest.raises(Exception, match="unsupported database"):
        run(["--debug", "db", "check"])
