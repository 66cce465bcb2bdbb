"""The options every long-running loop command shares (``consume``, ``process``,
``ml score``, ``ml detect``), spelled once so their help and checks cannot drift.

Imports typer alone: every ``eventtide`` invocation registers every command.
"""

from __future__ import annotations

from typing import Annotated

import typer

MigrateOption = Annotated[bool, typer.Option(help="Apply migrations before starting.")]
IdleExitOption = Annotated[
    float,
    typer.Option(min=0, help="Exit after this many seconds without messages (0: never)."),
]
JsonSummaryOption = Annotated[
    bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
]
