"""``GET /v1/trends/formula``: a formula over several series equals the same formula
worked out in plain Python over the oracle's series, and a later series split by series
A's groups reads each group's own events, for every kind of metric."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from analytics_oracles import Raw, trend
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.integration

BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # spans the European DST change (Mar 29)
SPAN_MIN = 4 * 24 * 60
SINCE, UNTIL = BASE + timedelta(hours=3, minutes=17), BASE + timedelta(minutes=SPAN_MIN - 90)
COUNTRIES = ["DE", "FR", "US", None]

raw_event = st.builds(
    Raw,
    user_id=st.sampled_from([f"u{i}" for i in range(6)]),
    event_type=st.sampled_from(["purchase", "page_view", "signup"]),
    occurred_at=st.integers(0, SPAN_MIN).map(lambda m: BASE + timedelta(minutes=m)),
    country=st.sampled_from(COUNTRIES),
    amount_cents=st.one_of(st.none(), st.integers(0, 10_000)),
)


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


FORMULAS: dict[str, Callable[[float, float, float], float]] = {
    "A": lambda a, b, c: a,
    "B / A": lambda a, b, c: _div(b, a),
    "(A - B) * 2": lambda a, b, c: (a - b) * 2,
    "a + b + c": lambda a, b, c: a + b + c,
    "B / (A - C) * 100": lambda a, b, c: _div(b, a - c) * 100,
    "-C / 4 + 1": lambda a, b, c: -c / 4 + 1,
}
"""Each formula beside its plain-Python reading (PostHog's division by zero is 0)."""
SERIES = st.tuples(
    st.sampled_from(["count", "unique_users", "amount_sum"]),
    st.sampled_from(["purchase", "page_view"]),
)
SERIES_WHERE: dict[str, Callable[[Raw], bool]] = {
    "B:context.country=DE": lambda e: e.country == "DE",
    "B:context.country!=FR": lambda e: e.country != "FR",
}


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _ask(client, key, query: dict) -> dict[tuple[str, str | None], float]:
    answer = client.get("/v1/trends/formula", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {(p["bucket"], s["group"]): p["value"] for s in body["series"] for p in s["points"]}


def _close(got: dict, expected: dict) -> bool:
    return got.keys() == expected.keys() and all(
        math.isclose(got[k], expected[k], rel_tol=1e-12, abs_tol=1e-12) for k in got
    )


def formula_oracle(
    events: list[Raw], *, formula: str, series: list[tuple[str, str]], series_where: str | None,
    zone: str, interval: str, by_country: bool, top: int,
) -> dict[tuple[str, str | None], float]:  # fmt: skip
    """{(bucket ISO, group): value}: each series by the trend oracle (B and C split by
    A's groups), the formula in every cell one of the read series has."""
    reads = {letter for letter in "ABC" if letter in formula.upper()}
    found: dict[str, dict[tuple[str, str | None], int]] = {}
    groups: int | tuple[str, ...] = top
    for letter, (metric, event_type) in zip("ABC", series, strict=True):
        own = events
        if letter == "B" and series_where is not None:
            own = [e for e in events if SERIES_WHERE[series_where](e)]
        found[letter] = trend(
            own, event_type=event_type, since=SINCE, until=UNTIL, zone=zone,
            interval=interval, metric=metric, by_country=by_country, top=groups,
        )  # fmt: skip
        if letter == "A":
            groups = tuple({g for _, g in found["A"] if g is not None} - {"(other)"})
    cells = {cell for letter in reads for cell in found[letter]}
    work = FORMULAS[formula]
    return {cell: work(*(float(found[letter].get(cell, 0)) for letter in "ABC")) for cell in cells}


def test_formulas_equal_the_oracle(reader) -> None:
    client, engine, key = reader

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(raw_event, min_size=10, max_size=60),
        formula=st.sampled_from(sorted(FORMULAS)),
        series=st.lists(SERIES, min_size=3, max_size=3),
        series_where=st.sampled_from([None, *SERIES_WHERE]),
        zone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]),
        interval=st.sampled_from(["hour", "day", "week"]),
        by_country=st.booleans(),
        top=st.integers(1, 3),
    )
    def check(events, formula, series, series_where, zone, interval, by_country, top) -> None:
        store(engine, events)
        query = {
            "series": [f"{metric}:{event_type}" for metric, event_type in series],
            "formula": formula, "timezone": zone, "interval": interval, "top": top,
            "since": SINCE.isoformat(), "until": UNTIL.isoformat(),
        } | ({"breakdown": "context.country"} if by_country else {}) | (
            {"series_where": series_where} if series_where else {}
        )  # fmt: skip
        args = dict(formula=formula, series=series, series_where=series_where, zone=zone,
                    interval=interval, by_country=by_country, top=top)  # fmt: skip
        expected = formula_oracle(events, **args)
        assert _close(_ask(client, key, query), expected)
        # the comparison can fail: a newcomer's event of each series in the first cell
        # counted adds at least 1 to every series there, so to their sum
        counted = [e for e in events if SINCE <= e.occurred_at < UNTIL
                   and e.event_type in {t for _, t in series}]  # fmt: skip
        if counted and formula == "a + b + c":
            extra = [Raw("newcomer", t, counted[0].occurred_at, "DE", 7_000) for _, t in series]
            assert not _close(formula_oracle([*events, *extra], **args), expected)

    check()


