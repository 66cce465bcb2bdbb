"""``eventtide api keys create | list | revoke``: manage API keys in the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

UrlOption = Annotated[str | None, typer.Option(help="Default: DATABASE_URL.")]
console = Console(stderr=True)


def _engine(url: str | None) -> Engine:
    from eventtide.core.db import DbSettings, make_engine

    return make_engine(url or DbSettings().database_url)


def create(
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    scope: Annotated[list[str], typer.Option(help="ingest, read or admin; repeat for several.")],
    rate: Annotated[
        float | None,
        typer.Option(min=0.001, help="Requests/s for this key (default: the API's)."),
    ] = None,
    url: UrlOption = None,
) -> None:
    """Make a key and print it once on stdout (only its hash is stored)."""
    from eventtide.api.keys import SCOPES, make_key
    from eventtide.core.db.apikeys import insert_key

    unknown = set(scope) - set(SCOPES)
    if unknown or not scope:
        raise typer.BadParameter(f"scopes are {', '.join(SCOPES)}; got {sorted(unknown)}")
    key = make_key()
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            insert_key(
                conn, key_id=key.key_id, key_hash=key.key_hash, name=name, scopes=scope,
                rate_limit_per_s=rate,
            )  # fmt: skip
    finally:
        engine.dispose()
    console.print(f"key {key.key_id} ({','.join(sorted(set(scope)))}) for {name}; keep it now:")
    typer.echo(key.plain)


def list_(url: UrlOption = None) -> None:
    """Every key: id, name, scopes, rate, created, revoked."""
    from eventtide.core.db.apikeys import list_keys

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = list_keys(conn)
    finally:
        engine.dispose()
    for row in rows:
        revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        typer.echo(
            f"{row.key_id}\t{row.name}\t{row.scopes}\t{row.rate_limit_per_s or '-'}\t"
            f"{row.created_at:%Y-%m-%d %H:%M}\t{revoked}"
        )


def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (after et_).")],
           url: UrlOption = None) -> None:  # fmt: skip
    """Revoke a key; the API refuses it within EVENTTIDE_API_KEY_CACHE_S."""
    from eventtide.core.db.apikeys import revoke_key

    engine = _engine(url)
    try:
        with engine.begin() as conn:
            done = revoke_key(conn, key_id)
    finally:
        engine.dispose()
    if not done:
        console.print(f"no active key {key_id}")
        raise typer.Exit(code=1)
    console.print(f"key {key_id} revoked")


def register(api: typer.Typer) -> None:
    """Attach the ``keys`` group to ``eventtide api``."""
    group = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
    group.command("create")(create)
    group.command("list")(list_)
    group.command("revoke")(revoke)
    api.add_typer(group, name="keys")
