"""Keeping persons and traits in the database, in the writer's transaction.

The rules are :mod:`eventtide.core.identity` (docs/events.md, "Identity"); this module
only stores their answer. Each new ``identify`` or ``alias`` event becomes an
``identity_links`` row; then the linked group of ids it touches (every id reachable over
any stored link, refused ones included, since a late link can change which link is
refused) is resolved again from all of that group's links, and its
``person_distinct_ids`` rows and users' ``traits`` are rewritten. Resolving the whole
group, not just applying the new link, is what makes a late or out-of-order link give the
same persons as a timely one; groups are a person's few devices and ids, so the cost is
per link, never per event.

Readers resolve an event's person with one indexed lookup (``core/db/queries/persons``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import orjson
from sqlalchemy import Connection, bindparam, func, or_, select, update

from eventtide.core.db.rows import EventRow
from eventtide.core.db.tables import LINKS, PERSONS, USERS
from eventtide.core.db.upsert import chunks, insert_for
from eventtide.core.identity import Link, TraitUpdate, link_from_event, merge_traits, resolve

IDENTITY_EVENT_TYPES: Final = frozenset({"identify", "alias"})
IDS_PER_STATEMENT: Final = 500
RESOLVE_LOCK: Final = int.from_bytes(b"evt-idnt", "big")
"""PostgreSQL advisory lock key taken by a transaction that re-resolves a group."""


def link_rows(rows: Iterable[EventRow]) -> list[dict[str, Any]]:
    """The ``identity_links`` rows of the identity events among ``rows`` (pure)."""
    found = []
    for row in rows:
        if row.event_type not in IDENTITY_EVENT_TYPES:
            continue
        properties = orjson.loads(row.properties)
        link = link_from_event(
            row.event_type, row.user_id, properties, row.occurred_at, row.event_id
        )
        if link is None:
            continue
        found.append(
            {
                "event_id": link.event_id,
                "kind": link.kind,
                "user_id": link.user_id,
                "other_id": link.other_id,
                "occurred_at": link.occurred_at,
                "set_traits": properties.get("set") or {},
                "set_once_traits": properties.get("set_once") or {},
            }
        )
    return found


def store_identity(conn: Connection, inserted: Sequence[EventRow]) -> int:
    """Record the links among the newly ``inserted`` events and re-resolve their groups.

    Call with the events the transaction actually inserted (duplicates skipped), after
    the ``users`` rows were written. Returns the number of links recorded.
    """
    rows = link_rows(inserted)
    if not rows:
        return 0
    for chunk in chunks(rows, IDS_PER_STATEMENT // 8):
        conn.execute(
            insert_for(conn, LINKS)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
    if conn.dialect.name == "postgresql":
        # An anonymous id and its user id live on different partitions, so two consumers
        # can link into one group at once; each would resolve it without the other's
        # uncommitted link. Resolving one at a time (links are rare next to events) makes
        # the later one read the earlier one's links. SQLite has one writer anyway.
        conn.execute(select(func.pg_advisory_xact_lock(RESOLVE_LOCK)))
    seeds = {row["user_id"] for row in rows} | {row["other_id"] for row in rows}
    ids, links = _linked_group(conn, seeds)
    _write_persons(conn, ids, links)
    return len(rows)


def _linked_group(conn: Connection, seeds: set[str]) -> tuple[set[str], list[Any]]:
    """Every id reachable from ``seeds`` over stored links, and those links.

    A breadth-first walk, one indexed query per step; a group's diameter is a few links.
    """
    ids = set(seeds)
    frontier = sorted(seeds)
    links: dict[Any, Any] = {}
    while frontier:
        found: list[Any] = []
        for start in range(0, len(frontier), IDS_PER_STATEMENT):
            part = frontier[start : start + IDS_PER_STATEMENT]
            query = select(LINKS).where(or_(LINKS.c.user_id.in_(part), LINKS.c.other_id.in_(part)))
            found.extend(conn.execute(query).all())
        reached: set[str] = set()
        for link in found:
            links[link.event_id] = link
            reached.update((link.user_id, link.other_id))
        frontier = sorted(reached - ids)
        ids |= reached
    return ids, list(links.values())


def _write_persons(conn: Connection, ids: set[str], stored: list[Any]) -> None:
    """Rewrite the group's persons and every member's ``traits`` from its links."""
    links = [Link(r.kind, r.user_id, r.other_id, r.occurred_at, r.event_id) for r in stored]
    resolution = resolve(links)
    person_of = {distinct_id: resolution.person(distinct_id) for distinct_id in ids}
    updates: dict[str, list[TraitUpdate]] = {}
    for r in stored:
        update_ = TraitUpdate(
            _json(r.set_traits), _json(r.set_once_traits), r.occurred_at, r.event_id
        )
        updates.setdefault(person_of[r.user_id], []).append(update_)
    traits = {person: merge_traits(items) for person, items in updates.items()}
    values = [{"distinct_id": i, "person_id": person_of[i]} for i in sorted(ids)]
    for chunk in chunks(values, IDS_PER_STATEMENT):
        statement = insert_for(conn, PERSONS).values(chunk)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["distinct_id"], set_={"person_id": statement.excluded.person_id}
            )
        )
    conn.execute(
        update(USERS)
        .where(USERS.c.user_id == bindparam("member"))
        .values(traits=bindparam("person_traits")),
        [{"member": i, "person_traits": traits.get(person_of[i], {})} for i in sorted(ids)],
    )


def _json(value: Any) -> dict[str, Any]:
    """A JSON column's value (a dict; some drivers hand back text)."""
    if isinstance(value, str | bytes):
        loaded: dict[str, Any] = orjson.loads(value)
        return loaded
    return dict(value or {})
