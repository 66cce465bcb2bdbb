"""A real PostgreSQL 15 server in a temporary folder: initdb, then postgres on loopback.

PostgreSQL 15 is what production runs (RDS), so tests use the same major version from
the machine's own packages (Debian's ``postgresql-15``), installed on demand when we are
root. Each start makes a throwaway cluster with durability switched off (``fsync=off``):
it is a test database, and crash safety is not what these tests measure.

PostgreSQL refuses to run as root. As root, initdb and the server run as the
``postgres`` account (or ``nobody``), and the cluster lives where that account can
reach it: in the given workdir when every parent folder lets it through, otherwise in a
fresh folder under /tmp that the workdir links to (``~/.cache`` under a 0700 ``/root`` is
the usual case).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Final

import psycopg

from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.errors import InfraError
from eventtide.devstack.ports import LOOPBACK, free_port, is_listening
from eventtide.devstack.procs import (
    children_of,
    log,
    log_tail,
    pid_alive,
    redact,
    run_as,
    run_step,
    start_server,
    stop_pid,
    wait_gone,
)
from eventtide.devstack.settings import DevstackSettings

PG_MAJOR: Final = 15
"""The server major version production uses; no other is accepted."""

DATABASE: Final = "eventtide"
USER: Final = "eventtide"

SEARCH_DIRS: Final = (
    Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin"),  # Debian, Ubuntu
    Path(f"/usr/pgsql-{PG_MAJOR}/bin"),  # RHEL, Fedora (PGDG)
    Path(f"/opt/homebrew/opt/postgresql@{PG_MAJOR}/bin"),  # macOS, Apple silicon
    Path(f"/usr/local/opt/postgresql@{PG_MAJOR}/bin"),  # macOS, Intel
)
"""Where packages put a versioned server, after PATH."""

APT_PACKAGE: Final = f"postgresql-{PG_MAJOR}"
SERVER_ACCOUNTS: Final = ("postgres", "nobody")
"""Unprivileged accounts to run the server as when we are root, in order of preference."""

START_TIMEOUT_SECONDS: Final = 120.0
_SOCKET_PATH_MAX: Final = 100
"""Unix socket paths are limited to 107 bytes; ``.s.PGSQL.<port>`` needs the rest."""

_LINK: Final = "pgroot"
_LINKED_FROM: Final = "linked-from"
_TMP_PREFIX: Final = "eventtide-postgres-"
_LOG_FILE: Final = "postgres.log"


# --------------------------------------------------------------------------- pure helpers


def parse_pg_version(text: str) -> str | None:
    """``15.18`` from ``postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)``."""
    match = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", text)
    return match.group(1) if match else None


def render_postgresql_conf(*, port: int, socket_dir: Path | None) -> str:
    """Settings appended to the cluster's postgresql.conf (later lines win).

    Flushing to disk is off (``fsync``, ``full_page_writes``): these clusters are thrown
    away, and on a small CI box the flushes dominate test time. That only risks data on
    an operating-system crash. ``synchronous_commit`` stays on: with it off, a killed
    server loses commits it already acknowledged, and the reliability tests kill the
    server to check that committed rows and offsets survive. JIT is
    off because it only slows the short queries tests run. Warnings and errors go to the
    server's stderr, which is the log file an InfraError quotes.
    """
    sockets = str(socket_dir) if socket_dir is not None else ""
    settings = {
        "listen_addresses": f"'{LOOPBACK}'",
        "port": str(port),
        "unix_socket_directories": f"'{sockets}'",
        "max_connections": "200",
        "shared_buffers": "'128MB'",
        "fsync": "off",
        "full_page_writes": "off",
        "max_wal_size": "'1GB'",
        "jit": "off",
        "timezone": "'UTC'",
        "logging_collector": "off",
        "log_destination": "'stderr'",
        "log_min_messages": "warning",
        "log_line_prefix": "'%m [%p] %q%u@%d '",
    }
    body = "".join(f"{key} = {value}\n" for key, value in settings.items())
    return "\n# Added by eventtide.devstack.postgres for a throwaway dev/test cluster.\n" + body


def sqlalchemy_url(*, port: int, host: str = LOOPBACK) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) that eventtide's settings read."""
    return f"postgresql+psycopg://{USER}@{host}:{port}/{DATABASE}"


def libpq_url(*, port: int, host: str = LOOPBACK, database: str = DATABASE) -> str:
    """The same database as a plain libpq URL, for psycopg and psql."""
    return f"postgresql://{USER}@{host}:{port}/{database}"


