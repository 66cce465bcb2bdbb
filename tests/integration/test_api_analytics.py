"""Every analytics answer equals a plain-Python oracle over the same raw events."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from analytics_oracles import (
    Raw,
    funnel,
    funnel_groups,
    funnel_over_time,
    lifecycle,
    retention,
    rolling_active,
    stickiness,
    trend,
)
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, text

from eventtide.core.db import UserEvent, UserStats, recomputed_stats
from eventtide.core.db.queries.sessions import SESSIONS
from eventtide.core.identity import Link, Resolution

pytestmark = pytest.mark.integration

EVENTS = UserEvent.__table__
BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # spans the European DST change (Mar 29)
SPAN_MIN = 4 * 24 * 60
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]

raw_event = st.builds(
    Raw,
    user_id=st.sampled_from([f"u{i}" for i in range(6)]),
    event_type=st.sampled_from(["purchase", "page_view", "signup"]),
    occurred_at=st.integers(0, SPAN_MIN).map(lambda m: BASE + timedelta(minutes=m)),
    country=st.sampled_from(["DE", "FR", "US", None]),
    amount_cents=st.one_of(st.none(), st.integers(0, 10_000)),
)
raw_events = st.lists(raw_event, max_size=60)
"""Out of order by construction: times are drawn independently."""


link_lists = st.lists(
    st.builds(
        Link,
        kind=st.sampled_from(["identify", "alias"]),
        user_id=st.sampled_from([f"u{i}" for i in range(6)]),
        other_id=st.sampled_from([f"u{i}" for i in range(6)]),
        occurred_at=st.integers(0, SPAN_MIN).map(lambda m: BASE + timedelta(minutes=m)),
        event_id=st.uuids(),
    ),
    max_size=4,
)
"""Identify/alias links among the event users: their persons are what queries count."""


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _answer(body: dict) -> dict[tuple[str, str | None], int]:
    return {(p["bucket"], s["group"]): p["value"] for s in body["series"] for p in s["points"]}


def test_trends_equal_the_oracle(reader) -> None:
    client, engine, key = reader
    # both ends inside an hour: whole hours from event_hours, the partial ones from events
    since, until = BASE + timedelta(hours=3, minutes=17), BASE + timedelta(minutes=SPAN_MIN - 90)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=raw_events,
        event_type=st.sampled_from(["purchase", "page_view"]),
        zone=st.sampled_from(ZONES),
        interval=st.sampled_from(["hour", "day", "week", "month"]),
        metric=st.sampled_from(["count", "unique_users", "amount_sum"]),
        by_country=st.booleans(),
        top=st.integers(1, 3),
        links=link_lists,
    )
    def check(events, event_type, zone, interval, metric, by_country, top, links) -> None:
        persons = store(engine, events, links)
        query = {
            "event_type": event_type, "timezone": zone, "interval": interval, "metric": metric,
            "top": top, "since": since.isoformat(), "until": until.isoformat(),
        } | ({"breakdown": "context.country"} if by_country else {})  # fmt: skip
        answer = client.get("/v1/trends", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        args = dict(event_type=event_type, since=since, until=until, zone=zone,
                    interval=interval, metric=metric, by_country=by_country, top=top,
                    person=persons.person)  # fmt: skip
        expected = trend(events, **args)
        assert _answer(answer.json()) == expected
        # the comparison can fail: one more buyer in the first counted event's bucket
        counted = [
            e for e in events if e.event_type == event_type and since <= e.occurred_at < until
        ]
        if counted:
            extra = Raw("intruder", event_type, counted[0].occurred_at, counted[0].country, 1)
            assert trend([*events, extra], **args) != expected

    check()


def test_a_compared_trend_is_the_same_question_over_the_range_before(reader) -> None:
    client, engine, key = reader
    since, until = BASE + timedelta(days=2, hours=1, minutes=17), BASE + timedelta(days=4)
    before = since - (until - since)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events=st.lists(raw_event, min_size=10, max_size=60), zone=st.sampled_from(ZONES),
           metric=st.sampled_from(["count", "unique_users"]), by_country=st.booleans())  # fmt: skip
    def check(events, zone, metric, by_country) -> None:
        store(engine, events)
        query = {"event_type": "page_view", "timezone": zone, "interval": "hour",
                 "metric": metric, "since": since.isoformat(), "until": until.isoformat(),
                 "compare": True}  # fmt: skip
        if by_country:
            query["breakdown"] = "context.country"
        body = client.get("/v1/trends", params=query, headers=key).json()
        previous = body["previous"]
        assert (previous["since"], previous["until"]) == (before.isoformat(), since.isoformat())
        args = dict(event_type="page_view", zone=zone, interval="hour", metric=metric,
                    by_country=by_country, top=5)  # fmt: skip
        assert _answer(body) == trend(events, since=since, until=until, **args)
        assert _answer(previous) == trend(events, since=before, until=since, **args)

    check()
    plain = client.get("/v1/trends", params={"event_type": "page_view"}, headers=key)
    assert plain.json()["previous"] is None


def test_trends_read_whole_hours_from_event_hours_where_the_zone_allows(reader) -> None:
    """One more event in a stored hour row changes a UTC answer (the route read it) and
    not the Asia/Kolkata one (a half-hour offset: its hours straddle local days)."""
    client, engine, key = reader
    events = [
        Raw(f"u{i % 3}", "page_view", BASE + timedelta(minutes=37 * i), "DE", None)
        for i in range(60)
    ]
    store(engine, events)
    since, until = BASE + timedelta(minutes=10), BASE + timedelta(hours=30, minutes=5)

    def ask(zone: str) -> dict[tuple[str, str | None], int]:
        query = {"event_type": "page_view", "timezone": zone, "interval": "day",
                 "metric": "count", "since": since.isoformat(),
                 "until": until.isoformat()}  # fmt: skip
        answer = client.get("/v1/trends", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        return _answer(answer.json())

    zones = ("UTC", "Asia/Kolkata")
    before = {zone: ask(zone) for zone in zones}
    for zone in zones:
        assert before[zone] == trend(events, event_type="page_view", since=since, until=until,
                                     zone=zone, interval="day", metric="count",
                                     by_country=False, top=5)  # fmt: skip
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE event_hours SET events = events + 1 WHERE hour = :hour"),
            {"hour": BASE + timedelta(hours=5)},
        ).rowcount
    assert changed == 1
    assert ask("UTC") != before["UTC"]
    assert ask("Asia/Kolkata") == before["Asia/Kolkata"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_unique_users_are_exact_across_the_windows_of_buckets(reader, zone: str) -> None:
    """Unique users read from hour rows are de-duplicated per window of whole buckets
    (``hours.bucket_windows``). Each person here is active every 50 minutes for five
    days, across the European clock change, in one country: a window cut inside a
    bucket would count them twice there (the hypothesis examples are too sparse to be
    sure of catching that)."""
    client, engine, key = reader
    events = [
        Raw(f"u{u}", "page_view", BASE + timedelta(minutes=50 * i + 7 * u), ["DE", "FR"][u % 2],
            None)
        for u in range(4)
        for i in range(5 * 24 * 60 // 50)
    ]  # fmt: skip
    store(engine, events)
    since, until = BASE + timedelta(minutes=25), BASE + timedelta(days=5, minutes=-35)
    for interval in ("hour", "day", "week", "month"):
        for by_country in (False, True):
            query = {
                "event_type": "page_view", "timezone": zone, "interval": interval,
                "metric": "unique_users", "top": 1, "since": since.isoformat(),
                "until": until.isoformat(),
            } | ({"breakdown": "context.country"} if by_country else {})  # fmt: skip
            answer = client.get("/v1/trends", params=query, headers=key)
            assert answer.status_code == 200, answer.text
            expected = trend(events, event_type="page_view", since=since, until=until,
                             zone=zone, interval=interval, metric="unique_users",
                             by_country=by_country, top=1)  # fmt: skip
            assert _answer(answer.json()) == expected, (interval, by_country)


RETENTION_FILTERS = [
    ({}, None, None),
    ({"where": "context.country=DE"}, "DE", "DE"),
    ({"start_where": "context.country=DE"}, "DE", None),
    ({"return_where": "context.country=FR"}, None, "FR"),
    ({"where": "properties.market=US", "return_where": "context.country=US"}, "US", "US"),
    ({"start_where": "properties.market=FR", "return_where": "properties.market=DE"}, "FR", "DE"),
]
"""Query parameters, and the start and return countries the oracle is told. A filter on
``context.country`` leaves the hour rows usable; one on a property sends both parts of
the statement to the events (the store mirrors the country into ``properties.market``)."""


returning_event = raw_event.map(lambda e: replace(e, user_id=f"u{int(e.user_id[1:]) % 3}"))
"""Events of three users: each comes back often enough that most examples have returns
in several periods to count (with six, most cohorts had none)."""


@pytest.mark.parametrize(
    ("cumulative", "recurring"), [(False, False), (True, False), (False, True)]
)
def test_retention_equals_the_oracle(reader, cumulative: bool, recurring: bool) -> None:
    client, engine, key = reader

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        # both ends inside an hour (a first start event in those hours is read exactly;
        # recurring cohorts are read from the events), or both whole hours
        span=st.sampled_from(
            [
                (timedelta(minutes=35), timedelta(days=2, minutes=20)),
                (timedelta(hours=2), timedelta(days=2, hours=1)),
            ]
        ),
        events=st.lists(returning_event, min_size=15, max_size=60),
        zone=st.sampled_from(ZONES),
        period=st.sampled_from(["day", "week", "month"]),
        periods=st.integers(1, 5),
        pair=st.sampled_from([("signup", "purchase"), ("page_view", "page_view")]),
        links=link_lists,
        filters=st.sampled_from(RETENTION_FILTERS),
    )
    def check(span, events, zone, period, periods, pair, links, filters) -> None:
        since, until = BASE + span[0], BASE + span[1]
        persons = store(engine, events, links)
        extra_params, start_country, return_country = filters
        query = {
            "start_event": pair[0], "return_event": pair[1], "period": period,
            "periods": periods, "timezone": zone, "since": since.isoformat(),
            "until": until.isoformat(), "cumulative": cumulative,
            "retention_type": "recurring" if recurring else "first_time", **extra_params,
        }  # fmt: skip
        answer = client.get("/v1/retention", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        got = [(c["cohort"], c["counts"]) for c in answer.json()["cohorts"]]
        args = dict(start_event=pair[0], return_event=pair[1], period=period, periods=periods,
                    zone=zone, since=since, until=until, person=persons.person,
                    start_country=start_country, return_country=return_country,
                    cumulative=cumulative, recurring=recurring)  # fmt: skip
        expected = retention(events, **args)
        assert got == expected, filters
        # the comparison can fail: a new user starting at the range's start joins a cohort
        extra = Raw("newcomer", pair[0], since, start_country, None)
        assert retention([*events, extra], **args) != expected

    check()


def test_cumulative_retention_counts_a_return_in_every_period_up_to_it(reader) -> None:
    client, engine, key = reader
    day = BASE.replace(hour=12)
    store(engine, [Raw("a", "signup", day, None, None), Raw("b", "signup", day, None, None),
                   Raw("a", "purchase", day + timedelta(days=1), None, None),
                   Raw("a", "purchase", day + timedelta(days=3), None, None),
                   Raw("b", "purchase", day + timedelta(days=1), None, None)])  # fmt: skip
    query = {"start_event": "signup", "return_event": "purchase", "period": "day",
             "periods": 5, "since": day.isoformat(),
             "until": (day + timedelta(hours=1)).isoformat()}  # fmt: skip
    on = client.get("/v1/retention", params=query, headers=key).json()["cohorts"]
    after = client.get("/v1/retention", params={**query, "cumulative": True}, headers=key)
    assert on[0]["counts"] == [2, 2, 0, 1, 0]
    assert after.json()["cohorts"][0]["counts"] == [2, 2, 1, 1, 0]


def test_recurring_retention_puts_a_user_in_every_period_they_started_in(reader) -> None:
    """a signed up on two days, b on the second; both bought on the third. First-time
    cohorts hold a on day one only; recurring cohorts hold a on both days."""
    client, engine, key = reader
    day = BASE.replace(hour=12)
    at = lambda n: day + timedelta(days=n)  # noqa: E731
    store(engine, [Raw("a", "signup", at(0), None, None), Raw("a", "signup", at(1), None, None),
                   Raw("b", "signup", at(1), None, None), Raw("a", "purchase", at(2), None, None),
                   Raw("b", "purchase", at(2), None, None)])  # fmt: skip
    query = {"start_event": "signup", "return_event": "purchase", "period": "day",
             "periods": 3, "since": BASE.replace(hour=0).isoformat(),
             "until": (BASE.replace(hour=0) + timedelta(days=2)).isoformat()}  # fmt: skip
    first = client.get("/v1/retention", params=query, headers=key).json()["cohorts"]
    again = client.get("/v1/retention", params=query | {"retention_type": "recurring"},
                       headers=key).json()["cohorts"]  # fmt: skip
    assert [c["counts"] for c in first] == [[1, 0, 1], [1, 1, 0]]
    assert [c["counts"] for c in again] == [[1, 0, 1], [2, 2, 0]]
    bad = client.get("/v1/retention", params=query | {"retention_type": "every"}, headers=key)
    assert bad.status_code == 422, bad.text


def test_retention_filters_choose_the_start_events_and_the_returns(reader) -> None:
    """A person's first start event of the filtered kind makes their cohort, even when an
    earlier start event of another kind exists; returns of another kind do not count."""
    client, engine, key = reader
    day = timedelta(days=1)
    events = [
        Raw("ana", "signup", BASE + timedelta(hours=5), "FR", None),
        Raw("ana", "signup", BASE + day + timedelta(hours=5), "DE", None),
        Raw("ana", "purchase", BASE + 2 * day + timedelta(hours=5), "FR", None),
        Raw("ben", "signup", BASE + day + timedelta(hours=6), "DE", None),
        Raw("ben", "purchase", BASE + 2 * day + timedelta(hours=6), "DE", None),
    ]
    store(engine, events)
    until = BASE + 3 * day
    base = {"start_event": "signup", "return_event": "purchase", "period": "day",
            "periods": 3, "since": BASE.isoformat(), "until": until.isoformat()}  # fmt: skip

    def ask(**extra: str) -> list[tuple[str, list[int]]]:
        answer = client.get("/v1/retention", params=base | extra, headers=key)
        assert answer.status_code == 200, answer.text
        return [(c["cohort"], c["counts"]) for c in answer.json()["cohorts"]]

    first_day, second_day = "2026-03-28T00:00:00", "2026-03-29T00:00:00"
    assert ask() == [(first_day, [1, 0, 1]), (second_day, [1, 1, 0])]
    assert ask(start_where="context.country=DE") == [(second_day, [2, 2, 0])]
    assert ask(where="context.country=DE") == [(second_day, [2, 1, 0])]
    assert ask(start_where="properties.market=DE", return_where="context.country=FR") == [
        (second_day, [2, 1, 0])
    ]
    assert ask(where="properties.market=US") == []


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata"])
def test_retention_cohorts_at_the_ranges_partial_hours_are_exact(reader, zone: str) -> None:
    """Whole hours come from event_hours where the zone allows (a corrupted hour row
    shows in the Berlin answer, not in the Kolkata one, whose UTC hours straddle local
    midnights), and a first start event in the hour of ``since`` or ``until`` decides
    by its own time."""
    client, engine, key = reader
    since, until = BASE + timedelta(minutes=30), BASE + timedelta(days=1, minutes=30)
    minutes = {"early": 10, "on-time": 40, "middle": 300, "straddler": 22 * 60 + 45,
               "last": 24 * 60 + 20, "too-late": 24 * 60 + 45}  # fmt: skip
    events = [Raw(user, "signup", BASE + timedelta(minutes=m), None, None)
              for user, m in minutes.items()]  # fmt: skip
    events += [Raw(user, "purchase", BASE + timedelta(days=2, hours=3), None, None)
               for user in minutes]  # fmt: skip
    store(engine, events)
    query = {"start_event": "signup", "return_event": "purchase", "period": "day",
             "periods": 3, "timezone": zone, "since": since.isoformat(),
             "until": until.isoformat()}  # fmt: skip

    def ask() -> list[tuple[str, list[int]]]:
        answer = client.get("/v1/retention", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        return [(c["cohort"], c["counts"]) for c in answer.json()["cohorts"]]

    expected = retention(events, start_event="signup", return_event="purchase", period="day",
                         periods=3, zone=zone, since=since, until=until)  # fmt: skip
    assert ask() == expected
    assert sum(counts[0] for _, counts in expected) == 4  # on-time, middle, straddler, last
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE event_hours SET hour = hour + interval '1 day' WHERE user_id = 'middle'"
                 " AND event_type = 'purchase'")
        )  # fmt: skip
    assert (ask() == expected) is (zone == "Asia/Kolkata")


LIFECYCLE_FILTERS = [({}, None), ({"where": "context.country=DE"}, "DE"),
                     ({"where": "properties.market=FR"}, "FR")]  # fmt: skip
"""Query parameters and the country the oracle is told: the first two read the hour rows
where the zone allows, the property filter the events."""


def test_lifecycle_equals_the_oracle(reader) -> None:
    client, engine, key = reader
    until = BASE + timedelta(days=3, minutes=20)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(raw_event, min_size=20, max_size=80),  # several periods per person
        zone=st.sampled_from(ZONES),
        period=st.sampled_from(["day", "week", "month"]),
        event_type=st.sampled_from(["page_view", "purchase"]),
        links=link_lists,
        filters=st.sampled_from(LIFECYCLE_FILTERS),
        # from the data's first day, or two days in: persons active before are not new
        since=st.sampled_from([BASE + timedelta(hours=5, minutes=35),
                               BASE + timedelta(days=2, hours=5, minutes=35)]),
    )  # fmt: skip
    def check(events, zone, period, event_type, links, filters, since) -> None:
        persons = store(engine, events, links)
        extra_params, country = filters
        query = {"event": event_type, "period": period, "timezone": zone,
                 "since": since.isoformat(), "until": until.isoformat(),
                 **extra_params}  # fmt: skip
        answer = client.get("/v1/lifecycle", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        got = [(p["start"], p["new"], p["returning"], p["resurrecting"], p["dormant"])
               for p in answer.json()["periods"]]  # fmt: skip
        args = dict(event_type=event_type, period=period, zone=zone, since=since, until=until,
                    person=persons.person, country=country)  # fmt: skip
        expected = lifecycle(events, **args)
        assert got == expected, filters
        # the comparison can fail: one more person, new in the range's first period
        extra = Raw("newcomer", event_type, since, country, None)
        assert lifecycle([*events, extra], **args) != expected

    check()


def test_stickiness_equals_the_oracle(reader) -> None:
    client, engine, key = reader

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(raw_event, min_size=20, max_size=80),
        zone=st.sampled_from(ZONES),
        period=st.sampled_from(["day", "week", "month"]),
        links=link_lists,
        filters=st.sampled_from(LIFECYCLE_FILTERS),
        since=st.sampled_from([BASE + timedelta(hours=5, minutes=35),
                               BASE + timedelta(days=2, hours=5, minutes=35)]),
    )  # fmt: skip
    def check(events, zone, period, links, filters, since) -> None:
        persons = store(engine, events, links)
        extra_params, country = filters
        until = BASE + timedelta(days=3, minutes=20)
        query = {"event": "page_view", "period": period, "timezone": zone,
                 "since": since.isoformat(), "until": until.isoformat(), "compare": "true",
                 **extra_params}  # fmt: skip
        answer = client.get("/v1/stickiness", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        got = (body["starts"], [c["users"] for c in body["counts"]])
        assert [c["periods"] for c in body["counts"]] == list(range(1, len(body["starts"]) + 1))
        args = dict(event_type="page_view", period=period, zone=zone, since=since, until=until,
                    person=persons.person, country=country)  # fmt: skip
        expected = stickiness(events, **args)
        assert got == expected, filters
        # compare: the same question over the range of the same length before since
        earlier = since - (until - since)
        previous = body["previous"]
        assert (previous["since"], previous["until"]) == (earlier.isoformat(), since.isoformat())
        got_before = (previous["starts"], [c["users"] for c in previous["counts"]])
        assert got_before == stickiness(events, **args | {"since": earlier, "until": since})
        # the comparison can fail: one more person, active in the range's first period
        extra = Raw("newcomer", "page_view", since, country, None)
        assert stickiness([*events, extra], **args) != expected

    check()


MONTHS_BASE = datetime(2025, 11, 20, tzinfo=UTC)
"""Five months from here cross a new year and Europe's and America's clock changes."""
monthly_event = st.builds(
    Raw,
    user_id=st.sampled_from([f"u{i}" for i in range(6)]),
    event_type=st.sampled_from(["page_view", "signup"]),
    occurred_at=st.integers(0, 150 * 24 * 60).map(lambda m: MONTHS_BASE + timedelta(minutes=m)),
    country=st.sampled_from(["DE", None]),
    amount_cents=st.none(),
)


def test_monthly_questions_equal_the_oracles(reader) -> None:
    client, engine, key = reader
    since, until = MONTHS_BASE + timedelta(days=10, hours=3), MONTHS_BASE + timedelta(days=130)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events=st.lists(monthly_event, min_size=10, max_size=80), zone=st.sampled_from(ZONES),
           links=link_lists)  # fmt: skip
    def check(events, zone, links) -> None:
        persons = store(engine, events, links)
        span = {"timezone": zone, "since": since.isoformat(), "until": until.isoformat()}
        common = dict(zone=zone, since=since, until=until, person=persons.person)
        got = client.get(
            "/v1/trends",
            headers=key,
            params={
                "event_type": "page_view",
                "interval": "month",
                "metric": "unique_users",
                **span,
            },
        )
        assert _answer(got.json()) == trend(
            events,
            event_type="page_view",
            interval="month",
            metric="unique_users",
            by_country=False,
            top=5,
            **common,
        )
        got = client.get(
            "/v1/retention",
            headers=key,
            params={
                "start_event": "signup",
                "return_event": "page_view",
                "period": "month",
                "periods": 4,
                **span,
            },
        )
        assert [(c["cohort"], c["counts"]) for c in got.json()["cohorts"]] == retention(
            events,
            start_event="signup",
            return_event="page_view",
            period="month",
            periods=4,
            **common,
        )
        got = client.get(
            "/v1/lifecycle", headers=key, params={"event": "page_view", "period": "month", **span}
        )
        assert [
            (p["start"], p["new"], p["returning"], p["resurrecting"], p["dormant"])
            for p in got.json()["periods"]
        ] == lifecycle(events, event_type="page_view", period="month", **common)
        got = client.get(
            "/v1/stickiness", headers=key, params={"event": "page_view", "period": "month", **span}
        )
        assert (got.json()["starts"], [c["users"] for c in got.json()["counts"]]) == stickiness(
            events, event_type="page_view", period="month", **common
        )

    check()


def test_rolling_active_users_equal_the_oracle(reader) -> None:
    client, engine, key = reader
    since, until = MONTHS_BASE + timedelta(days=40, hours=3), MONTHS_BASE + timedelta(days=100)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events=st.lists(monthly_event, min_size=10, max_size=80), zone=st.sampled_from(ZONES),
           links=link_lists, metric=st.sampled_from(["weekly_active", "monthly_active"]),
           by_country=st.booleans(), top=st.integers(1, 2))  # fmt: skip
    def check(events, zone, links, metric, by_country, top) -> None:
        persons = store(engine, events, links)
        query = {"event_type": "page_view", "interval": "day", "metric": metric, "top": top,
                 "timezone": zone, "since": since.isoformat(),
                 "until": until.isoformat()}  # fmt: skip
        if by_country:
            query["breakdown"] = "context.country"
        answer = client.get("/v1/trends", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        days = 7 if metric == "weekly_active" else 30
        args = dict(event_type="page_view", since=since, until=until, zone=zone, days=days,
                    by_country=by_country, top=top, person=persons.person)  # fmt: skip
        expected = rolling_active(events, **args)
        assert _answer(answer.json()) == expected
        # the comparison can fail: one more person, active on the range's first day
        extra = Raw("newcomer", "page_view", since, "DE", None)
        assert rolling_active([*events, extra], **args) != expected

    check()


def test_a_weekly_active_user_counts_for_seven_days_from_before_the_range(reader) -> None:
    client, engine, key = reader
    day = datetime(2026, 3, 1, 12, tzinfo=UTC)
    store(engine, [Raw("early", "page_view", day - timedelta(days=6), None, None),
                   Raw("late", "page_view", day + timedelta(days=2), None, None),
                   Raw("late", "page_view", day + timedelta(days=9), None, None)])  # fmt: skip
    query = {"event_type": "page_view", "metric": "weekly_active", "interval": "day",
             "since": day.isoformat(), "until": (day + timedelta(days=12)).isoformat()}  # fmt: skip
    answer = client.get("/v1/trends", params=query, headers=key)
    got = {p["bucket"][:10]: p["value"] for p in answer.json()["series"][0]["points"]}
    # "early" on Feb 23 counts through Mar 1; "late" on Mar 3 and, 7 days on, Mar 10
    # through Mar 16, the range's end on Mar 13
    assert got == {"2026-03-01": 1, **{f"2026-03-{d:02d}": 1 for d in range(3, 14)}}
    wrong = client.get("/v1/trends", params={**query, "interval": "week"}, headers=key)
    assert wrong.status_code == 400
    assert "use interval=day" in wrong.json()["detail"]


def test_a_long_lifecycle_is_answered_from_its_first_to_its_last_active_period(reader) -> None:
    client, engine, key = reader
    store(engine, [Raw("u1", "page_view", BASE, None, None),
                   Raw("u1", "page_view", BASE + timedelta(days=2), None, None)])  # fmt: skip
    query = {"event": "page_view", "since": "2020-01-01T00:00:00Z",
             "until": "2030-01-01T00:00:00Z"}  # fmt: skip
    answer = client.get("/v1/lifecycle", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    got = [(p["start"][:10], p["new"], p["resurrecting"], p["dormant"])
           for p in answer.json()["periods"]]  # fmt: skip
    assert got == [("2026-03-27", 1, 0, 0), ("2026-03-28", 0, 0, 1), ("2026-03-29", 0, 1, 0)]
    nothing = client.get("/v1/lifecycle", params={**query, "event": "signup"}, headers=key)
    assert nothing.json()["periods"] == []


def test_events_pages_by_cursor_without_gaps_or_repeats(reader) -> None:
    client, engine, key = reader
    events = [
        Raw(f"u{i % 4}", "page_view", BASE + timedelta(minutes=i // 3), "DE", None)
        for i in range(95)
    ]  # three events share each minute: the id breaks the ties
    store(engine, events)
    params = {"since": BASE.isoformat(), "until": (BASE + timedelta(days=1)).isoformat(),
              "limit": 10}  # fmt: skip
    seen, cursor = [], None
    while True:
        page = client.get("/v1/events", params=params | ({"cursor": cursor} if cursor else {}),
                          headers=key).json()  # fmt: skip
        seen += [e["event_id"] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 95
    assert len(set(seen)) == 95


funnel_ranges = st.one_of(
    # whole hours at both ends, or either end inside an hour: the entries before the
    # first whole hour come from the events, the hour that holds ``until`` is probed up
    # to ``until`` only
    st.tuples(st.integers(0, 59), st.integers(0, 59)).map(
        lambda m: (BASE + timedelta(hours=5, minutes=m[0]), BASE + timedelta(days=3, minutes=-m[1]))
    ),
    st.just((BASE + timedelta(minutes=10), BASE + timedelta(minutes=50))),  # no whole hour
)
EVERYWHERE = "properties.source=test"
"""A filter every stored funnel event matches, on a field hour rows do not carry: the
same question, answered from the events alone."""


def _near(since: datetime, until: datetime) -> st.SearchStrategy[list[Raw]]:
    """Events within 90 minutes of either end of the range: in its partial hours, and in
    the whole hours next to them, where the hour rows and the events meet."""
    return st.lists(
        st.builds(
            Raw,
            user_id=st.sampled_from([f"u{i}" for i in range(6)]),
            event_type=st.sampled_from(["purchase", "page_view", "signup"]),
            occurred_at=st.builds(
                lambda edge, m: edge + timedelta(minutes=m),
                st.sampled_from([since, until]),
                st.integers(-90, 90),
            ),
            country=st.sampled_from(["DE", "FR", None]),
            amount_cents=st.none(),
        ),
        max_size=12,
    )


def _attempts(since: datetime) -> st.SearchStrategy[list[Raw]]:
    """Two persons' events close together early in the range: several attempts each,
    whose starts, shared steps and windows decide which one counts."""
    return st.lists(
        st.builds(
            Raw,
            user_id=st.sampled_from(["u0", "u1"]),
            event_type=st.sampled_from(["purchase", "page_view", "signup", "click"]),
            occurred_at=st.integers(0, 180).map(lambda m: since + timedelta(minutes=m)),
            country=st.sampled_from(["DE", "FR", None]),
            amount_cents=st.none(),
        ),
        max_size=16,
    )


def _store_for_funnels(engine: Engine, events: list[Raw], links: list[Link]) -> Resolution:
    """``store``, with ``properties.source = test`` added to every event."""
    persons = store(engine, events, links)
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE user_events SET properties = properties || '{"source": "test"}'""")
        )
    return persons


