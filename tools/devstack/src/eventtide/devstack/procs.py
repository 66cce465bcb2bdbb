"""Running build steps with visible progress, and servers that die with their owner."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from eventtide.devstack.errors import InfraError

_PR_SET_PDEATHSIG = 1


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
) -> subprocess.Popen[bytes]:
    """Start a long-running server with its output in ``log_file``.

    With ``tied_to_parent`` the kernel stops the server when this Python process dies,
    even by SIGKILL, so a killed test run leaves no server behind. ``dev infra up``
    passes False so the servers outlive the command that started them.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as sink:
        return subprocess.Popen(
            [os.fspath(part) for part in command],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if tied_to_parent else _own_session,
        )


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
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
