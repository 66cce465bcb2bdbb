"""``GET /v1/trends`` with property math (sum, avg, min, max, median, p90, p95, p99 of a
number the events carry) and with count-per-user math equals a plain-Python oracle."""

from __future__ import annotations

import math as maths
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from analytics_oracles import Raw, local_bucket
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtide.core.identity import Link

pytestmark = pytest.mark.integration

BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # spans the European DST change (Mar 29)
SPAN_MIN = 4 * 24 * 60
SINCE, UNTIL = BASE + timedelta(hours=3, minutes=17), BASE + timedelta(minutes=SPAN_MIN - 90)
MATHS = ["sum", "avg", "min", "max", "median", "p90", "p95", "p99"]
PERCENTILES = {"median": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,4})?", re.ASCII)


def _number(e: Raw, measured: str) -> float | None:
    """docs/api.md's rule, apart from the SQL: ``amount_cents``, or the property's JSON
    number or numeric string where a double holds it; anything else is no number."""
    if measured == "amount_cents":
        return None if e.amount_cents is None else float(e.amount_cents)
    value = e.score
    if value is None or isinstance(value, bool) or not _DECIMAL.fullmatch(str(value)):
        return None
    exact = Decimal(str(value))
    if exact != 0 and not Decimal("1e-307") <= abs(exact) <= Decimal("1e308"):
        return None
    return float(exact)


def _aggregate(math: str, values: list[float]) -> float:
    if math in PERCENTILES:  # interpolated as PostgreSQL's percentile_cont, step by step
        ordered = sorted(values)
        at = PERCENTILES[math] * (len(ordered) - 1)
        low, high = ordered[maths.floor(at)], ordered[maths.ceil(at)]
        return low + (high - low) * (at - maths.floor(at))
    if math == "avg":
        return sum(values) / len(values)
    return {"sum": sum, "min": min, "max": max}[math](values)


def property_trend(
    events: list[Raw], *, event_type: str, math: str, measured: str, zone: str,
    interval: str, by_country: bool, top: int,
) -> dict[tuple[str, str | None], float]:  # fmt: skip
    """{(bucket, group): value}, as the API answers."""
    numbers = [
        (local_bucket(e.occurred_at, zone, interval).isoformat(),
         (e.country or "(none)") if by_country else None, x)
        for e in events
        if e.event_type == event_type and SINCE <= e.occurred_at < UNTIL
        and (x := _number(e, measured)) is not None
    ]  # fmt: skip
    if by_country:
        totals: dict[str, list[float]] = defaultdict(list)
        for _, group, x in numbers:
            totals[group].append(x)
        ranked = sorted(totals, key=lambda g: (-_aggregate(math, totals[g]), g.encode()))
        kept = set(ranked[:top])
        numbers = [(b, g if g in kept else "(other)", x) for b, g, x in numbers]
    cells: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    for bucket, group, x in numbers:
        cells[bucket, group].append(x)
    return {cell: _aggregate(math, values) for cell, values in cells.items()}


def _ask(client, key, query: dict) -> dict[tuple[str, str | None], float]:
    answer = client.get("/v1/trends", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {(p["bucket"], s["group"]): p["value"] for s in body["series"] for p in s["points"]}


def _close(got: dict, expected: dict) -> bool:
    return got.keys() == expected.keys() and all(
        maths.isclose(got[k], expected[k], rel_tol=1e-12, abs_tol=1e-12) for k in got
    )


SCORES = st.one_of(
    st.none(), st.integers(-5, 120), st.booleans(),
    st.sampled_from(["100", "2.50", ".5", "1e2", "-0", "abc", " 7", "NaN", "1e400", "1e-400"]),
)  # fmt: skip
purchase = st.builds(
    Raw,
    user_id=st.sampled_from([f"u{i}" for i in range(5)]),
    event_type=st.sampled_from(["purchase", "purchase", "page_view"]),
    occurred_at=st.integers(0, SPAN_MIN).map(lambda m: BASE + timedelta(minutes=m)),
    country=st.sampled_from(["DE", "FR", "US", None]),
    amount_cents=st.one_of(st.none(), st.integers(0, 10_000)),
    score=SCORES,
)


@pytest.mark.parametrize("math", MATHS)
def test_property_math_equals_the_oracle(reader, math: str) -> None:
    client, engine, key = reader

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(purchase, max_size=40),
        measured=st.sampled_from(["properties.score", "amount_cents"]),
        interval=st.sampled_from(["hour", "day", "week", "month"]),
        zone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]),
        by_country=st.booleans(),
        top=st.integers(1, 3),
    )
    def check(events, measured, interval, zone, by_country, top) -> None:
        store(engine, events)
        query = {"event_type": "purchase", "metric": math, "property": measured,
                 "interval": interval, "timezone": zone, "top": top,
                 "since": SINCE.isoformat(), "until": UNTIL.isoformat()}  # fmt: skip
        if by_country:
            query["breakdown"] = "context.country"
        args = dict(event_type="purchase", math=math, measured=measured, zone=zone,
                    interval=interval, by_country=by_country, top=top)  # fmt: skip
        expected = property_trend(events, **args)
        assert _close(_ask(client, key, query), expected)
        # the comparison can fail: more far-off numbers than there were in a counted
        # bucket (far smaller for min) move every math of it
        counted = [e for e in events if e.event_type == "purchase"
                   and SINCE <= e.occurred_at < UNTIL
                   and _number(e, measured) is not None]  # fmt: skip
        if counted:
            far = -(10**9) if math == "min" else 10**9
            extra = [Raw("x", "purchase", counted[0].occurred_at, counted[0].country, far,
                         score=far)] * (len(counted) + 1)  # fmt: skip
            assert not _close(property_trend([*events, *extra], **args), expected)

    check()