def _funnel(client, key, query: dict) -> list[tuple[str, int, float | None]]:
    answer = client.get("/v1/funnels", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    return _steps(answer.json()["steps"])


def _steps(steps: list[dict]) -> list[tuple[str, int, float | None]]:
    return [(s["event_type"], s["users"], s["median_seconds_from_previous"]) for s in steps]


def _funnel_groups(client, key, query: dict) -> list[tuple[str, list]]:
    answer = client.get("/v1/funnels", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    return [(g["group"], _steps(g["steps"])) for g in answer.json()["groups"]]


def _same_funnel(got: list, expected: list) -> bool:
    """Users equal and medians equal to a millisecond."""
    if [g[:2] for g in got] != [e[:2] for e in expected]:
        return False
    return all(
        (m_got is None) == (m_exp is None) and (m_exp is None or abs(m_got - m_exp) < 1e-3)
        for (_, _, m_got), (_, _, m_exp) in zip(got, expected, strict=True)
    )


def test_funnels_equal_the_oracle(reader) -> None:
    """From hour rows (no filter or a country filter) and from the events alone (a
    property filter), with whole and partial hours at the range's ends."""
    client, engine, key = reader

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=raw_events,
        steps=st.lists(
            st.sampled_from(["page_view", "signup", "purchase"]), min_size=2, max_size=4
        ),
        window_min=st.integers(1, 3 * 24 * 60),
        links=link_lists,
        span=funnel_ranges,
        country=st.sampled_from([None, "DE"]),
        breakdown=st.sampled_from(["context.country", "properties.market"]),
        top=st.integers(1, 3),
        step_where=st.one_of(
            st.none(), st.tuples(st.integers(0, 3), st.sampled_from(["DE", "FR"]))
        ),
        exclude=st.lists(
            st.tuples(st.sampled_from(["page_view", "signup", "purchase"]),
                      st.integers(0, 2), st.integers(1, 3)),
            max_size=2,
        ),
        strict=st.booleans(),
        data=st.data(),
    )  # fmt: skip
    def check(
        events, steps, window_min, links, span, country, breakdown, top, step_where, exclude,
        strict, data,
    ) -> None:  # fmt: skip
        since, until = span
        events = [*events, *data.draw(_near(since, until)), *data.draw(_attempts(since))]
        persons = _store_for_funnels(engine, events, links)
        only = dict([step_where]) if step_where and step_where[0] < len(steps) else {}
        exclusions = [] if strict else [(x, a, b) for x, a, b in exclude if a < b < len(steps)]
        args = dict(steps=steps, window=timedelta(minutes=window_min), since=since, until=until,
                    person=persons.person, country=country, step_countries=only,
                    exclusions=exclusions, strict=strict)  # fmt: skip
        expected = funnel(events, **args)
        expected_groups = funnel_groups(events, **args, top=top)
        where = [f"context.country={country}"] if country else []
        for extra_where in ([], [EVERYWHERE]):
            per_step = [f"{i + 1}:context.country={c}" for i, c in only.items()]
            query = {"steps": steps, "window_s": window_min * 60, "since": since.isoformat(),
                     "until": until.isoformat(), "where": where + extra_where,
                     "step_where": per_step, "order": "strict" if strict else "ordered",
                     "exclude": [f"{a + 1}:{b + 1}:{x}" for x, a, b in exclusions]}  # fmt: skip
            assert _same_funnel(_funnel(client, key, query), expected), (extra_where, only)
            groups = _funnel_groups(client, key, query | {"breakdown": breakdown, "top": top})
            assert [g for g, _ in groups] == [g for g, _ in expected_groups], extra_where
            for (_, got), (_, want) in zip(groups, expected_groups, strict=True):
                assert _same_funnel(got, want), (breakdown, extra_where)
        # the comparison can fail: one more user entering the funnel (where the entry's
        # own filters agree, so that someone can enter)
        entrant = only.get(0, country)
        if country in (None, entrant):
            extra = Raw("entrant", steps[0], since, entrant, None)
            assert funnel([*events, extra], **args) != expected
            assert funnel_groups([*events, extra], **args, top=top) != expected_groups

    check()


def test_funnel_breakdown_groups_each_person_by_their_entry_event(reader) -> None:
    """Four entrants from DE (one of them with a DE and an FR entry event at the same
    time: the smaller value, DE), two each from FR and US, one without a country. With
    ``top=2`` the FR-US tie goes to FR and US joins ``(none)`` in ``(other)``, which is
    listed last although it is larger than FR; the property mirror answers the same."""
    client, engine, key = reader
    at = BASE + timedelta(hours=1)
    entrants = {"a1": "DE", "a2": "DE", "a3": "DE", "b1": "FR", "b2": "FR", "u1": "US",
                "u2": "US", "c1": None}  # fmt: skip
    events = [Raw(u, "page_view", at + timedelta(minutes=i), c, None)
              for i, (u, c) in enumerate(entrants.items())]  # fmt: skip
    events += [Raw("t1", "page_view", at + timedelta(minutes=30), c, None) for c in ("FR", "DE")]
    events += [Raw(u, "purchase", at + timedelta(hours=2, minutes=i), "FR", None)
               for i, u in enumerate(("a1", "a2", "b1", "u1", "t1"))]  # fmt: skip
    _store_for_funnels(engine, events, [])
    steps = ["page_view", "purchase"]
    since, until = BASE, BASE + timedelta(hours=6)
    query = {"steps": steps, "window_s": 86_400, "since": since.isoformat(),
             "until": until.isoformat(), "breakdown": "context.country", "top": 2}  # fmt: skip
    groups = _funnel_groups(client, key, query)
    assert [(g, [n for _, n, _ in f]) for g, f in groups] == [
        ("DE", [4, 3]),
        ("FR", [2, 1]),
        ("(other)", [3, 1]),
    ]
    expected = funnel_groups(events, steps=steps, window=timedelta(days=1), since=since,
                             until=until, top=2)  # fmt: skip
    assert groups == expected
    assert _funnel_groups(client, key, query | {"breakdown": "properties.market"}) == expected
    wide = _funnel_groups(client, key, query | {"top": 5})
    assert [(g, f[0][1]) for g, f in wide] == [("DE", 4), ("FR", 2), ("US", 2), ("(none)", 1)]
    # a filter picks the entry event, and its value is the group: t1 is FR's then
    in_fr = _funnel_groups(client, key, query | {"where": ["context.country=FR"]})
    assert [(g, f[0][1]) for g, f in in_fr] == [("FR", 3)]
    answer = client.get("/v1/funnels", params=query | {"breakdown": "country"}, headers=key)
    assert answer.status_code in (400, 422), answer.text


def test_a_funnel_over_time_counts_each_entrant_in_every_period_they_entered(reader) -> None:
    client, engine, key = reader

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=raw_events,
        steps=st.lists(st.sampled_from(["page_view", "signup", "purchase"]), min_size=2,
                       max_size=3),
        window_min=st.one_of(st.integers(1, 90), st.integers(1, 3 * 24 * 60)),
        links=link_lists,
        zone=st.sampled_from(ZONES),
        interval=st.sampled_from(["hour", "day", "week", "month"]),
        exclude=st.lists(st.tuples(st.sampled_from(["page_view", "signup", "purchase"]),
                                   st.integers(0, 1), st.integers(1, 2)), max_size=1),
        strict=st.booleans(),
        data=st.data(),
    )  # fmt: skip
    def check(events, steps, window_min, links, zone, interval, exclude, strict, data) -> None:
        since, until = BASE + timedelta(hours=2, minutes=30), BASE + timedelta(days=3)
        events = [*events, *data.draw(_attempts(since))]
        persons = store(engine, events, links)
        exclusions = [] if strict else [(x, a, b) for x, a, b in exclude if a < b < len(steps)]
        query = {"steps": steps, "window_s": window_min * 60, "since": since.isoformat(),
                 "until": until.isoformat(), "interval": interval, "timezone": zone,
                 "order": "strict" if strict else "ordered",
                 "exclude": [f"{a + 1}:{b + 1}:{x}" for x, a, b in exclusions]}  # fmt: skip
        answer = client.get("/v1/funnels", params=query, headers=key)
        assert answer.status_code == 200, answer.text
        got = [(p["start"], p["users"]) for p in answer.json()["over_time"]]
        args = dict(steps=steps, window=timedelta(minutes=window_min), since=since, until=until,
                    zone=zone, interval=interval, person=persons.person,
                    exclusions=exclusions, strict=strict)  # fmt: skip
        expected = funnel_over_time(events, **args)
        assert got == expected
        for (_, users), p in zip(got, answer.json()["over_time"], strict=True):
            assert p["conversion"] == users[-1] / users[0]
        # every entrant enters in one period at least, and no period has more
        whole = [s["users"] for s in answer.json()["steps"]]
        assert sum(u[0] for _, u in got) >= whole[0] >= max((u[0] for _, u in got), default=0)
        # the comparison can fail: one more entrant
        extra = Raw("entrant", steps[0], since, None, None)
        assert funnel_over_time([*events, extra], **args) != expected

    check()
    both = {"steps": ["signup", "purchase"], "interval": "day", "breakdown": "context.country"}
    answer = client.get("/v1/funnels", headers=key, params=both)
    assert answer.status_code == 400, answer.text
    assert "ask for one at a time" in answer.json()["detail"]