def _events(n: int) -> list[Raw]:
    """Page views and purchases of 12 people over 4 days, most in DE, then FR, no
    country, US; US and FR purchases are the large ones, so ranking countries by amount
    picks others than ranking them by events or users."""
    countries = ["DE"] * 4 + ["FR"] * 3 + [None] * 2 + ["US"]
    amounts = {"US": 1_000_000, "FR": 500_000}
    return [
        Raw(f"u{i % 12}", "purchase" if i % 3 == 0 else "page_view",
            BASE + timedelta(minutes=(i * 977) % SPAN_MIN), countries[i % 10],
            amounts.get(countries[i % 10] or "", 10))
        for i in range(n)
    ]  # fmt: skip


def _group_filter(group: str | None, kept: tuple[str, ...]) -> list[str]:
    """The ``where`` items that keep one group's events, as the breakdown names it."""
    if group == "(none)":
        return ["!context.country"]
    if group == "(other)":
        items = [f"context.country!={g}" for g in kept if g != "(none)"]
        return items + (["context.country"] if "(none)" in kept else [])
    return [f"context.country={group}"]


@pytest.mark.parametrize(
    "series_b",
    ["count:purchase", "unique_users:purchase", "weekly_active:purchase",
     "avg(amount_cents):purchase", "p90_per_user:page_view", "amount_sum:page_view"],
)  # fmt: skip
def test_a_later_series_is_split_by_series_as_groups(reader, series_b: str) -> None:
    """B's line of a group equals B asked alone over that group's events: whatever the
    metric, B is split by A's top groups, not its own."""
    client, engine, key = reader
    store(engine, _events(400))
    common = {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "interval": "day",
              "timezone": "Europe/Berlin"}  # fmt: skip
    # A ranks countries by purchases' amounts; B's own top countries would differ
    a = client.get("/v1/trends", headers=key, params=common | {
        "event_type": "purchase", "metric": "amount_sum", "breakdown": "context.country",
        "top": 2})  # fmt: skip
    kept = tuple(sorted({s["group"] for s in a.json()["series"]} - {"(other)"}))
    assert len(kept) == 2
    got = _ask(client, key, common | {
        "series": ["amount_sum:purchase", series_b], "formula": "B",
        "breakdown": "context.country", "top": 2})  # fmt: skip
    assert {group for _, group in got} <= {*kept, "(other)"}
    metric, _, event_type = series_b.partition(":")
    metric, _, measured = metric.partition("(")
    expected: dict[tuple[str, str | None], float] = {}
    for group in (*kept, "(other)"):
        alone = client.get("/v1/trends", headers=key, params=common | {
            "event_type": event_type, "metric": metric, "where": _group_filter(group, kept),
        } | ({"property": measured.rstrip(")")} if measured else {}))  # fmt: skip
        assert alone.status_code == 200, alone.text
        for line in alone.json()["series"]:
            expected |= {(p["bucket"], group): p["value"] for p in line["points"]}
    assert expected
    assert _close(got, expected)
    # B split by its own top countries reads differently (so the test can fail)
    own = client.get("/v1/trends", headers=key, params=common | {
        "event_type": event_type, "metric": metric, "breakdown": "context.country", "top": 2,
    } | ({"property": measured.rstrip(")")} if measured else {}))  # fmt: skip
    by_own = {(p["bucket"], s["group"]): p["value"] for s in own.json()["series"]
              for p in s["points"]}  # fmt: skip
    if {s["group"] for s in own.json()["series"]} != {*kept, "(other)"}:
        assert not _close(by_own, expected)


def test_compare_works_the_formula_out_over_the_range_before(reader) -> None:
    client, engine, key = reader
    store(engine, _events(300))
    middle = BASE + timedelta(days=2)
    query = {"series": ["unique_users:page_view", "unique_users:purchase"],
             "formula": "B / A * 100", "since": middle.isoformat(),
             "until": (middle + timedelta(days=2)).isoformat(), "compare": "true"}  # fmt: skip
    answer = client.get("/v1/trends/formula", params=query, headers=key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [i["letter"] for i in body["inputs"]] == ["A", "B"]
    assert body["previous"]["until"] == middle.isoformat()
    earlier = _ask(client, key, query | {"compare": "false", "since": BASE.isoformat(),
                                         "until": middle.isoformat()})  # fmt: skip
    previous = {(p["bucket"], s["group"]): p["value"] for s in body["previous"]["series"]
                for p in s["points"]}  # fmt: skip
    assert previous
    assert previous == earlier


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"series": ["count:a"], "formula": "A ** 2"}, "not 'A ** 2'"),
        ({"series": ["count:a"], "formula": "A + B"}, "reads series B, but 1 series"),
        ({"series": ["count:a", "avg:b"], "formula": "A"}, "series B (avg:b): metric=avg"),
        ({"series": ["count:a"] * 11, "formula": "A"}, "11 series asked"),
        ({"series": ["count:a"], "formula": "A", "series_where": "B:context.country=DE"},
         "the 1 series (A to A)"),
        ({"series": ["weekly_active:a"], "formula": "A", "interval": "week"},
         "use interval=day"),
    ],
)  # fmt: skip
def test_bad_questions_get_a_400_that_says_what_is_wrong(reader, query: dict, says: str) -> None:
    client, _, key = reader
    answer = client.get("/v1/trends/formula", params=query, headers=key)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["detail"]
