"""``eventtide db``: migrate the database and check the statistics invariant.

Imports happen inside the commands: every ``eventtide`` invocation registers every
command, and SQLAlchemy plus Alembic cost most of a second to import.
"""

from __future__ import annotations

from typing import Annotated

import typer

UrlOption = Annotated[str | None, typer.Option(help="Default: DATABASE_URL.")]


def register(app: typer.Typer) -> None:
    """Attach the ``db`` command group to the root CLI."""
    db = typer.Typer(help="Database: migrations and checks.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade_command(url: UrlOption = None, revision: str = "head") -> None:
        """Apply the migrations up to REVISION (default: the newest)."""
        from eventtide.core.db.migrate import current_revision, head_revision, upgrade
        from eventtide.core.db.settings import DbSettings

        target = url or DbSettings().database_url
        upgrade(target, revision)
        typer.echo(
            f"database at revision {current_revision(target)} (head {head_revision()})", err=True
        )

    @db.command("check")
    def check_command(url: UrlOption = None) -> None:
        """Compare user_stats, users and (PostgreSQL) event_hours with a recomputation from
        user_events; exit 1 if they differ."""
        from eventtide.core.db.engine import make_engine
        from eventtide.core.db.recompute import stats_differences
        from eventtide.core.db.recompute_hours import hours_differences
        from eventtide.core.db.settings import DbSettings

        engine = make_engine(url or DbSettings().database_url)
        try:
            with engine.connect() as conn:
                problems = stats_differences(conn) + hours_differences(conn)
                checked = (
                    "user_stats, users and event_hours"
                    if (conn.dialect.name == "postgresql")
                    else "user_stats and users"
                )
        finally:
            engine.dispose()
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            raise typer.Exit(code=1)
        typer.echo(f"{checked} equal the recomputation from user_events", err=True)