def test_an_exclusion_leaves_out_whoever_did_the_event_between_its_steps(reader) -> None:
    """``exclude=1:2:coupon``: a2 applied a coupon between signing up and viewing a page,
    a3 after signing up and never viewed one (within a window of the signup): both are
    left out of every step. a1's coupon came after its page view, a4's more than the
    window after its signup, a5's at the signup's own instant: they stay. Without the
    two left out, FR's four entrants outnumber DE's three, so FR is the top group."""
    client, engine, key = reader
    t = BASE + timedelta(hours=1)
    minutes = lambda m: t + timedelta(minutes=m)  # noqa: E731
    events = [Raw(u, "signup", minutes(i), "DE", None) for i, u in enumerate(("a1", "a2", "a3"))]
    events += [Raw("a4", "signup", t, "DE", None), Raw("a5", "signup", minutes(3), "DE", None)]
    events += [
        Raw("a1", "page_view", minutes(10), "DE", None),
        Raw("a1", "coupon", minutes(20), "DE", None),
        Raw("a1", "purchase", minutes(30), "DE", None),
        Raw("a2", "coupon", minutes(5), "DE", None),
        Raw("a2", "page_view", minutes(10), "DE", None),
        Raw("a3", "coupon", minutes(5), "DE", None),
        Raw("a4", "coupon", t + timedelta(days=1, minutes=1), "DE", None),
        Raw("a5", "coupon", minutes(3), "DE", None),
    ]
    for i in range(4):
        events += [Raw(f"b{i}", "signup", minutes(i), "FR", None),
                   Raw(f"b{i}", "page_view", minutes(40), "FR", None)]  # fmt: skip
    _store_for_funnels(engine, events, [])
    query = {"steps": ["signup", "page_view", "purchase"], "window_s": 86_400,
             "since": BASE.isoformat(), "until": (BASE + timedelta(hours=6)).isoformat(),
             "exclude": ["1:2:coupon"]}  # fmt: skip
    assert [n for _, n, _ in _funnel(client, key, query)] == [7, 5, 1]
    by_day = client.get("/v1/funnels", params=query | {"interval": "day"}, headers=key)
    assert [p["users"] for p in by_day.json()["over_time"]] == [[7, 5, 1]], by_day.text
    groups = _funnel_groups(client, key, query | {"breakdown": "context.country", "top": 1})
    assert [(g, [n for _, n, _ in f]) for g, f in groups] == [
        ("FR", [4, 4, 0]),
        ("(other)", [3, 1, 1]),
    ]
    # without the exclusion every signup counts
    assert [n for _, n, _ in _funnel(client, key, query | {"exclude": []})] == [9, 6, 1]
    for bad in ("2:1:coupon", "1:4:coupon", "1:1:coupon"):
        answer = client.get("/v1/funnels", params=query | {"exclude": [bad]}, headers=key)
        assert answer.status_code == 400, answer.text
        assert "numbered from 1 to 3" in answer.json()["detail"]
    answer = client.get("/v1/funnels", params=query | {"exclude": ["1:2:"]}, headers=key)
    assert answer.status_code == 422, answer.text


