"""Alembic environment: the URL comes from the caller (:mod:`eventtide.core.db.migrate`)."""

from __future__ import annotations

from alembic import context

from eventtide.core.db.engine import make_engine
from eventtide.core.db.models import Base

url = context.config.attributes["database_url"]
engine = make_engine(url)
try:
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
