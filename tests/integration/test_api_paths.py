"""``GET /v1/paths`` equals a plain-Python oracle written from PostHog's definition."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from analytics_oracles import Raw
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from path_oracle import paths

from eventtide.core.identity import Link

pytestmark = pytest.mark.integration

BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)
USERS = [f"u{i}" for i in range(4)]
PAGES = ["/", "/a", "/a/", "/b", "/product/1", "/product/2", "/checkout"]

page_view = st.builds(
    Raw,
    user_id=st.sampled_from(USERS),
    event_type=st.just("page_view"),
    # minutes over five hours: gaps below and above the 30 minutes, and equal times
    occurred_at=st.integers(0, 300).map(lambda m: BASE + timedelta(minutes=m)),
    country=st.sampled_from(["DE", "FR", None]),
    amount_cents=st.none(),
    page=st.sampled_from(PAGES),
)
other_event = st.builds(
    Raw,
    user_id=st.sampled_from(USERS),
    event_type=st.sampled_from(["click", "signup", "identify"]),
    occurred_at=st.integers(0, 300).map(lambda m: BASE + timedelta(minutes=m)),
    country=st.sampled_from(["DE", None]),
    amount_cents=st.none(),
)
links = st.lists(
    st.builds(
        Link,
        kind=st.just("identify"),
        user_id=st.sampled_from(USERS),
        other_id=st.sampled_from(USERS),
        occurred_at=st.just(BASE),
        event_id=st.uuids(),
    ),
    max_size=2,
)
POINTS = st.one_of(st.none(), st.sampled_from(["/a/", "/b", "/checkout", "/product/*", "click"]))
"""No point half the time, so most examples have paths to compare."""


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _got(body: dict) -> tuple[int, list, list]:
    edges = [(e["step"], e["source"], e["target"], e["paths"], round(e["average_seconds"], 6))
             for e in body["edges"]]  # fmt: skip
    nodes = [(n["step"], n["item"], n["paths"], n["continuing"]) for n in body["nodes"]]
    assert all(n["dropped_off"] == n["paths"] - n["continuing"] for n in body["nodes"])
    return body["paths"], edges, nodes


def _shown(answer: tuple[int, list, list], limit: int, least: int) -> tuple[int, list, list]:
    """The oracle's answer as the API shows it: the ``limit`` strongest edges of at least
    ``least`` paths, and the nodes they join."""
    total, edges, nodes = answer
    edges = [e for e in edges if e[3] >= least][:limit]
    ends = {(e[0], e[1]) for e in edges} | {(e[0] + 1, e[2]) for e in edges}
    rounded = [(*e[:4], round(e[4], 6)) for e in edges]
    return total, rounded, [n for n in nodes if (n[0], n[1]) in ends]


def test_paths_equal_the_oracle(reader) -> None:
    client, engine, key = reader
    until = BASE + timedelta(hours=4, minutes=30)  # some events fall after the range

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(st.one_of(page_view, page_view, other_event), min_size=5, max_size=70),
        links=links,
        kinds=st.sampled_from([["pages"], ["events"], ["pages", "events"]]),
        start=POINTS,
        end=POINTS,
        steps=st.integers(2, 6),
        grouped=st.booleans(),
        excluded=st.booleans(),
        country=st.sampled_from([None, "DE"]),
        shown=st.sampled_from([(1000, 1), (3, 1), (1000, 2)]),
    )
    def check(events, links, kinds, start, end, steps, grouped, excluded, country, shown) -> None:
        persons = store(engine, events, links)
        limit, least = shown
        query: dict = {"include": kinds, "steps": steps, "edges": limit, "min_paths": least,
                       "since": BASE.isoformat(), "until": until.isoformat()}  # fmt: skip
        asked = dict(kinds=set(kinds), start=start, end=end, steps=steps, country=country,
                     groups=("/product/*",) if grouped else (),
                     exclude=("/b",) if excluded else ())  # fmt: skip
        for name, value in [("start", start), ("end", end)]:
            if value is not None:
                query[name] = value
        if grouped:
            query["group"] = ["/product/*"]
        if excluded:
            query["exclude"] = ["/b"]
        if country is not None:
            query["where"] = f"context.country={country}"
        answer = client.get("/v1/paths", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        expected = paths(events, since=BASE, until=until, person=persons.person, **asked)
        assert _got(answer.json()) == _shown(expected, limit, least), query
        if expected[0]:
            answered.append(expected[0])
            # the comparison can fail: each visitor's twin doubles every count
            twins = [replace(e, user_id=f"twin-{e.user_id}") for e in events]
            assert paths([*events, *twins], since=BASE, until=until, **asked) != expected

    answered: list[int] = []
    check()
    assert len(answered) >= 8, f"only {len(answered)} examples had a path to compare"


def test_a_path_between_two_points_keeps_its_ends_and_marks_the_middle(reader) -> None:
    client, engine, key = reader
    visit = ["/", "/a", "/b", "/c", "/d", "/e", "/checkout", "/thanks"]
    store(engine, [Raw("u1", "page_view", BASE + timedelta(minutes=i), None, None, page=p)
                   for i, p in enumerate(visit)])  # fmt: skip
    until = BASE + timedelta(hours=1)
    query = {"start": "/a", "end": "/checkout", "steps": 4,
             "since": BASE.isoformat(), "until": until.isoformat()}  # fmt: skip
    body = client.get("/v1/paths", params=query, headers=key).json()
    got = [(e["step"], e["source"], e["target"], e["average_seconds"]) for e in body["edges"]]
    assert sorted(got) == [(1, "/a", "/b", 60.0), (2, "/b", "...", 60.0),
                           (3, "...", "/e", 120.0), (4, "/e", "/checkout", 60.0)]  # fmt: skip
    assert body["paths"] == 1


def _edges(client, key, **query: object) -> tuple[int, list]:
    query |= {"since": BASE.isoformat(), "until": (BASE + timedelta(days=1)).isoformat()}
    body = client.get("/v1/paths", params=query, headers=key).json()
    edges = [(e["step"], e["source"], e["target"], e["paths"], e["average_seconds"])
             for e in body["edges"]]  # fmt: skip
    return body["paths"], sorted(edges)


def _visit(user: str, *pages: tuple[int, str]) -> list[Raw]:
    return [Raw(user, "page_view", BASE + timedelta(minutes=m), None, None, page=p)
            for m, p in pages]  # fmt: skip


def test_thirty_minutes_apart_is_a_new_path_and_the_last_steps_lead_to_the_end(reader) -> None:
    client, engine, key = reader
    # 30 minutes after /a is a new path, whose /a is its own (not the first path's repeat)
    store(engine, _visit("u1", (0, "/a"), (30, "/a"), (31, "/b")))
    assert _edges(client, key) == (2, [(1, "/a", "/b", 1, 60.0)])
    # with an end point, the last `steps` items up to it
    store(engine, _visit("u1", *enumerate(["/1", "/2", "/3", "/4", "/checkout", "/5"])))
    assert _edges(client, key, end="/checkout", steps=3) == (
        1,
        [(1, "/3", "/4", 1, 60.0), (2, "/4", "/checkout", 1, 60.0)],
    )


def test_the_edge_limit_keeps_the_strongest_ties_by_step_source_and_target(reader) -> None:
    client, engine, key = reader
    walks = [("u1", "/b", "/c"), ("u2", "/a", "/d"), ("u3", "/a", "/e"), ("u4", "/a", "/e")]
    store(engine, [e for user, a, b in walks for e in _visit(user, (0, a), (1, b))])
    strongest = _edges(client, key, edges=2)
    assert strongest == (4, [(1, "/a", "/d", 1, 60.0), (1, "/a", "/e", 2, 60.0)])
    assert _edges(client, key, edges=1, max_paths=1) == (4, [(1, "/a", "/d", 1, 60.0)])


def test_a_persons_ids_walk_one_path_and_an_end_counts_after_the_start(reader) -> None:
    client, engine, key = reader
    # a device id browses, signs in as u1, and goes on: one person, one path
    at = [BASE + timedelta(minutes=i) for i in range(5)]
    visit = [Raw("d1", "page_view", at[0], None, None, page="/checkout"),
             Raw("d1", "page_view", at[1], None, None, page="/a"),
             Raw("u1", "page_view", at[2], None, None, page="/b"),
             Raw("u1", "page_view", at[3], None, None, page="/checkout")]  # fmt: skip
    store(engine, visit, [Link("identify", "u1", "d1", at[2], uuid.uuid4())])
    query = {"start": "/a", "end": "/checkout",
             "since": BASE.isoformat(), "until": at[4].isoformat()}  # fmt: skip
    body = client.get("/v1/paths", params=query, headers=key).json()
    got = [(e["step"], e["source"], e["target"]) for e in body["edges"]]
    assert sorted(got) == [(1, "/a", "/b"), (2, "/b", "/checkout")]


def test_bad_path_parameters_say_what_is_wrong(reader) -> None:
    client, _engine, key = reader
    huge = client.get("/v1/paths", params={"min_paths": 2**63}, headers=key)
    assert huge.status_code == 422
    assert "less than or equal to" in huge.text
    wrong = client.get("/v1/paths", params={"include": "screens"}, headers=key)
    assert wrong.status_code == 422
    assert "pages" in wrong.text