def test_a_person_counts_their_best_attempt_at_the_funnel(reader) -> None:
    """PostHog's rule: each entry event starts an attempt, and a person counts the one
    that went furthest (of those, the one that finished first, and of those the one
    that started last). With a one-hour window: r1's first view times out, its second
    converts (the first-entry rule counted no purchase); r2's two views share one
    purchase (30 minutes from the later view); r3 finishes first after 40 minutes and
    again faster later (the first counts); r4 applied a coupon inside its first attempt
    only (left out: PostHog drops the person); r5's coupon came after it first finished
    (it stays); r7's came a window after its view, never followed by a purchase (left
    out: the window's end is inside). Hourly (PostHog's funnel trends) a person counts in
    every hour they entered, with the attempt of their first entry there: r1 fails in
    the first hour and converts in the third, r3 converts in both."""
    client, engine, key = reader
    t = BASE + timedelta(hours=1)
    at = lambda m: t + timedelta(minutes=m)  # noqa: E731
    plan = {
        "r1": [("page_view", 0), ("page_view", 120), ("purchase", 150)],
        "r2": [("page_view", 0), ("page_view", 20), ("purchase", 50)],
        "r3": [("page_view", 0), ("purchase", 40), ("page_view", 120), ("purchase", 125)],
        "r4": [("page_view", 0), ("coupon", 10), ("page_view", 120), ("purchase", 130)],
        "r5": [("page_view", 0), ("purchase", 10), ("page_view", 15), ("coupon", 20)],
        "r6": [("page_view", 0), ("signup", 5), ("page_view", 10), ("signup", 15),
               ("purchase", 20)],
        "r7": [("page_view", 0), ("coupon", 60)],
    }  # fmt: skip
    events = [Raw(u, kind, at(m), "DE", None) for u, steps in plan.items() for kind, m in steps]
    _store_for_funnels(engine, events, [])
    steps = ["page_view", "purchase"]
    since, until = BASE, BASE + timedelta(hours=6)
    query = {"steps": steps, "window_s": 3_600, "since": since.isoformat(),
             "until": until.isoformat(), "exclude": ["1:2:coupon"]}  # fmt: skip
    args = dict(steps=steps, window=timedelta(hours=1), since=since, until=until,
                exclusions=[("coupon", 0, 1)])  # fmt: skip
    got = _funnel(client, key, query)
    assert got == [("page_view", 5, None), ("purchase", 5, 30 * 60.0)]  # 30, 30, 40, 10, 10
    assert got == funnel(events, **args)
    assert [n for _, n, _ in _funnel(client, key, query | {"exclude": []})] == [7, 6]
    # r6's two attempts finish at the same purchase: the later one counts (5 and 5 minutes)
    three = ["page_view", "signup", "purchase"]
    got = _funnel(client, key, query | {"steps": three, "exclude": []})
    assert got == [("page_view", 7, None), ("signup", 1, 300.0), ("purchase", 1, 300.0)]
    assert got == funnel(events, **args | {"steps": three, "exclusions": []})
    hourly = _hourly(client, key, query)
    wall = lambda h: (t + timedelta(hours=h)).replace(tzinfo=None).isoformat()  # noqa: E731
    assert hourly == [(wall(0), [5, 4]), (wall(2), [2, 2])]
    assert hourly == funnel_over_time(events, **args, zone="UTC", interval="hour")


