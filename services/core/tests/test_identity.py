"""Persons from identify/alias links, and traits, against an independent oracle."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtide.core.identity import (
    Link,
    TraitUpdate,
    link_from_event,
    merge_traits,
    resolve,
)

pytestmark = pytest.mark.unit

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def link(kind: str, user: str, other: str, minute: int, seq: int = 0) -> Link:
    return Link(kind, user, other, T0 + timedelta(minutes=minute), uuid.UUID(int=seq or minute))  # type: ignore[arg-type]


def test_late_identify_links_what_came_before() -> None:
    # Events under anon-1 came first (they are not links); the identify is at minute 10.
    resolution = resolve([link("identify", "alice", "anon-1", 10)])
    assert resolution.person("anon-1") == resolution.person("alice") == "alice"


def test_two_devices_are_one_person() -> None:
    resolution = resolve(
        [link("identify", "alice", "phone", 5), link("identify", "alice", "laptop", 9)]
    )
    assert {resolution.person(i) for i in ("phone", "laptop", "alice")} == {"alice"}


def test_an_alias_chain_is_one_person_named_by_the_first_identified_id() -> None:
    resolution = resolve(
        [
            link("alias", "user-2", "user-1", 1),
            link("alias", "user-3", "user-2", 2),
            link("alias", "user-4", "user-3", 3),
        ]
    )
    assert {resolution.person(f"user-{n}") for n in range(1, 5)} == {"user-2"}


def test_a_shared_device_does_not_merge_two_known_users() -> None:
    links = [link("identify", "alice", "kiosk", 1), link("identify", "bob", "kiosk", 2)]
    resolution = resolve(links)
    assert resolution.person("kiosk") == "alice"
    assert resolution.person("bob") == "bob"
    assert resolution.conflicts == (links[1],)


def test_alias_merges_two_known_users_on_request() -> None:
    resolution = resolve(
        [
            link("identify", "alice", "a", 1),
            link("identify", "bob", "b", 2),
            link("alias", "bob", "alice", 3),
        ]
    )
    assert {resolution.person(i) for i in ("a", "b", "alice", "bob")} == {"alice"}


def test_arrival_order_does_not_matter() -> None:
    links = [link("identify", "bob", "kiosk", 2), link("identify", "alice", "kiosk", 1)]
    assert resolve(links) == resolve(list(reversed(links)))
    assert resolve(links).person("kiosk") == "alice", "the earlier identify wins the device"


def test_an_unlinked_id_is_its_own_person() -> None:
    assert resolve([]).person("someone") == "someone"


def test_links_come_from_stored_identity_events() -> None:
    at, eid = T0, uuid.uuid4()
    assert link_from_event("identify", "u", {"anonymous_id": "a"}, at, eid) == Link(
        "identify", "u", "a", at, eid
    )
    assert link_from_event("alias", "u", {"previous_id": "p"}, at, eid) == Link(
        "alias", "u", "p", at, eid
    )
    assert link_from_event("identify", "u", {}, at, eid) == Link("identify", "u", "u", at, eid)
    assert link_from_event("page_view", "u", {"anonymous_id": "a"}, at, eid) is None


def test_an_anonymous_visitors_own_traits_identify_nobody() -> None:
    """Segment's identify without a userId, PostHog's ``$set``, Amplitude's identify on a
    first visit: the visitor's later sign-in on that device still merges them."""
    at, eid = T0, uuid.uuid4()
    assert link_from_event("identify", "d", {"anonymous_id": "d"}, at, eid) == Link(
        "traits", "d", "d", at, eid
    )
    traits, sign_in = link("traits", "d", "d", 1), link("identify", "kim", "d", 5)
    resolution = resolve([traits, sign_in])
    assert resolution.person("d") == "kim"
    assert resolution.conflicts == ()
    # an identify of the device itself does identify it: the sign-in is then refused
    refused = resolve([link("identify", "d", "d", 1), sign_in])
    assert (refused.person("d"), refused.conflicts) == ("d", (sign_in,))


@pytest.mark.parametrize("placeholder", ["undefined", "NULL", " anonymous ", "[object Object]"])
def test_a_placeholder_id_never_links(placeholder: str) -> None:
    at, eid = T0, uuid.uuid4()
    props = {"anonymous_id": placeholder, "previous_id": placeholder}
    assert link_from_event("identify", "u", props, at, eid) == Link("identify", "u", "u", at, eid)
    assert link_from_event("alias", "u", props, at, eid) is None
    assert link_from_event("identify", placeholder, {"anonymous_id": "a"}, at, eid) is None
    assert link_from_event("identify", "u", {"anonymous_id": "undefined-7"}, at, eid) == Link(
        "identify", "u", "undefined-7", at, eid
    )


# --- the oracle: the same rules, stated over explicit sets, recomputed from scratch ---