def to_libpq(url: str) -> str | None:
    """A libpq URL from a SQLAlchemy or libpq PostgreSQL URL; None for other databases."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        return None
    return f"postgresql://{rest}"


def to_sqlalchemy(url: str) -> str | None:
    """The ``postgresql+psycopg://`` form of a PostgreSQL URL; None for other databases."""
    plain = to_libpq(url)
    return None if plain is None else "postgresql+psycopg://" + plain.partition("://")[2]


def traversable_by(
    path: Path, uid: int, gid: int, stat_fn: Callable[[Path], os.stat_result] = os.stat
) -> bool:
    """True when an account (uid, primary gid) may enter ``path`` and every parent.

    Checked from the permission bits because ``os.access`` answers for us, not for the
    account the server will run as.
    """
    for folder in [path, *path.parents]:
        info = stat_fn(folder)
        if info.st_uid == uid:
            bit = stat.S_IXUSR
        elif info.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def apt_commands() -> list[list[str]]:
    """What ``ensure_built`` runs as root to install the server from Debian's archive."""
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    return [
        [*apt, "update"],
        [*apt, "install", "-y", "--no-install-recommends", APT_PACKAGE],
    ]


def apt_progress() -> Callable[[str], str | None]:
    """A ``run_step`` progress callback counting fetched and configured packages."""
    fetched = 0

    def progress(line: str) -> str | None:
        nonlocal fetched
        if line.startswith("Get:"):
            fetched += 1
            return f"fetched {fetched} package lists/packages" if fetched % 5 == 0 else None
        if line.startswith("Setting up "):
            return line.strip().removesuffix(" ...")
        return None

    return progress


# --------------------------------------------------------------------------- toolchain