def test_strict_order_ends_an_attempt_at_any_other_event_between_two_steps(reader) -> None:
    """``order=strict`` (PostHog's): s2 clicked between its view and its cart; s3
    added to the cart twice and s4 viewed twice (repeats of the step just taken keep
    the attempt, the later view starting it); s5's first attempt broke at a click, its
    second went through. Under ``step_where=2:context.country=DE`` s6's second cart
    event, without a country, is no repeat of step 2 and ends its attempt there; under
    ``where=context.country=DE`` s7's view from FR is no entry event and ends its
    attempt from the DE view before it."""
    client, engine, key = reader
    t = BASE + timedelta(hours=1)
    plan = {
        "s1": [("page_view", 0), ("add_to_cart", 5), ("purchase", 10)],
        "s2": [("page_view", 0), ("click", 3), ("add_to_cart", 5), ("purchase", 10)],
        "s3": [("page_view", 0), ("add_to_cart", 5), ("add_to_cart", 7), ("purchase", 10)],
        "s4": [("page_view", 0), ("page_view", 2), ("add_to_cart", 5), ("purchase", 10)],
        "s5": [("page_view", 0), ("add_to_cart", 5), ("click", 7), ("purchase", 10),
               ("page_view", 20), ("add_to_cart", 21), ("purchase", 22)],
        "s6": [("page_view", 0), ("add_to_cart", 5), ("add_to_cart", 6), ("purchase", 10)],
        "s7": [("page_view", 0), ("page_view", 2), ("add_to_cart", 5), ("purchase", 10)],
    }  # fmt: skip
    country = {("s6", 6): None, ("s7", 2): "FR"}
    events = [
        Raw(u, kind, t + timedelta(minutes=m), country.get((u, m), "DE"), None)
        for u, steps in plan.items()
        for kind, m in steps
    ]
    _store_for_funnels(engine, events, [])
    steps = ["page_view", "add_to_cart", "purchase"]
    since, until = BASE, BASE + timedelta(hours=6)
    query = {"steps": steps, "window_s": 3_600, "since": since.isoformat(),
             "until": until.isoformat(), "order": "strict"}  # fmt: skip
    args = dict(steps=steps, window=timedelta(hours=1), since=since, until=until, strict=True)
    got = _funnel(client, key, query)
    assert got == [("page_view", 7, None), ("add_to_cart", 6, 240.0), ("purchase", 6, 300.0)]
    assert got == funnel(events, **args)
    on_de = _funnel(client, key, query | {"step_where": ["2:context.country=DE"]})
    assert [n for _, n, _ in on_de] == [7, 6, 5]
    assert on_de == funnel(events, **args, step_countries={1: "DE"})
    in_de = _funnel(client, key, query | {"where": ["context.country=DE"]})
    assert [n for _, n, _ in in_de] == [7, 5, 5]
    assert in_de == funnel(events, **args, country="DE")
    assert [n for _, n, _ in _funnel(client, key, query | {"order": "ordered"})] == [7, 7, 7]
    refused = client.get("/v1/funnels", params=query | {"exclude": "1:2:click"}, headers=key)
    assert refused.status_code == 400, refused.text
    assert "leave out exclude or order=strict" in refused.json()["detail"]
    unknown = client.get("/v1/funnels", params=query | {"order": "any"}, headers=key)
    assert unknown.status_code == 422, unknown.text