def oracle(links: list[Link]) -> tuple[dict[str, str], set[Link]]:
    members: dict[str, frozenset[str]] = {}
    identified_at: dict[str, tuple[datetime, uuid.UUID]] = {}
    conflicts: set[Link] = set()

    def group(i: str) -> frozenset[str]:
        return members.get(i, frozenset({i}))

    for item in sorted(links, key=lambda x: (x.occurred_at, x.event_id)):
        user, other = item.user_id, item.other_id
        if item.kind == "traits":  # the id's own traits: no identification, no merge
            members.setdefault(user, frozenset({user}))
            continue
        identified_at.setdefault(user, (item.occurred_at, item.event_id))
        if user == other:
            members.setdefault(user, frozenset({user}))
            continue
        mine, theirs = group(user), group(other)
        if item.kind == "identify" and mine != theirs:
            known_theirs = {m for m in theirs if m in identified_at and m != user}
            # `user` itself was just marked identified; the others must predate this link
            known_theirs = {
                m for m in known_theirs if identified_at[m] < (item.occurred_at, item.event_id)
            }
            if known_theirs - mine:
                conflicts.add(item)
                members.setdefault(user, mine)
                continue
        merged = mine | theirs
        for m in merged:
            members[m] = merged
    persons: dict[str, str] = {}
    for i, grp in members.items():
        known = [m for m in grp if m in identified_at]
        persons[i] = min(known, key=lambda m: (identified_at[m], m)) if known else i
    return persons, conflicts


ids = st.sampled_from(["a1", "a2", "a3", "u1", "u2", "u3"])


@st.composite
def link_lists(draw: st.DrawFn) -> list[Link]:
    count = draw(st.integers(0, 8))
    minutes = draw(st.lists(st.integers(0, 20), min_size=count, max_size=count, unique=True))
    drawn = []
    for minute in minutes:
        kind, user = draw(st.sampled_from(["identify", "alias", "traits"])), draw(ids)
        other = user if kind == "traits" else draw(ids)
        drawn.append(link(kind, user, other, minute, minute + 1))
    return drawn


@settings(max_examples=300, deadline=None)
@given(link_lists(), st.randoms())
def test_resolution_equals_the_oracle_in_any_arrival_order(links: list[Link], rnd: Any) -> None:
    expected, expected_conflicts = oracle(links)
    shuffled = list(links)
    rnd.shuffle(shuffled)
    resolution = resolve(shuffled)
    for distinct_id in {i for item in links for i in (item.user_id, item.other_id)}:
        assert resolution.person(distinct_id) == expected.get(distinct_id, distinct_id), distinct_id
    assert set(resolution.conflicts) == expected_conflicts


def test_the_oracle_comparison_catches_a_wrong_merge() -> None:
    links = [link("identify", "alice", "kiosk", 1), link("identify", "bob", "kiosk", 2)]
    expected, _ = oracle(links)
    wrong = resolve([link("alias", "bob", "kiosk", 2), links[0]])  # bob wrongly merged
    assert wrong.person("bob") != expected["bob"]


# --- traits ---


def update(
    minute: int, set_: dict[str, Any] | None = None, once: dict[str, Any] | None = None
) -> TraitUpdate:
    return TraitUpdate(
        set_ or {}, once or {}, T0 + timedelta(minutes=minute), uuid.UUID(int=minute)
    )


def test_set_overwrites_with_the_latest_and_set_once_keeps_the_first() -> None:
    updates = [
        update(1, {"plan": "free"}, {"signup_source": "ads"}),
        update(5, {"plan": "pro"}, {"signup_source": "newsletter"}),
        update(3, once={"plan": "trial", "first_page": "/"}),
    ]
    merged = merge_traits(updates)
    assert merged == {"plan": "pro", "signup_source": "ads", "first_page": "/"}
    assert merge_traits(reversed(updates)) == merged


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from("abc"), st.integers(0, 9), max_size=2),
            st.dictionaries(st.sampled_from("abc"), st.integers(0, 9), max_size=2),
        ),
        max_size=6,
    ),
    st.randoms(),
)
def test_traits_equal_a_replay_in_event_time_order(calls: list[Any], rnd: Any) -> None:
    updates = [update(minute, s, o) for minute, (s, o) in enumerate(calls)]
    expected: dict[str, Any] = {}
    ever_set: set[str] = set()
    for item in updates:  # the PostHog replay: $set_once only fills keys nobody recorded
        for key, value in item.set_once.items():
            if key not in expected:
                expected[key] = value
        for key, value in item.set.items():
            expected[key] = value
            ever_set.add(key)
    # a later set_once never replaces; an earlier set_once is replaced by any set
    shuffled = list(updates)
    rnd.shuffle(shuffled)
    assert merge_traits(shuffled) == expected
