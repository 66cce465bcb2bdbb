"""Running build steps with visible progress, and servers that die with their owner."""

from __future__ import annotations

import ctypes
import os
import pwd
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from eventtide.devstack.errors import InfraError

_PR_SET_PDEATHSIG = 1
_T = TypeVar("_T")


def log(message: str) -> None:
    """One progress line on stderr, so it never mixes with a command's real output."""
    print(f"[devstack] {message}", file=sys.stderr, flush=True)


def run_step(
    title: str,
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    progress: Callable[[str], str | None] | None = None,
    heartbeat_seconds: float = 15.0,
) -> str:
    """Run a long build command, printing what it is doing and how far along it is.

    ``progress`` turns an output line into a short status (or None to stay quiet); a
    heartbeat line with the elapsed time is printed while the command is silent, so a
    cold build never looks hung. On failure the tail of the output is in the error.
    """
    log(f"{title} ...")
    started = time.monotonic()
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(
        [os.fspath(part) for part in command],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    lines: list[str] = []
    last_print = [time.monotonic()]
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(heartbeat_seconds):
            if time.monotonic() - last_print[0] >= heartbeat_seconds:
                log(f"{title}: still working, {time.monotonic() - started:.0f}s elapsed")
                last_print[0] = time.monotonic()

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if len(lines) > 400:
            del lines[:200]
        status = progress(line) if progress else None
        if status:
            log(f"{title}: {status} ({time.monotonic() - started:.0f}s)")
            last_print[0] = time.monotonic()
    code = proc.wait()
    done.set()
    elapsed = time.monotonic() - started
    if code != 0:
        tail = "\n".join(lines[-40:])
        raise InfraError(f"{title} failed (exit {code}) after {elapsed:.0f}s:\n{tail}")
    log(f"{title}: done in {elapsed:.0f}s")
    return "\n".join(lines)


def _die_with_parent() -> None:
    """In the child: ask the kernel to SIGTERM us when the process that started us dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setsid()


def _own_session() -> None:
    os.setsid()


def start_server(
    command: Sequence[str | os.PathLike[str]],
    *,
    log_file: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    tied_to_parent: bool = True,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-running server with its output in ``log_file``.

    With ``tied_to_parent`` the kernel stops the server when this Python process dies,
    even by SIGKILL, so a killed test run leaves no server behind. ``dev infra up``
    passes False so the servers outlive the command that started them.

    ``user`` (only when running as root) runs the server as that account, for servers
    that refuse root (PostgreSQL). The tie still holds: the kernel clears the parent-death
    signal whenever a process changes its uid, but Popen switches uid and groups *before*
    calling ``preexec_fn``, so the signal is armed afterwards under the new uid.

    Called off the main thread, a tied server is forked from a process-lifetime thread
    (see :func:`_on_lasting_thread`), so restarting a server from a helper thread works.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    identity = run_as(user) if user is not None else {}

    def launch() -> subprocess.Popen[bytes]:
        with log_file.open("ab") as sink:
            return subprocess.Popen(
                [os.fspath(part) for part in command],
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if tied_to_parent else _own_session,
                **identity,
            )

    if tied_to_parent and threading.current_thread() is not threading.main_thread():
        return _on_lasting_thread(launch)
    return launch()


_spawner_lock = threading.Lock()
_spawner_queue: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] | None = None


def _on_lasting_thread(function: Callable[[], _T]) -> _T:
    """Run ``function`` on a daemon thread that lives as long as the process.

    The kernel's parent-death signal fires when the *thread* that forked the child
    exits, not the process. A tied server started from a short-lived thread (a
    ``threading.Timer`` that restarts a broker mid-test) would be killed the moment that
    thread returns, so such forks are done from this one lasting thread instead.
    """
    global _spawner_queue
    with _spawner_lock:
        if _spawner_queue is None:
            jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()

            def serve() -> None:
                while True:
                    job, result = jobs.get()
                    try:
                        result.set_result(job())
                    except BaseException as error:
                        result.set_exception(error)

            threading.Thread(target=serve, name="devstack-spawner", daemon=True).start()
            _spawner_queue = jobs
    done: Future[_T] = Future()
    _spawner_queue.put((function, done))
    return done.result()


class RunAs(TypedDict, total=False):
    """Popen keyword arguments that switch a child to another account."""

    user: int
    group: int
    extra_groups: list[int]


def run_as(user: str) -> RunAs:
    """Popen arguments for running a child as ``user`` with only its primary group.

    Dropping the supplementary groups matters: a root child would otherwise keep root's
    groups after switching uid.
    """
    try:
        entry = pwd.getpwnam(user)
    except KeyError as error:
        raise InfraError(f"cannot run a server as {user!r}: no such user") from error
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def stop_pid(pid: int, *, grace_seconds: float = 10.0) -> None:
    """SIGTERM a process group, then SIGKILL it if it lingers past the grace period."""
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.1)


def pid_alive(pid: int) -> bool:
    """True when the pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return fields is not None and fields[0] != "Z"


def _stat_fields(stat: Path) -> list[str] | None:
    """A ``/proc/<pid>/stat``'s fields after the command's name (state, parent...), or
    None when the process is gone; the name, in parentheses, may hold anything."""
    try:
        return stat.read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from ``/proc``): the backends of a
    PostgreSQL server, which put themselves in process groups of their own."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields is not None and len(fields) > 1 and fields[1] == str(pid):
            children.append(int(stat.parent.name))
    return children


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` has exited, reaping it when it is our child; True when gone.

    Reaping matters for servers that guard their data with a pid file (PostgreSQL):
    an unreaped zombie still answers ``kill(pid, 0)``, so a restart on the same data
    would refuse to start, believing the old server still runs.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            reaped, _ = os.waitpid(pid, os.WNOHANG)
            if reaped == pid:
                return True
        except ChildProcessError:
            pass  # not our child (or already reaped): the kernel's view is enough
        if not pid_alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def redact(address: str) -> str:
    """An address fit for logs: any password in a URL's user part is masked."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", address)


def log_tail(log_file: Path, lines: int) -> str:
    """The last ``lines`` of a server's log, for an error message about its start."""
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log written)"
