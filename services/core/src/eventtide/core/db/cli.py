"""``eventtide db``: migrate the database and check the statistics invariant.

Imports happen inside the commands: every ``eventtide`` invocation registers every
command, and SQLAlchemy plus Alembic cost most of a second to import.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)
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
        console.print(f"database at revision {current_revision(target)} (head {head_revision()})")

    @db.command("check")
    def check_command(url: UrlOption = None) -> None:
        """Compare user_stats and users with a recomputation; exit 1 if they differ."""
        from eventtide.core.db.engine import make_engine
        from eventtide.core.db.recompute import stats_differences
        from eventtide.core.db.settings import DbSettings

        engine = make_engine(url or DbSettings().database_url)
        try:
            with engine.connect() as conn:
                problems = stats_differences(conn)
        finally:
            engine.dispose()
        for problem in problems:
            console.print(problem, highlight=False)
        if problems:
            raise typer.Exit(code=1)
        console.print("user_stats and users equal the recomputation from user_events")
