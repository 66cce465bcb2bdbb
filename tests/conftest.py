"""Fixtures for the cross-service tests; puts this folder's helper modules on ``sys.path``.

The suite runs with ``--import-mode=importlib``, which does not add test folders to
``sys.path``, so helpers such as ``storage_helpers`` are made importable here. ``bench``
(a plain folder run with ``python -m bench...`` from the repository root, not an
installed package) is made importable for the tests of its parts: the root is appended,
never prepended, so the standard library stays first and the ``operator/`` folder cannot
shadow the ``operator`` module.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from eventtide.core.db import libpq_url
from eventtide.core.db.migrate import upgrade

sys.path.insert(0, str(Path(__file__).parent))

from service_processes import reap_processes

REPO_ROOT = str(Path(__file__).resolve().parents[1])
if REPO_ROOT not in sys.path:
    sys.path.append(REPO_ROOT)


@pytest.fixture(autouse=True)
def _no_consumer_outlives_its_test() -> Iterator[None]:
    """Kill service processes a test started and did not stop (say, after a failure)."""
    yield
    reap_processes()


@pytest.fixture
def fresh_database_url(database_url: str) -> str:
    """A new, migrated database on the session's PostgreSQL server, for one test.

    Tests assert on whole-table counts and checksums, so each gets its own database.
    """
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url