def test_a_step_filter_counts_only_that_steps_matching_events(reader) -> None:
    """p3's first purchase is from DE and its second from FR: under
    ``step_where=2:context.country=FR`` it reaches the step at the second, later one."""
    client, engine, key = reader
    at = BASE + timedelta(hours=1)
    events = [
        Raw("p1", "page_view", at, "DE", None),
        Raw("p1", "purchase", at + timedelta(minutes=10), "FR", None),
        Raw("p2", "page_view", at, "DE", None),
        Raw("p2", "purchase", at + timedelta(minutes=20), "DE", None),
        Raw("p3", "page_view", at, "FR", None),
        Raw("p3", "purchase", at + timedelta(minutes=30), "DE", None),
        Raw("p3", "purchase", at + timedelta(minutes=50), "FR", None),
    ]
    _store_for_funnels(engine, events, [])
    steps = ["page_view", "purchase"]
    since, until = BASE, BASE + timedelta(hours=6)
    query = {"steps": steps, "window_s": 86_400, "since": since.isoformat(),
             "until": until.isoformat()}  # fmt: skip
    args = dict(steps=steps, window=timedelta(days=1), since=since, until=until)
    assert _funnel(client, key, query) == funnel(events, **args)
    on_fr = _funnel(client, key, query | {"step_where": ["2:context.country=FR"]})
    assert on_fr == funnel(events, **args, step_countries={1: "FR"})
    assert on_fr == [("page_view", 3, None), ("purchase", 2, 30 * 60.0)]  # 10 and 50 minutes
    from_de = _funnel(client, key, query | {"step_where": ["1:context.country=DE"]})
    assert from_de == [("page_view", 2, None), ("purchase", 2, 15 * 60.0)]
    past = client.get("/v1/funnels", params=query | {"step_where": "3:context.country=DE"},
                      headers=key)  # fmt: skip
    assert past.status_code == 400, past.text
    assert "numbered from 1 to 2" in past.text
    unnumbered = client.get("/v1/funnels", params=query | {"step_where": "context.country=DE"},
                            headers=key)  # fmt: skip
    assert unnumbered.status_code == 422, unnumbered.text