def _binary_version(bindir: Path) -> str | None:
    try:
        result = subprocess.run(
            [str(bindir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return parse_pg_version(result.stdout)


def find_bindir() -> Path | None:
    """The folder holding initdb and postgres of major version 15, or None."""
    candidates: list[Path] = []
    on_path = shutil.which("postgres")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    candidates.extend(SEARCH_DIRS)
    for bindir in candidates:
        if not ((bindir / "postgres").exists() and (bindir / "initdb").exists()):
            continue
        version = _binary_version(bindir)
        if version is not None and version.split(".")[0] == str(PG_MAJOR):
            return bindir
    return None


def _prevent_default_cluster() -> None:
    """Tell Debian's postinst not to create and start a ``main`` cluster on port 5432.

    We only want the binaries; a system cluster would be a stray server on a CI box.
    """
    folder = Path("/etc/postgresql-common/createcluster.d")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "eventtide.conf").write_text(
            "# eventtide.devstack installs PostgreSQL only for its own throwaway clusters.\n"
            "create_main_cluster = false\n"
        )
    except OSError as error:
        log(f"could not write {folder}/eventtide.conf ({error}); apt may create a cluster")


def ensure_built() -> Path:
    """The bin folder of PostgreSQL 15, installed with apt-get when missing and root."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    install = " && ".join(" ".join(command) for command in apt_commands())
    if os.geteuid() != 0:
        raise InfraError(
            f"PostgreSQL {PG_MAJOR} (initdb, postgres) was not found on PATH or in "
            f"{', '.join(str(d) for d in SEARCH_DIRS)}; install it with "
            f"`sudo sh -c '{install}'`, or set DATABASE_URL to an existing server"
        )
    if shutil.which("apt-get") is None:
        raise InfraError(
            f"PostgreSQL {PG_MAJOR} is missing and this machine has no apt-get; install "
            f"PostgreSQL {PG_MAJOR} with its package manager or set DATABASE_URL"
        )
    _prevent_default_cluster()
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    update, install_command = apt_commands()
    run_step("apt-get update", update, env=env, progress=apt_progress())
    run_step(f"Installing {APT_PACKAGE}", install_command, env=env, progress=apt_progress())
    bindir = find_bindir()
    if bindir is None:
        raise InfraError(f"{APT_PACKAGE} was installed but no PostgreSQL {PG_MAJOR} was found")
    return bindir


# --------------------------------------------------------------------------- clients


def _server_version(url: str, timeout: int) -> str:
    with psycopg.connect(url, connect_timeout=timeout, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "unknown"


def external_endpoint() -> Endpoint | None:
    """The server named by ``DATABASE_URL``, checked; None when unset or not PostgreSQL.

    A SQLite URL (the embedded default of ``make run``) is not an error here: it simply
    does not provide a PostgreSQL server, so one is started instead. A PostgreSQL URL
    that does not answer is an error: the user asked for that server.
    """
    configured = DevstackSettings().database_url.strip()
    if not configured:
        return None
    plain = to_libpq(configured)
    if plain is None:
        log(f"DATABASE_URL is not PostgreSQL ({configured.partition(':')[0]}); starting one")
        return None
    try:
        version = _server_version(plain, timeout=5)
    except psycopg.Error as error:
        raise InfraError(
            f"DATABASE_URL={redact(configured)} is set but the server did not answer "
            f"({str(error).strip()}); start it or unset DATABASE_URL to let "
            "eventtide.devstack run a local PostgreSQL"
        ) from error
    return Endpoint(
        name="postgres",
        address=to_sqlalchemy(configured) or configured,
        version=version,
        external=True,
        details={"libpq_url": plain},
    )


# --------------------------------------------------------------------------- servers


def _server_account() -> str | None:
    """Who runs initdb and postgres: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in SERVER_ACCOUNTS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise InfraError(
        "PostgreSQL refuses to run as root and neither a `postgres` nor a `nobody` account "
        "exists; create one (`useradd --system postgres`) or run as a normal user"
    )


def _sweep_orphans(tmp: Path) -> None:
    """Remove /tmp clusters whose workdir is gone and whose server no longer runs.

    ``stop_endpoint`` removes only the workdir, which merely links to such a cluster, so
    the next start cleans up what earlier runs left.
    """
    for folder in tmp.glob(f"{_TMP_PREFIX}*"):
        try:
            owner = Path((folder / _LINKED_FROM).read_text().strip())
        except OSError:
            try:
                age = time.time() - folder.stat().st_mtime
            except FileNotFoundError:
                continue  # removed meanwhile, by its owner or by another start's sweep
            if age < 300:
                continue  # being created right now
            owner = folder / "missing"
        if owner.exists():
            continue
        pid_file = folder / "data" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = 0
        if pid and pid_alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _cluster_root(workdir: Path, account: str | None) -> Path:
    """The folder for data/ and the socket: the workdir itself when the account can reach it."""
    if account is None:
        return workdir
    entry = pwd.getpwnam(account)
    if traversable_by(workdir, entry.pw_uid, entry.pw_gid):
        root = workdir / _LINK
        root.mkdir()
    else:
        tmp = Path(tempfile.gettempdir())
        if not traversable_by(tmp, entry.pw_uid, entry.pw_gid):
            tmp = Path("/tmp")  # noqa: S108 - world-traversable by definition
        _sweep_orphans(tmp)
        root = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=tmp))
        (root / _LINKED_FROM).write_text(f"{workdir}\n")
        (workdir / _LINK).symlink_to(root)
    os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def _initdb(bindir: Path, data: Path, account: str | None) -> None:
    command = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
    ]
    identity = run_as(account) if account else {}
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
        cwd=data.parent,
        **identity,
    )
    if result.returncode != 0:
        raise InfraError(
            f"initdb failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}"
        )


def _launch(
    bindir: Path, data: Path, log_file: Path, account: str | None, *, tied_to_parent: bool
) -> subprocess.Popen[bytes]:
    """Run ``postgres`` itself, not ``pg_ctl``: pg_ctl daemonizes, which would cut the
    parent-death tie and leave the server behind a killed test run."""
    return start_server(
        [str(bindir / "postgres"), "-D", str(data)],
        log_file=log_file,
        cwd=data.parent,
        env={"LC_ALL": "C"},
        tied_to_parent=tied_to_parent,
        user=account,
    )


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise InfraError(
                f"postgres exited with code {proc.returncode} while starting; last lines of "
                f"{log_file}:\n{log_tail(log_file, 30)}"
            )
        try:
            _server_version(url, timeout=2)
            return
        except psycopg.Error as error:
            last_error = str(error).strip()
        time.sleep(0.1)
    stop_pid(proc.pid)
    raise InfraError(
        f"postgres did not accept connections within {timeout:.0f}s ({last_error}); "
        f"last lines of {log_file}:\n{log_tail(log_file, 30)}"
    )


