"""Registers ``eventtide consume``; the command's module is imported only when it runs.

Every ``eventtide`` invocation registers every command, so registration must stay
cheap: the consumer's imports (SQLAlchemy, the Kafka client) load on use.
"""

from __future__ import annotations

from typing import Annotated

import typer

from eventtide.core.cli_options import IdleExitOption, JsonSummaryOption, MigrateOption


def consume(
    topic: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_EVENTS_TOPIC.")] = None,
    group: Annotated[str | None, typer.Option(help="Default: EVENTTIDE_CONSUMER_GROUP_ID.")] = None,
    migrate: MigrateOption = False,
    idle_exit: IdleExitOption = 0.0,
    json_summary: JsonSummaryOption = False,
) -> None:
    """Store events from Kafka into the database, exactly once, until SIGTERM or Ctrl-C."""
    from eventtide.consumer.command import run_consumer

    run_consumer(
        topic=topic, group=group, migrate=migrate, idle_exit=idle_exit, json_summary=json_summary
    )


def register(app: typer.Typer) -> None:
    """Attach ``consume`` to the root CLI."""
    app.command("consume")(consume)