def test_funnel_entries_read_first_hours_from_event_hours(reader) -> None:
    """Without a filter or with a country filter the entries' first hours come from
    event_hours: moving one id's stored hour by one changes that answer and not the one
    read from the events alone. Entries in the range's partial first hour and in the
    hour of ``until`` count by their own times, and a country filter picks the first
    event of that country within the id's first hour with one (seen in the breakdown's
    first-touch value of an entrant who never went on)."""
    client, engine, key = reader
    since, until = BASE + timedelta(minutes=30), BASE + timedelta(hours=6, minutes=30)
    minutes = {"early": 10, "head": 40, "middle": 150, "last": 6 * 60 + 20,
               "too-late": 6 * 60 + 45}  # fmt: skip
    events = [Raw(user, "page_view", BASE + timedelta(minutes=m), "DE", None)
              for user, m in minutes.items()]  # fmt: skip
    events += [Raw("mixed", "page_view", BASE + timedelta(minutes=m), country, None)
               for m, country in ((65, "FR"), (130, "DE"))]  # fmt: skip
    events += [Raw(user, "purchase", BASE + timedelta(hours=8), "DE", None)
               for user in minutes]  # fmt: skip
    _store_for_funnels(engine, events, [])
    steps = ["page_view", "purchase"]
    query = {"steps": steps, "window_s": 86_400, "since": since.isoformat(),
             "until": until.isoformat()}  # fmt: skip
    in_de = query | {"where": ["context.country=DE"]}
    args = dict(steps=steps, window=timedelta(days=1), since=since, until=until)
    expected, expected_de = funnel(events, **args), funnel(events, **args, country="DE")
    assert [n for _, n, _ in expected] == [4, 3]  # head, middle, last; mixed
    hourly = dict(zone="UTC", interval="hour")
    by_hour = funnel_over_time(events, **args, **hourly)
    by_hour_de = funnel_over_time(events, **args, **hourly, country="DE")
    assert by_hour != by_hour_de  # mixed enters at 01:05 (FR), or at 02:10 in DE
    assert _funnel(client, key, query) == expected
    assert _funnel(client, key, in_de) == expected_de
    everywhere = {"where": [EVERYWHERE]}
    de_everywhere = {"where": ["context.country=DE", EVERYWHERE]}
    asked = ((query, by_hour), (in_de, by_hour_de), (query | everywhere, by_hour),
             (in_de | de_everywhere, by_hour_de))  # fmt: skip
    assert [_hourly(client, key, q) for q, _ in asked] == [want for _, want in asked]
    by_country = query | {"breakdown": "context.country"}
    groups = _funnel_groups(client, key, by_country)
    assert groups == funnel_groups(events, **args)  # mixed in FR, its first entry's
    with engine.begin() as conn:  # mixed's hours one later: 02:00 (FR: 02:10) and 03:00 (DE)
        conn.execute(
            text("UPDATE event_hours SET hour = hour + interval '1 hour' WHERE user_id = 'mixed'")
        )  # fmt: skip
    assert _funnel_groups(client, key, by_country) != groups  # its first hour holds a DE one
    assert _funnel(client, key, in_de) != expected_de  # no DE event in 03:00-04:00
    assert _funnel_groups(client, key, by_country | everywhere) == groups
    assert _funnel(client, key, in_de | de_everywhere) == expected_de


def _hourly(client, key, query: dict) -> list[tuple[str, list[int]]]:
    answer = client.get("/v1/funnels", params=query | {"interval": "hour"}, headers=key)
    assert answer.status_code == 200, answer.text
    return [(p["start"], p["users"]) for p in answer.json()["over_time"]]