def test_each_math_of_plain_numbers(reader) -> None:
    """1, 2, 3 and 4 (a JSON number, numeric strings) in one day, and beside them values
    that are no number to math: text, a boolean, one past a double; a day with only
    such values has no point."""
    client, engine, key = reader
    day = SINCE + timedelta(hours=1)
    scores = [1, "2", "3.0", 4, "abc", True, "1e400", None]
    events = [Raw("u", "purchase", day, "DE", None, score=s) for s in scores]
    events += [Raw("u", "purchase", day + timedelta(days=1), "DE", None, score="n/a")]
    store(engine, events)
    query = {"event_type": "purchase", "property": "properties.score", "interval": "day",
             "since": SINCE.isoformat(), "until": UNTIL.isoformat()}  # fmt: skip
    got = {m: list(_ask(client, key, query | {"metric": m}).values()) for m in MATHS}
    assert got == {"sum": [10.0], "avg": [2.5], "min": [1.0], "max": [4.0],
                   "median": [2.5], "p90": [pytest.approx(3.7)], "p95": [pytest.approx(3.85)],
                   "p99": [pytest.approx(3.97)]}  # fmt: skip
    bare = {k: v for k, v in query.items() if k != "property"}
    for asked, says in (
        (bare | {"metric": "avg"}, "needs the number it reads"),
        (query | {"metric": "count"}, "is read by metric=sum"),
    ):
        answer = client.get("/v1/trends", params=asked, headers=key)
        assert answer.status_code == 400, answer.text
        assert says in answer.json()["detail"]
    answer = client.get("/v1/trends", params=query | {"property": "price"}, headers=key)
    assert answer.status_code == 422, answer.text


def per_user_trend(
    events: list[Raw], *, math: str, zone: str, interval: str, by_country: bool, top: int,
    person,
) -> dict[tuple[str, str | None], float]:  # fmt: skip
    """{(bucket, group): value} of ``<math>_per_user`` over page views: the math of each
    person's count of events in the bucket (and group)."""
    counted = [
        (local_bucket(e.occurred_at, zone, interval).isoformat(),
         (e.country or "(none)") if by_country else None, person(e.user_id))
        for e in events
        if e.event_type == "page_view" and SINCE <= e.occurred_at < UNTIL
    ]  # fmt: skip
    if by_country:
        over_range: dict[tuple[str, str], int] = defaultdict(int)
        for _, group, who in counted:
            over_range[group, who] += 1
        totals: dict[str, list[float]] = defaultdict(list)
        for (group, _), n in over_range.items():
            totals[group].append(n)
        ranked = sorted(totals, key=lambda g: (-_aggregate(math, totals[g]), g.encode()))
        kept = set(ranked[:top])
        counted = [(b, g if g in kept else "(other)", who) for b, g, who in counted]
    per_cell: dict[tuple[str, str | None, str], int] = defaultdict(int)
    for cell in counted:
        per_cell[cell] += 1
    cells: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    for (bucket, group, _), n in per_cell.items():
        cells[bucket, group].append(n)
    return {cell: _aggregate(math, counts) for cell, counts in cells.items()}