def start(workdir: Path, *, tied_to_parent: bool) -> Endpoint:
    """initdb a fresh cluster and start PostgreSQL on a free loopback port.

    The cluster's superuser is ``eventtide`` with trust authentication (loopback only),
    and it owns an ``eventtide`` database, so the URL needs no password.
    """
    bindir = ensure_built()
    workdir.mkdir(parents=True, exist_ok=True)
    account = _server_account()
    root = _cluster_root(workdir, account)
    data = root / "data"
    socket_dir: Path | None = None  # TCP only when the path is too long for a socket
    if len(str(root / "run")) <= _SOCKET_PATH_MAX:
        socket_dir = root / "run"
        socket_dir.mkdir()
        if account is not None:
            entry = pwd.getpwnam(account)
            os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    started = time.monotonic()
    _initdb(bindir, data, account)
    port = free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(render_postgresql_conf(port=port, socket_dir=socket_dir))
    initialized = time.monotonic()
    log_file = workdir / _LOG_FILE
    proc = _launch(bindir, data, log_file, account, tied_to_parent=tied_to_parent)
    admin_url = libpq_url(port=port, database="postgres")
    try:
        _wait_ready(proc, admin_url, log_file, START_TIMEOUT_SECONDS)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}" OWNER "{USER}"')
    except BaseException:
        stop_pid(proc.pid)
        raise
    ready = time.monotonic()
    version = _binary_version(bindir) or str(PG_MAJOR)
    log(
        f"PostgreSQL {version} on {LOOPBACK}:{port}: initdb in {initialized - started:.1f}s, "
        f"started in {ready - initialized:.1f}s"
    )
    return Endpoint(
        name="postgres",
        address=sqlalchemy_url(port=port),
        version=version,
        pids=(proc.pid,),
        workdir=str(workdir),
        details={
            "libpq_url": libpq_url(port=port),
            "port": str(port),
            "data_dir": str(data),
            "socket_dir": str(socket_dir or ""),
            "bindir": str(bindir),
            "log_file": str(log_file),
            "run_as": account or "",
            "tied_to_parent": str(tied_to_parent).lower(),
            "initdb_seconds": f"{initialized - started:.1f}",
            "start_seconds": f"{ready - initialized:.1f}",
        },
    )


def stop(endpoint: Endpoint, *, hard: bool = False) -> None:
    """Stop the server but keep its data, so :func:`resume` can bring it back.

    SIGINT is PostgreSQL's fast shutdown (roll back open transactions, disconnect clients,
    checkpoint); SIGTERM would be the smart one, which waits for every client to leave.
    ``hard`` kills the server and its backends with SIGKILL, like a crash: the next
    start runs crash recovery. The backends are killed one by one and waited for: each
    sits in a process group of its own, and one still running when the server starts
    again holds the old shared memory, which the new server then refuses to start beside
    ("pre-existing shared memory block is still in use").
    """
    if endpoint.external:
        raise InfraError(f"refusing to stop external PostgreSQL {redact(endpoint.address)}")
    for pid in endpoint.pids:
        backends = children_of(pid) if hard else []
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL if hard else signal.SIGINT)
        for backend in backends:
            with suppress(ProcessLookupError):
                os.kill(backend, signal.SIGKILL)
        if not wait_gone(pid, timeout=30.0):
            stop_pid(pid)  # SIGTERM, then SIGKILL
        if not wait_gone(pid, timeout=10.0):
            raise InfraError(f"postgres (pid {pid}) did not exit after being stopped")
        left = [backend for backend in backends if not wait_gone(backend, timeout=30.0)]
        if left:
            raise InfraError(f"postgres backends {left} did not exit after being killed")


def resume(endpoint: Endpoint, *, tied_to_parent: bool | None = None) -> Endpoint:
    """Start a stopped server again on the same port and data; the new endpoint."""
    details: Mapping[str, str] = endpoint.details
    if endpoint.external or "data_dir" not in details:
        raise InfraError(f"cannot resume {redact(endpoint.address)}: it was not started here")
    port = int(details["port"])
    if is_listening(LOOPBACK, port):
        raise InfraError(f"cannot resume PostgreSQL: port {port} is still in use")
    tied = details.get("tied_to_parent", "true") == "true"
    if tied_to_parent is not None:
        tied = tied_to_parent
    log_file = Path(details["log_file"])
    started = time.monotonic()
    proc = _launch(
        Path(details["bindir"]),
        Path(details["data_dir"]),
        log_file,
        details.get("run_as") or None,
        tied_to_parent=tied,
    )
    _wait_ready(proc, details["libpq_url"], log_file, START_TIMEOUT_SECONDS)
    seconds = time.monotonic() - started
    log(f"PostgreSQL on {LOOPBACK}:{port}: resumed in {seconds:.1f}s")
    return replace(
        endpoint,
        pids=(proc.pid,),
        details={**details, "tied_to_parent": str(tied).lower(), "start_seconds": f"{seconds:.1f}"},
    )
