"""Where the database is (``DATABASE_URL``, its standard name, without the prefix)."""

from __future__ import annotations

from typing import Final

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///eventtide.db"

SUPPORTED_SCHEMES: Final = ("postgresql", "postgresql+psycopg", "postgres", "sqlite")
"""The databases the schema and the queries are written for (psycopg 3 is the one driver)."""
EXAMPLE_URLS: Final = "postgresql://user:password@host:5432/name or sqlite:///path/to/file.db"


def check_database_url(url: str) -> str:
    """``url`` if it names a supported database; else a ValueError saying what would.

    Checked before any driver is loaded: ``mysql://`` used to end in a traceback about
    a missing MySQLdb module, which says nothing about the setting that is wrong.
    """
    scheme, separator, _rest = url.partition("://")
    if not separator:
        raise ValueError(f"not a database URL; use {EXAMPLE_URLS}")
    if scheme.lower() not in SUPPORTED_SCHEMES:
        raise ValueError(
            f"unsupported database {scheme!r}: eventtide runs on PostgreSQL (or SQLite "
            f"for the storage path alone); use {EXAMPLE_URLS}"
        )
    return url


class DbSettings(BaseSettings):
    """The database URL in SQLAlchemy form; SQLite in the working folder by default."""

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "EVENTTIDE_DATABASE_URL"),
    )

    @field_validator("database_url")
    @classmethod
    def _supported(cls, url: str) -> str:
        return check_database_url(url)
