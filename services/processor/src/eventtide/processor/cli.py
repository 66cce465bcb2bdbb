"""Registers ``eventtide process``; the command's module is imported only when it runs.

Every ``eventtide`` invocation registers every command, so registration stays cheap:
SQLAlchemy and the Kafka client load on use.
"""

from __future__ import annotations

from typing import Annotated

import typer

from eventtide.core.cli_options import IdleExitOption, JsonSummaryOption, MigrateOption


def process(
    topic: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_EVENTS_TOPIC.")] = None,
    group: Annotated[
        str | None, typer.Option(help="Default: EVENTTIDE_PROCESSOR_GROUP_ID.")
    ] = None,
    migrate: MigrateOption = False,
    idle_exit: IdleExitOption = 0.0,
    json_summary: JsonSummaryOption = False,
) -> None:
    """Compute windows, sessions, attribution, alerts and features from the events topic."""
    from eventtide.processor.command import run_processor

    run_processor(
        topic=topic, group=group, migrate=migrate, idle_exit=idle_exit, json_summary=json_summary
    )


def register(app: typer.Typer) -> None:
    """Attach ``process`` to the root CLI."""
    app.command("process")(process)
