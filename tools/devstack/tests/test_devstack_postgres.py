"""Pure parts of eventtide.devstack.postgres: URLs, config, versions, permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from eventtide.devstack import postgres
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def test_parse_pg_version() -> None:
    text = "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"
    assert postgres.parse_pg_version(text) == "15.18"
    assert postgres.parse_pg_version("postgres (PostgreSQL) 16beta1") == "16"
    assert postgres.parse_pg_version("command not found") is None


def test_urls() -> None:
    assert postgres.sqlalchemy_url(port=5433) == (
        "postgresql+psycopg://eventtide@127.0.0.1:5433/eventtide"
    )
    assert postgres.libpq_url(port=5433) == "postgresql://eventtide@127.0.0.1:5433/eventtide"


@pytest.mark.parametrize(
    ("url", "libpq", "sqlalchemy"),
    [
        (
            "postgresql+psycopg://u:p@h:5432/db?sslmode=require",
            "postgresql://u:p@h:5432/db?sslmode=require",
            "postgresql+psycopg://u:p@h:5432/db?sslmode=require",
        ),
        ("postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///eventtide.db", None, None),
        ("not a url", None, None),
    ],
)
def test_url_conversion(url: str, libpq: str | None, sqlalchemy: str | None) -> None:
    assert postgres.to_libpq(url) == libpq
    assert postgres.to_sqlalchemy(url) == sqlalchemy


def test_redact_hides_password_only() -> None:
    assert postgres.redact("postgresql://u:s3cret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert postgres.redact("postgresql://u@h/db") == "postgresql://u@h/db"


def test_conf_keeps_commits_durable_across_a_killed_server(tmp_path: Path) -> None:
    text = postgres.render_postgresql_conf(port=5999, socket_dir=tmp_path)
    settings = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in text.splitlines())
        if value
    )
    assert settings["port"] == "5999"
    assert settings["listen_addresses"] == "'127.0.0.1'"
    assert settings["unix_socket_directories"] == f"'{tmp_path}'"
    assert settings["fsync"] == "off"
    assert "synchronous_commit" not in settings


def test_conf_without_socket_dir_listens_on_tcp_only() -> None:
    text = postgres.render_postgresql_conf(port=5999, socket_dir=None)
    assert "unix_socket_directories = ''" in text


def _fake_stat(modes: dict[str, tuple[int, int, int]]):
    def stat_fn(path: Path) -> os.stat_result:
        mode, uid, gid = modes[str(path)]
        return os.stat_result((stat.S_IFDIR | mode, 0, 0, 0, uid, gid, 0, 0, 0, 0))

    return stat_fn


def test_traversable_by_checks_every_parent() -> None:
    modes = {
        "/": (0o755, 0, 0),
        "/root": (0o700, 0, 0),
        "/root/w": (0o755, 0, 0),
        "/tmp": (0o1777, 0, 0),
        "/tmp/w": (0o750, 0, 104),
    }
    stat_fn = _fake_stat(modes)
    assert not postgres.traversable_by(Path("/root/w"), 101, 104, stat_fn)
    assert postgres.traversable_by(Path("/root/w"), 0, 0, stat_fn)
    assert postgres.traversable_by(Path("/tmp/w"), 101, 104, stat_fn)  # via group bit
    assert not postgres.traversable_by(Path("/tmp/w"), 101, 999, stat_fn)


def test_apt_commands_install_the_versioned_package() -> None:
    update, install = postgres.apt_commands()
    assert update[0] == "apt-get"
    assert update[-1] == "update"
    assert install[-1] == "postgresql-15"
    assert "-y" in install


def test_apt_progress() -> None:
    progress = postgres.apt_progress()
    for i in range(4):
        assert progress(f"Get:{i} http://deb.debian.org/debian bookworm/main x\n") is None
    assert progress("Get:5 http://deb.debian.org x\n") == "fetched 5 package lists/packages"
    assert progress("Setting up postgresql-15 (15.18-0+deb12u1) ...\n") == (
        "Setting up postgresql-15 (15.18-0+deb12u1)"
    )


def test_unset_or_sqlite_database_url_means_no_external(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert postgres.external_endpoint() is None
    monkeypatch.setenv("DATABASE_URL", "sqlite:///eventtide.db")
    assert postgres.external_endpoint() is None


def test_unreachable_database_url_is_an_infra_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from eventtide.devstack.ports import free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://u:pw@127.0.0.1:{free_port()}/db")
    with pytest.raises(InfraError, match=r"u:\*\*\*@") as caught:
        postgres.external_endpoint()
    assert "pw" not in str(caught.value)
