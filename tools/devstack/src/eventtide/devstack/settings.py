"""Every environment variable the dev stack reads, in one pydantic-settings class.

Why one class: the stack decides from these whether to start a piece or use the one
given (``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``, ``KUBECONFIG``), and where the
toolchains live; read in one place they are listed once, with their defaults, in
docs/configuration.md. Read afresh at each call (``DevstackSettings()``) because tests
and ``infra exec`` change the environment between calls.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DevstackSettings(BaseSettings):
    """The standard variables and the dev stack's own ``EVENTTIDE_*`` ones."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(default="", alias="KAFKA_BOOTSTRAP_SERVERS")
    """Use this Kafka instead of starting one."""
    database_url: str = Field(default="", alias="DATABASE_URL")
    """Use this database instead of starting PostgreSQL (or the SQLite file for ``run``)."""
    kubeconfig: str = Field(default="", alias="KUBECONFIG")
    """Use this cluster instead of starting a control plane."""
    cache: str = Field(default="", alias="EVENTTIDE_CACHE")
    """Where toolchains are built; ``~/.cache/eventtide`` when empty."""
    run_dir: str = Field(default=".eventtide/run", alias="EVENTTIDE_RUN_DIR")
    """Where ``eventtide dev run`` keeps its SQLite file and logs."""
    tofu: str = Field(default="", alias="EVENTTIDE_TOFU")
    """An OpenTofu binary to use instead of building one."""
    java_home: str = Field(default="", alias="JAVA_HOME")
    """The Java 17+ that runs the Kafka broker; ``java`` on PATH when empty."""
    kafka_heap_opts: str = Field(default="", alias="KAFKA_HEAP_OPTS")
    """The broker's heap flags, as Kafka's own scripts honour them."""
    pinned_uv: str = Field(default="", alias="EVENTTIDE_UV")
    """The pinned uv the Makefile installs and exports."""
    running_uv: str = Field(default="", alias="UV")
    """The uv running this process (``uv run`` sets it)."""
