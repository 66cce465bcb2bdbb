"""Persons and traits kept by the batch write path equal the rules over all links,
whatever the batching and delivery order (SQLite; the SQL is portable Core)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import T0, message, payload
from sqlalchemy import Engine, delete, select

from eventtide.consumer.batching import prepare
from eventtide.consumer.store.write import write_batch
from eventtide.core.db import make_engine
from eventtide.core.db.migrate import upgrade
from eventtide.core.db.queries.users import profile
from eventtide.core.db.tables import EVENTS, LINKS, PERSONS, STATS, USERS
from eventtide.core.identity import Link, TraitUpdate, merge_traits, resolve

pytestmark = pytest.mark.unit


def identify(
    user: str, anonymous: str | None, minute: int, traits: dict[str, Any] | None = None,
    once: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    event = payload(user, "page_view", minutes=minute)
    properties: dict[str, Any] = {"set": traits or {}, "set_once": once or {}}
    if anonymous:
        properties["anonymous_id"] = anonymous
    return event | {"event_type": "identify", "schema_version": 2, "properties": properties}


def alias(user: str, previous: str, minute: int) -> dict[str, Any]:
    event = payload(user, "page_view", minutes=minute)
    return event | {
        "event_type": "alias",
        "schema_version": 2,
        "properties": {"previous_id": previous},
    }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('identity') / 'store.db'}"
    upgrade(url)
    return make_engine(url)


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (EVENTS, LINKS, PERSONS, STATS, USERS):
            conn.execute(delete(table))


def _write_in_batches(engine: Engine, events: list[dict[str, Any]], cuts: list[int]) -> None:
    offset = 0
    bounds = [0, *sorted(set(cuts)), len(events)]
    for start, end in pairwise(bounds):
        with engine.begin() as conn:
            batch = [message(e, offset + i) for i, e in enumerate(events[start:end])]
            write_batch(conn, prepare(batch, "g").batch)
        offset += end - start


def _stored(engine: Engine) -> tuple[dict[str, str], dict[str, Any]]:
    with engine.connect() as conn:
        persons = {r.distinct_id: r.person_id for r in conn.execute(select(PERSONS))}
        traits = {r.user_id: r.traits for r in conn.execute(select(USERS))}
    return persons, traits


def test_late_identify_two_devices_and_an_alias_chain(engine: Engine) -> None:
    _clear(engine)
    events = [
        payload("phone", "page_view", minutes=1),
        payload("laptop", "page_view", minutes=2),
        payload("u1", "page_view", minutes=3),
        # delivered later than the page views, and out of event-time order
        identify("alice", "laptop", 9, {"plan": "pro"}, {"source": "laptop"}),
        identify("alice", "phone", 5, {"plan": "free"}, {"source": "phone"}),
        alias("u2", "u1", 10),
        alias("u3", "u2", 11),
    ]
    _write_in_batches(engine, events, [3, 4, 6])
    persons, traits = _stored(engine)
    assert {persons[i] for i in ("phone", "laptop", "alice")} == {"alice"}
    assert {persons[i] for i in ("u1", "u2", "u3")} == {"u2"}
    # the latest set wins, the earliest set_once, whatever the arrival order
    assert traits["phone"] == traits["laptop"] == {"plan": "pro", "source": "phone"}
    assert traits["u1"] == {}


ids = st.sampled_from(["a1", "a2", "a3", "u1", "u2", "u3"])
calls = st.lists(
    st.tuples(
        st.sampled_from(["identify", "alias", "page_view"]),
        ids,
        ids,
        st.dictionaries(st.sampled_from("xy"), st.integers(0, 9), max_size=1),
        st.dictionaries(st.sampled_from("xy"), st.integers(0, 9), max_size=1),
    ),
    max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=calls, rnd=st.randoms(), cuts=st.lists(st.integers(0, 10), max_size=3))
def test_stored_persons_and_traits_equal_the_rules_over_all_links(
    engine: Engine, calls: list[Any], rnd: Any, cuts: list[int]
) -> None:
    _clear(engine)
    events = []
    for minute, (kind, user, other, traits, once) in enumerate(calls):
        if kind == "identify":
            events.append(identify(user, other if other != user else None, minute, traits, once))
        elif kind == "alias":
            events.append(alias(user, other, minute))
        else:
            events.append(payload(user, "page_view", minutes=minute))
    delivered = list(events)
    rnd.shuffle(delivered)
    _write_in_batches(engine, delivered, [c for c in cuts if c <= len(events)])

    links, updates = [], []
    for minute, (kind, user, other, traits, once) in enumerate(calls):
        at, event_id = T0 + timedelta(minutes=minute), uuid.UUID(events[minute]["event_id"])
        if kind == "identify":
            links.append(Link("identify", user, other, at, event_id))
            updates.append((user, TraitUpdate(traits, once, at, event_id)))
        elif kind == "alias" and other != user:
            links.append(Link("alias", user, other, at, event_id))
        elif kind == "alias":
            links.append(Link("alias", user, user, at, event_id))
    expected = resolve(links)
    persons, stored_traits = _stored(engine)
    linked = {i for item in links for i in (item.user_id, item.other_id)}
    assert set(persons) == linked
    for distinct_id in linked:
        assert persons[distinct_id] == expected.person(distinct_id), distinct_id
    senders = {item.user_id for item in links}
    for user_id, traits in stored_traits.items():
        person = expected.person(user_id)
        mine = [u for owner, u in updates if expected.person(owner) == person]
        # a row is rewritten when its person changes; one created later has none yet,
        # but every id that sent a link carries its person's traits
        if user_id in senders:
            assert traits is not None, user_id
        if traits is not None:
            assert traits == merge_traits(mine), user_id
        with engine.connect() as conn:  # the profile shows the person's, from any id
            assert profile(conn, user_id)["traits"] == merge_traits(mine), user_id
