"""Named phases of the batch loop, and a test-only fault injector that kills at one of them.

A crash test that kills at random mostly lands while the loop waits in ``poll``; it
cannot show that a crash inside the commit window leaves nothing doubled or lost. So
the loop announces where it is, and ``EVENTTIDE_FAULT_KILL_AT=<phase>:<n>`` makes the
process SIGKILL itself at the n-th arrival at that phase (counted from start). With
``EVENTTIDE_FAULT_MARK_FILE`` set, the phase is appended to that file first, so the
test knows the kill landed where it asked. Unset (always, outside tests), the loop
holds ``None`` instead of a hook and pays one ``is not None`` test per poll and batch.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Phase = Literal["polled", "prepared", "writing", "db-committed", "assigned", "revoked"]
"""Where the loop is:

- ``polled``: messages taken from Kafka, batch not yet prepared;
- ``prepared``: the batch prepared, not yet handed to the writer;
- ``writing``: inside the database transaction, rows and offsets written, not committed;
- ``db-committed``: the database committed, the offsets not yet committed to Kafka;
- ``assigned``: partitions assigned, positions read from the database, not yet seeked;
- ``revoked``: partitions revoked, in-flight batch finished, not yet handed over.
"""

PHASES: Final[tuple[Phase, ...]] = get_args(Phase)

PhaseHook = Callable[[Phase], None]


class FaultSettings(BaseSettings):
    """``EVENTTIDE_FAULT_*``: crash injection for the reliability tests; unset in production."""

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_FAULT_", extra="ignore", frozen=True)

    kill_at: str | None = Field(
        default=None, pattern=r"^[a-z-]+:[1-9][0-9]*$", description="<phase>:<n>, e.g. writing:3"
    )
    mark_file: Path | None = None


def parse_kill_at(spec: str) -> tuple[Phase, int]:
    """``"writing:3"`` to ``("writing", 3)``; an unknown phase is an error, not a no-op."""
    name, _, count = spec.partition(":")
    if name not in PHASES:
        raise ValueError(f"unknown phase {name!r} in EVENTTIDE_FAULT_KILL_AT; one of {PHASES}")
    return name, int(count)


def kill_hook(
    phase: Phase, nth: int, mark_file: Path | None = None, kill: Callable[[], None] | None = None
) -> PhaseHook:
    """A hook that kills the process at the ``nth`` arrival at ``phase``."""
    arrivals = 0

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    act = kill or die

    def hook(at: Phase) -> None:
        nonlocal arrivals
        if at != phase:
            return
        arrivals += 1
        if arrivals == nth:
            if mark_file is not None:
                with mark_file.open("a") as out:
                    out.write(f"{at}\n")
            act()

    return hook


def hook_from_environment() -> PhaseHook | None:
    """The hook ``EVENTTIDE_FAULT_KILL_AT`` asks for, or ``None`` (the usual case)."""
    settings = FaultSettings()
    if settings.kill_at is None:
        return None
    phase, nth = parse_kill_at(settings.kill_at)
    return kill_hook(phase, nth, settings.mark_file)
