"""``GET /v1/funnels?order=unordered``: PostHog's funnel in any order equals a plain
replay of its event loop, and what it does not offer yet is refused saying so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from analytics_oracles import Raw, funnel_unordered
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtide.core.identity import Link

pytestmark = pytest.mark.integration

BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)
SPAN_MIN = 4 * 24 * 60
SINCE, UNTIL = BASE + timedelta(hours=2, minutes=13), BASE + timedelta(minutes=SPAN_MIN - 70)
USERS = [f"u{i}" for i in range(4)]
TYPES = ["page_view", "signup", "purchase", "add_to_cart"]

event = st.builds(
    Raw,
    user_id=st.sampled_from(USERS),
    event_type=st.sampled_from(TYPES),
    # whole 10 minutes, most in the same few hours (around SINCE): events of one instant,
    # and gaps of exactly the window, are common
    occurred_at=st.one_of(st.integers(6, 30), st.integers(0, SPAN_MIN // 10)).map(
        lambda m: BASE + timedelta(minutes=10 * m)
    ),
    country=st.sampled_from(["DE", "FR", None]),
    amount_cents=st.none(),
)
links = st.lists(
    st.builds(Link, kind=st.just("identify"), user_id=st.sampled_from(USERS),
              other_id=st.sampled_from(USERS), occurred_at=st.just(BASE),
              event_id=st.uuids()),
    max_size=3,
)  # fmt: skip


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _ask(client, key, query: dict) -> list[tuple[str, int, float | None]]:
    answer = client.get("/v1/funnels", params=query | {"order": "unordered"}, headers=key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["order"] == "unordered"
    return [(s["event_type"], s["users"], s["median_seconds_from_previous"])
            for s in body["steps"]]  # fmt: skip


def _same(got: list, expected: list) -> bool:
    return [g[:2] for g in got] == [e[:2] for e in expected] and all(
        (a is None) == (b is None) and (b is None or abs(a - b) < 1e-3)
        for (_, _, a), (_, _, b) in zip(got, expected, strict=True)
    )


def test_unordered_funnels_equal_posthogs_event_loop(reader) -> None:
    client, engine, key = reader

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(event, min_size=20, max_size=60),
        steps=st.permutations(TYPES).flatmap(
            lambda order: st.integers(2, 4).map(lambda n: list(order[:n]))
        ),
        window_min=st.sampled_from([10, 30, 60, 600, 3 * 24 * 60]),
        links=links,
        step_where=st.one_of(st.none(), st.tuples(st.integers(0, 3), st.sampled_from(["DE"]))),
    )  # fmt: skip
    def check(events, steps, window_min, links, step_where) -> None:
        persons = store(engine, events, links)
        only = dict([step_where]) if step_where and step_where[0] < len(steps) else {}
        args = dict(steps=steps, window=timedelta(minutes=window_min), since=SINCE,
                    until=UNTIL, person=persons.person, step_countries=only)  # fmt: skip
        expected = funnel_unordered(events, **args)
        per_step = [f"{i + 1}:context.country={c}" for i, c in only.items()]
        query = {"steps": steps, "window_s": window_min * 60, "since": SINCE.isoformat(),
                 "until": UNTIL.isoformat(), "step_where": per_step}  # fmt: skip
        assert _same(_ask(client, key, query), expected)
        # the comparison can fail: a newcomer doing every step at one instant
        extra = [Raw("newcomer", s, SINCE, only.get(i), None) for i, s in enumerate(steps)]
        assert funnel_unordered([*events, *extra], **args) != expected

    check()


def test_any_order_counts_steps_done_in_another_order(reader) -> None:
    """The ordered funnel does not count a purchase before the view; any order does,
    and the median of "step 2" is the time between the two, whichever came first."""
    client, engine, key = reader
    store(engine, [
        Raw("a", "purchase", SINCE + timedelta(minutes=5), "DE", None),
        Raw("a", "page_view", SINCE + timedelta(minutes=15), "DE", None),
        Raw("b", "page_view", SINCE + timedelta(minutes=5), "DE", None),
        Raw("b", "purchase", SINCE + timedelta(minutes=35), "DE", None),
        Raw("c", "page_view", SINCE + timedelta(minutes=5), "DE", None),
        Raw("c", "purchase", SINCE + timedelta(hours=3), "DE", None),  # past the window
    ])  # fmt: skip
    query = {"steps": ["page_view", "purchase"], "window_s": 3600, "since": SINCE.isoformat(),
             "until": UNTIL.isoformat()}  # fmt: skip
    assert _ask(client, key, query) == [("page_view", 3, None), ("purchase", 2, 1200.0)]
    ordered = client.get("/v1/funnels", params=query, headers=key).json()["steps"]
    assert [s["users"] for s in ordered] == [3, 1]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"steps": ["page_view", "page_view"]}, "steps must be different events"),
        ({"breakdown": "context.country"}, "breakdown is not yet offered"),
        ({"interval": "day"}, "interval is not yet offered"),
        ({"exclude": "1:2:signup"}, "exclude is not yet offered"),
    ],
)
def test_what_any_order_does_not_offer_is_refused(reader, extra: dict, says: str) -> None:
    client, _, key = reader
    query = {"steps": ["page_view", "purchase"], "order": "unordered"} | extra
    answer = client.get("/v1/funnels", params=query, headers=key)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["detail"]
