"""The model registry in the ``models`` table: register, find production, promote.

Versions count up per name. Exactly one row per name is ``production`` at a time:
promotion archives the previous one in the same transaction, so a scorer reloading
between the two statements never sees two or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from eventtide.core.db.models import Model
from eventtide.ml.artefacts import load

CANDIDATE = "candidate"
PRODUCTION = "production"
ARCHIVED = "archived"


@dataclass(frozen=True)
class Registered:
    """A registered model's identity and what it was registered with."""

    name: str
    version: int
    stage: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    artefact: bytes
    sha256: str


def register(
    conn: Connection,
    *,
    name: str,
    artefact: bytes,
    sha256: str,
    parameters: dict[str, Any],
    metrics: dict[str, Any],
    data_start: datetime,
    data_end: datetime,
) -> int:
    """Store a candidate; its version is one more than the name's latest."""
    latest = conn.scalar(select(func.max(Model.version)).where(Model.name == name))
    version = int(latest or 0) + 1
    conn.execute(
        insert(Model).values(
            name=name,
            version=version,
            stage=CANDIDATE,
            parameters=parameters,
            metrics=metrics,
            data_start=data_start,
            data_end=data_end,
            artefact=artefact,
            sha256=sha256,
        )
    )
    return version


def production(conn: Connection, name: str) -> Registered | None:
    """The name's production model, if any."""
    row = (
        conn.execute(
            select(
                Model.name,
                Model.version,
                Model.stage,
                Model.parameters,
                Model.metrics,
                Model.artefact,
                Model.sha256,
            ).where(Model.name == name, Model.stage == PRODUCTION)
        )
        .mappings()
        .first()
    )
    return None if row is None else Registered(**row)


def production_version(conn: Connection, name: str) -> int | None:
    """The production model's version only: what the scorer polls to notice a promotion."""
    version = conn.scalar(
        select(Model.version).where(Model.name == name, Model.stage == PRODUCTION)
    )
    return None if version is None else int(version)


def promote(conn: Connection, name: str, version: int) -> None:
    """Make ``version`` the production model, archiving the one before."""
    conn.execute(
        update(Model).where(Model.name == name, Model.stage == PRODUCTION).values(stage=ARCHIVED)
    )
    conn.execute(
        update(Model).where(Model.name == name, Model.version == version).values(stage=PRODUCTION)
    )


def load_estimator(model: Registered) -> Any:
    """The registered estimator, refused if its bytes or types do not check out."""
    return load(model.artefact, model.sha256)
