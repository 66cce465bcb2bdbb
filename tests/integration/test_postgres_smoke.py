"""The session's PostgreSQL server is real: DDL, bound parameters, transactions."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.postgres import PG_MAJOR, to_libpq

pytestmark = pytest.mark.integration


def _connect(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    url = to_libpq(database_url)
    assert url is not None, f"not a PostgreSQL URL: {database_url}"
    return psycopg.connect(url, connect_timeout=10)


def test_url_is_sqlalchemy_style(database_url: str) -> None:
    assert database_url.startswith("postgresql+psycopg://")


def test_server_version(postgres_endpoint: Endpoint, database_url: str) -> None:
    with _connect(database_url) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    if not postgres_endpoint.external:
        assert int(str(row[0])) // 10000 == PG_MAJOR


def test_write_and_read_rows(database_url: str) -> None:
    table = sql.Identifier(f"smoke_{uuid.uuid4().hex[:12]}")
    rows = [(i, f"user-{i}", {"n": i}) for i in range(500)]
    with _connect(database_url) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (id integer PRIMARY KEY, name text NOT NULL, doc jsonb)"
            ).format(table)
        )
        try:
            with conn.cursor() as cur:
                cur.executemany(
                    sql.SQL("INSERT INTO {} (id, name, doc) VALUES (%s, %s, %s)").format(table),
                    [(i, name, Jsonb(doc)) for i, name, doc in rows],
                )
            conn.commit()
            got = conn.execute(
                sql.SQL("SELECT id, name, doc FROM {} WHERE id >= %s ORDER BY id").format(table),
                (250,),
            ).fetchall()
            assert got == [row for row in rows if row[0] >= 250]
            # A failed transaction is rolled back and leaves nothing behind.
            with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                conn.execute(
                    sql.SQL("INSERT INTO {} (id, name) VALUES (%s, %s)").format(table), (0, "dup")
                )
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
            assert count == (500,)
        finally:
            conn.rollback()
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.commit()