@pytest.mark.parametrize("math", ["avg", "min", "max", "median", "p90"])
def test_per_user_math_equals_the_oracle(reader, math: str) -> None:
    """From the hour rows where the zone allows (each id's count per hour) and from the
    events in Asia/Kolkata; persons of linked ids counted as one."""
    client, engine, key = reader

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(purchase, max_size=40),
        interval=st.sampled_from(["hour", "day", "week"]),
        zone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]),
        by_country=st.booleans(),
        top=st.integers(1, 3),
        links=st.lists(st.builds(Link, kind=st.just("identify"),
                                 user_id=st.sampled_from([f"u{i}" for i in range(5)]),
                                 other_id=st.sampled_from([f"u{i}" for i in range(5)]),
                                 occurred_at=st.just(BASE), event_id=st.uuids()),
                       max_size=2),
    )  # fmt: skip
    def check(events, interval, zone, by_country, top, links) -> None:
        persons = store(engine, events, links)
        query = {"event_type": "page_view", "metric": f"{math}_per_user", "interval": interval,
                 "timezone": zone, "top": top, "since": SINCE.isoformat(),
                 "until": UNTIL.isoformat()}  # fmt: skip
        if by_country:
            query["breakdown"] = "context.country"
        args = dict(math=math, zone=zone, interval=interval, by_country=by_country, top=top,
                    person=persons.person)  # fmt: skip
        expected = per_user_trend(events, **args)
        assert _close(_ask(client, key, query), expected)
        # the comparison can fail: one person with many more page views in a bucket moves
        # its average and maximum (a percentile may stay, as the minimum does)
        counted = [e for e in events
                   if e.event_type == "page_view" and SINCE <= e.occurred_at < UNTIL]  # fmt: skip
        if counted and math in ("avg", "max"):
            extra = [Raw("busy", "page_view", counted[0].occurred_at, counted[0].country,
                         None)] * (10 * len(counted) + 10)  # fmt: skip
            assert not _close(per_user_trend([*events, *extra], **args), expected)

    check()


def test_each_per_user_math_of_plain_counts(reader) -> None:
    """In one day u1 views 3 pages, u2 one; u3 is u1 signed in (2 more views, the same
    person: 5); u4 views none and takes no part."""
    client, engine, key = reader
    day = SINCE + timedelta(hours=1)
    views = {"u1": 3, "u2": 1, "u3": 2}
    events = [Raw(u, "page_view", day + timedelta(minutes=i), "DE", None)
              for u, n in views.items() for i in range(n)]  # fmt: skip
    events.append(Raw("u4", "signup", day, "DE", None))
    store(engine, events, [Link("identify", "u1", "u3", day, uuid4())])
    query = {"event_type": "page_view", "interval": "day", "since": SINCE.isoformat(),
             "until": UNTIL.isoformat()}  # fmt: skip
    got = {
        m: list(_ask(client, key, query | {"metric": f"{m}_per_user"}).values())
        for m in ("avg", "min", "max", "median", "p90")
    }
    assert got == {"avg": [3.0], "min": [1.0], "max": [5.0], "median": [3.0],
                   "p90": [pytest.approx(4.6)]}  # fmt: skip


def test_per_user_breakdowns_rank_over_the_range_and_merge_a_persons_other_groups(
    reader,
) -> None:
    """Hourly average page views per user by country, top 1. Over the range DE's one
    viewer made 2 views (1 an hour) and FR's made 2 and 1: DE ranks first (2 against
    1.5), though hour by hour its viewer made fewer. In ``(other)`` p4's views from the
    US and from GB in one hour are one person's 2."""
    client, engine, key = reader
    a, b = SINCE + timedelta(minutes=43), SINCE + timedelta(minutes=103)  # two hours
    events = [
        Raw("p1", "page_view", a, "DE", None), Raw("p1", "page_view", b, "DE", None),
        Raw("p2", "page_view", a, "FR", None), Raw("p2", "page_view", a, "FR", None),
        Raw("p3", "page_view", a, "FR", None),
        Raw("p4", "page_view", a, "US", None), Raw("p4", "page_view", a, "GB", None),
    ]  # fmt: skip
    store(engine, events)
    query = {"event_type": "page_view", "metric": "avg_per_user", "interval": "hour",
             "breakdown": "context.country", "top": 1, "since": SINCE.isoformat(),
             "until": UNTIL.isoformat()}  # fmt: skip
    hour_a, hour_b = (t.replace(minute=0, second=0).isoformat()[:19] for t in (a, b))
    assert _ask(client, key, query) == {
        (hour_a, "DE"): 1.0,
        (hour_a, "(other)"): pytest.approx(5 / 3),
        (hour_b, "DE"): 1.0,
    }
