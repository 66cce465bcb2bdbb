"""What the CLI root tells the user when a command fails: one line and an exit code.

Every ``eventtide`` subcommand fails through here, so bad configuration, unreachable
services and broken input read the same everywhere: a message naming the setting and
how to fix it, exit code 2 for usage and configuration errors, 1 for runtime failures.
The classification is pure (an exception in, a :class:`Failure` out); the libraries
whose errors it knows are looked up in ``sys.modules`` instead of imported, so a
failing ``eventtide --help`` never pays for importing SQLAlchemy or the Kafka client.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, Final

USAGE: Final = 2
"""Exit code for a wrong command line or configuration (click's own code for usage)."""
RUNTIME: Final = 1
"""Exit code for a failure the command line could not have prevented."""

DEBUG_HINT: Final = "run with --debug (or EVENTTIDE_DEBUG=1) for the traceback"
_SECRET: Final = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
"""Settings whose value a message must not echo."""


@dataclass(frozen=True, slots=True)
class Failure:
    """What to print and how to exit."""

    code: int
    message: str


def explain(error: BaseException) -> Failure:
    """The message and exit code for ``error``, raised by any command."""
    for check in (_config, _settings, _database, _kafka, _os):
        failure = check(error)
        if failure is not None:
            return failure
    return Failure(RUNTIME, f"{type(error).__name__}: {_first_line(error)} ({DEBUG_HINT})")


def _config(error: BaseException) -> Failure | None:
    from eventtide.core.errors import ConfigError

    if isinstance(error, ConfigError):
        return Failure(USAGE, f"configuration error: {error}")
    return None


def _settings(error: BaseException) -> Failure | None:
    """A pydantic-settings class refused the environment: name each variable."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(error, pydantic.ValidationError):
        return None
    settings = _settings_class(error.title)
    if settings is None:
        return Failure(RUNTIME, f"invalid data: {_first_line(error)}")
    problems = []
    for item in error.errors():
        name = setting_name(settings, item["loc"])
        shown = isinstance(item["input"], str | int) and not _SECRET.search(name)
        value = f"={item['input']!r}" if name and shown else ""
        where = f"{name}{value}: " if name else ""
        problems.append(f"{where}{item['msg'].removeprefix('Value error, ')}")
    listed = "; ".join(problems)
    return Failure(
        USAGE, f"configuration error: {listed} (see docs/configuration.md for valid values)"
    )


def setting_name(settings: type[Any], loc: tuple[int | str, ...]) -> str:
    """The environment variable a settings field is read from (its first alias)."""
    if not loc:
        return ""
    field = str(loc[0])
    info = settings.model_fields.get(field)
    alias = getattr(info, "validation_alias", None) or getattr(info, "alias", None)
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    if isinstance(alias, str):
        return alias
    if info is None and field.isupper():
        return field
    prefix = settings.model_config.get("env_prefix", "")
    return f"{prefix}{field}".upper()


def _settings_class(title: str) -> type[Any] | None:
    """The loaded ``BaseSettings`` subclass called ``title``, if the error came from one."""
    module = sys.modules.get("pydantic_settings")
    if module is None:
        return None
    pending: list[type[Any]] = [module.BaseSettings]
    while pending:
        cls = pending.pop()
        if cls.__name__ == title and cls is not module.BaseSettings:
            return cls
        pending.extend(cls.__subclasses__())
    return None


def _database(error: BaseException) -> Failure | None:
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None:
        return None
    if isinstance(error, exc.ArgumentError | exc.NoSuchModuleError):
        return Failure(
            USAGE,
            f"configuration error: DATABASE_URL: {_first_line(error)}; use "
            "postgresql://user:password@host:5432/name or sqlite:///path/to/file.db",
        )
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        cause = _first_line(error.orig) if error.orig is not None else _first_line(error)
        return Failure(
            RUNTIME,
            f"cannot reach the database at {_database_address()}: {cause}; start it or "
            "point DATABASE_URL at a running server",
        )
    if isinstance(error, exc.ProgrammingError):
        return Failure(
            RUNTIME,
            f"the database refused a statement: {_first_line(error.orig or error)}; is it "
            "migrated? run: eventtide db upgrade",
        )
    return None


def _kafka(error: BaseException) -> Failure | None:
    kafka = sys.modules.get("confluent_kafka")
    ours = sys.modules.get("eventtide.core.kafka.producer")
    known = tuple(
        cls
        for cls in (
            getattr(kafka, "KafkaException", None),
            getattr(ours, "KafkaUnavailableError", None),
        )
        if cls is not None
    )
    if not known or not isinstance(error, known):
        return None
    return Failure(
        RUNTIME,
        f"cannot reach Kafka at {_kafka_address()}: {_kafka_reason(error)}; start the broker or "
        "point KAFKA_BOOTSTRAP_SERVERS at a running one",
    )


def _kafka_reason(error: BaseException) -> str:
    """librdkafka's own sentence, without the ``KafkaError{code=...}`` wrapping."""
    first: Any = error.args[0] if error.args else error
    describe = getattr(first, "str", None)
    return _first_line(describe() if callable(describe) else str(first))


def _os(error: BaseException) -> Failure | None:
    if isinstance(error, ConnectionError):
        return Failure(RUNTIME, f"connection failed: {error}")
    if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
        return Failure(RUNTIME, f"{error.strerror}: {error.filename}")
    return None


def _database_address() -> str:
    """DATABASE_URL without its password, as the user set it."""
    try:
        from sqlalchemy.engine import make_url

        from eventtide.core.db.settings import DbSettings

        return str(make_url(DbSettings().database_url).render_as_string(hide_password=True))
    except Exception:  # the address is decoration; the failure is already being reported
        return "DATABASE_URL"


def _kafka_address() -> str:
    try:
        from eventtide.core.settings import CoreSettings

        return CoreSettings().kafka_bootstrap_servers
    except Exception:  # the address is decoration; the failure is already being reported
        return "KAFKA_BOOTSTRAP_SERVERS"


def _first_line(error: BaseException | Any) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__