def _us(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def store_sessions(engine: Engine, events: list[Raw]) -> list[dict]:
    """Replace the processor's sessions with one per id and calendar day of ``events``
    (the table's rows as the processor writes them; its sessionizer has its own tests)."""
    days: dict[tuple[str, object], list[Raw]] = {}
    for e in events:
        days.setdefault((e.user_id, e.occurred_at.date()), []).append(e)
    rows = [
        {"session_id": str(uuid.uuid4()), "user_id": user,
         "started_at": _us(min(e.occurred_at for e in day)),
         "ended_at": _us(max(e.occurred_at for e in day)), "events": len(day), "page_views": 0,
         "entry_page": "/", "exit_page": "/", "converted": False, "revenue_cents": 0,
         "purchases": 0, "final": True}
        for (user, _), day in days.items()
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(delete(SESSIONS))
        if rows:
            conn.execute(insert(SESSIONS), rows)
    return rows


def test_user_profiles_and_search_equal_the_oracle(reader) -> None:
    client, engine, key = reader

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events=raw_events, prefix=st.sampled_from(["", "u", "u1", "u%", "x"]), links=link_lists)
    def check(events, prefix, links) -> None:
        persons = store(engine, events, links)
        sessions = store_sessions(engine, events)
        with engine.begin() as conn:  # what the consumer maintains, by its definition
            conn.execute(delete(UserStats.__table__))
            stats = recomputed_stats(conn)
            if stats:
                conn.execute(
                    insert(UserStats.__table__), [{"user_id": u, **v} for u, v in stats.items()]
                )
        users = sorted({e.user_id for e in events})
        found = client.get("/v1/users", params={"prefix": prefix, "limit": 200}, headers=key)
        assert found.json()["user_ids"] == [u for u in users if u.startswith(prefix)]
        for user in users:  # a profile is the person's, asked by any of its ids
            mine = [e for e in events if persons.person(e.user_id) == persons.person(user)]
            body = client.get(f"/v1/users/{user}", headers=key).json()
            assert body["person_id"] == persons.person(user)
            linked = [i for i, p in persons.person_of.items() if p == persons.person(user)]
            assert body["distinct_ids"] == sorted({user, *linked})
            assert body["total_events"] == len(mine)
            assert body["total_spent_cents"] == sum(
                e.amount_cents or 0 for e in mine if e.event_type == "purchase"
            )
            by_type: dict[str, int] = {}
            for e in mine:
                by_type[e.event_type] = by_type.get(e.event_type, 0) + 1
            assert body["events_by_type"] == by_type
            assert datetime.fromisoformat(body["first_seen_at"]) == min(e.occurred_at for e in mine)
            assert datetime.fromisoformat(body["last_seen_at"]) == max(e.occurred_at for e in mine)
            newest = sorted((e.occurred_at for e in mine), reverse=True)[:20]
            assert [datetime.fromisoformat(t["occurred_at"]) for t in body["timeline"]] == newest
            # the sessions of every id of the person, the one before sign-in included
            theirs = [r for r in sessions if r["user_id"] in body["distinct_ids"]]
            assert body["sessions"]["sessions"] == len(theirs)
            assert body["sessions"]["median_duration_s"] == pytest.approx(
                statistics.median((r["ended_at"] - r["started_at"]) / 1e6 for r in theirs)
            )
            assert body["sessions"]["events_per_session"] == pytest.approx(
                statistics.mean(r["events"] for r in theirs)
            )
            assert body["sessions"]["bounce_rate"] == pytest.approx(
                sum(r["events"] == 1 for r in theirs) / len(theirs)
            )
            recent = sorted(theirs, key=lambda r: (r["started_at"], r["session_id"]), reverse=True)
            assert [r["session_id"] for r in body["recent_sessions"]] == [
                r["session_id"] for r in recent[:5]
            ]
        assert client.get("/v1/users/nobody", headers=key).status_code == 404

    check()


def test_linked_ids_are_counted_as_one_person_by_every_question(reader) -> None:
    """Two people browse anonymously and sign in (one on the next day buys): every
    question counts 2 persons where the ids alone would be 4 (or 3 with an event)."""
    client, engine, key = reader
    at = BASE + timedelta(hours=30)
    events = [
        Raw("a1", "page_view", at, "DE", None),
        Raw("u1", "signup", at + timedelta(hours=1), "DE", None),
        Raw("u1", "purchase", at + timedelta(days=1), "DE", 500),
        Raw("a2", "page_view", at, "FR", None),
        Raw("u2", "page_view", at + timedelta(hours=2), "FR", None),
    ]
    links = [
        Link("identify", "u1", "a1", at + timedelta(hours=1), uuid.uuid4()),
        Link("identify", "u2", "a2", at + timedelta(hours=2), uuid.uuid4()),
    ]
    persons = store(engine, events, links)
    span = {"since": BASE.isoformat(), "until": (BASE + timedelta(days=3)).isoformat()}

    got = client.get(
        "/v1/funnels", params={"steps": ["page_view", "purchase"], **span}, headers=key
    ).json()
    assert [s["users"] for s in got["steps"]] == [2, 1]
    trend_query = {"event_type": "page_view", "metric": "unique_users", "interval": "week"}
    got = client.get("/v1/trends", params=trend_query | span, headers=key).json()
    assert [p["value"] for s in got["series"] for p in s["points"]] == [2]
    got = client.get(
        "/v1/retention",
        params={"start_event": "page_view", "return_event": "purchase", "period": "day",
                "periods": 3, **span},
        headers=key,
    ).json()  # fmt: skip
    assert [c["counts"] for c in got["cohorts"]] == [[2, 1, 0]]
    # the oracles say the same when they resolve persons, and otherwise would not
    flt = dict(since=BASE, until=BASE + timedelta(days=3))
    steps = dict(steps=["page_view", "purchase"], window=timedelta(days=14), **flt)
    assert [n for _, n, _ in funnel(events, person=persons.person, **steps)] == [2, 1]
    assert [n for _, n, _ in funnel(events, **steps)] == [3, 0]

    with engine.begin() as conn:
        conn.execute(delete(UserStats.__table__))
        stats = recomputed_stats(conn)
        conn.execute(insert(UserStats.__table__), [{"user_id": u, **v} for u, v in stats.items()])
    store_sessions(engine, events)  # a1's browse, u1's sign-up that day, u1's purchase
    profile = client.get("/v1/users/a1", headers=key).json()
    assert (profile["person_id"], profile["distinct_ids"]) == ("u1", ["a1", "u1"])
    assert profile["total_events"] == 3
    assert profile["total_spent_cents"] == 500
    assert profile["sessions"]["sessions"] == 3
    assert [s["user_id"] for s in profile["recent_sessions"]] == ["u1", "u1", "a1"]
    for asked in ("a1", "u1"):  # either id lists the person's sessions, and only theirs
        page = client.get("/v1/sessions", params={"user_id": asked}, headers=key).json()
        assert [s["user_id"] for s in page["sessions"]] == ["u1", "u1", "a1"]
        got = client.get("/v1/sessions/stats", params={"user_id": asked}, headers=key).json()
        assert got["sessions"] == 3
    other = client.get("/v1/sessions/stats", params={"user_id": "a2"}, headers=key).json()
    assert other["sessions"] == 2


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_events_whose_local_date_leaves_the_calendar_are_left_out_not_errors(
    reader, zone: str
) -> None:
    """In Los Angeles' local mean time (-7:52:58) the calendar's first UTC hours are
    still year 0, in Kolkata's (+5:30 by then) its last are year 10000: no local bucket
    can be named for their events (trends, retention, funnels and weekly active users
    of them were a 500). Each question leaves them out."""
    client, engine, key = reader
    ends = (datetime(1, 1, 1, 3, tzinfo=UTC), datetime(9999, 12, 31, 22, tzinfo=UTC))
    store(engine, [Raw("u1", kind, at + timedelta(minutes=i), None, 100, score=5)
                   for at in ends for i, kind in enumerate(("signup", "purchase"))])  # fmt: skip
    spans = ({"until": "0001-01-03T00:00:00Z"},
             {"since": "9999-12-29T00:00:00Z", "until": "9999-12-31T23:00:00Z"})  # fmt: skip
    for span in spans:
        common = {"timezone": zone, **span}
        questions = [
            ("/v1/trends", {"event_type": "signup", "interval": "day", "compare": True}),
            ("/v1/trends", {"event_type": "signup", "metric": "weekly_active"}),
            ("/v1/trends", {"event_type": "signup", "metric": "avg_per_user"}),
            ("/v1/trends", {"event_type": "signup", "metric": "avg", "property": "amount_cents"}),
            ("/v1/retention", {"start_event": "signup", "return_event": "purchase"}),
            ("/v1/funnels", {"steps": ["signup", "purchase"], "interval": "day"}),
            ("/v1/lifecycle", {"event": "signup"}),
            ("/v1/stickiness", {"event": "signup", "compare": True}),
        ]  # fmt: skip
        for path, query in questions:
            answer = client.get(path, params=query | common, headers=key)
            assert answer.status_code == 200, f"{path} {query} {common}: {answer.text}"
    # the same events in UTC are there to count
    utc = {"event_type": "signup", "interval": "day", "until": "0001-01-03T00:00:00Z"}
    series = client.get("/v1/trends", params=utc, headers=key).json()["series"]
    assert [p["value"] for s in series for p in s["points"]] == [1]


@pytest.mark.parametrize("zone", ["UTC", "GB", "America/Los_Angeles", "Asia/Kolkata"])
def test_ranges_at_the_ends_of_the_calendar_get_answers_not_errors(reader, zone: str) -> None:
    """A range that reaches year 1 or year 9999 (the API clamps an open end to them) is
    answered from the events, in any zone: in local mean time London's year 1 begins
    before the calendar's, which the hour rows' check once tripped over with a 500."""
    client, engine, key = reader
    store(engine, [Raw("u1", "signup", BASE, None, None)])
    first, last = "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"
    spans = ({"until": first}, {"since": last}, {"since": first, "until": first},
             {"since": first, "until": last})  # fmt: skip
    for span in spans:
        common = {"timezone": zone, **span}
        questions = [
            *(("/v1/retention", {"start_event": "signup", "return_event": "signup",
                                 "period": period, "periods": 2})
              for period in ("day", "week", "month")),
            *(("/v1/trends", {"event_type": "signup", "interval": interval, "compare": True})
              for interval in ("minute", "hour", "day", "week", "month")),
            *(("/v1/trends", {"event_type": "signup", "metric": metric, "compare": True})
              for metric in ("weekly_active", "monthly_active", "avg_per_user", "p90_per_user")),
            *(("/v1/trends", {"event_type": "signup", "metric": metric, "compare": True,
                              "property": "amount_cents", "interval": "month"})
              for metric in ("sum", "median")),
            ("/v1/paths", {}),
            ("/v1/funnels", {"steps": ["signup", "purchase"]}),
            *(("/v1/funnels", {"steps": ["signup", "purchase"], "interval": interval,
                               "exclude": "1:2:signup"})
              for interval in ("hour", "month")),
            ("/v1/events", {}),
            ("/v1/sessions", {}),
            ("/v1/sessions/stats", {}),
            ("/v1/anomalies", {}),
        ]  # fmt: skip
        for path, query in questions:
            listing = path.startswith(("/v1/events", "/v1/sessions", "/v1/anomalies", "/v1/paths"))
            # listings take no time zone: they return moments, not local buckets
            answer = client.get(path, params=query | (span if listing else common), headers=key)
            assert answer.status_code == 200, f"{path} {common}: {answer.text}"
        for insight in ("/v1/lifecycle", "/v1/stickiness"):
            for period in ("day", "week", "month"):
                asked = {"event": "signup", "period": period, **common}
                if insight == "/v1/stickiness":
                    asked["compare"] = "true"
                lived = client.get(insight, params=asked, headers=key)
                assert lived.status_code == 200, f"{insight} {asked}: {lived.text}"
