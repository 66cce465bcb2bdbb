"""Where the database is (``DATABASE_URL``, its standard name, without the prefix)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///eventtide.db"


class DbSettings(BaseSettings):
    """The database URL in SQLAlchemy form; SQLite in the working folder by default."""

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "EVENTTIDE_DATABASE_URL"),
    )
