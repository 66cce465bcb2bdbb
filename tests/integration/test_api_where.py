"""``where`` with PostHog's property operators: each one on plain events, and every
question answering a filtered range as it answers the events the filter keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from analytics_oracles import Raw
from api_helpers import Reader, reader_client, store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtide.core.identity import Link

pytestmark = pytest.mark.integration

BASE = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # spans the European DST change (Mar 29)
SPAN = timedelta(days=4)
SINCE, UNTIL = BASE + timedelta(hours=3, minutes=17), BASE + SPAN - timedelta(minutes=90)
"""Both ends inside an hour: whole hours from the hour rows, the partial ones from events."""
USERS = [f"u{i}" for i in range(5)]


@pytest.fixture
def reader(kafka_bootstrap: str, fresh_database_url: str) -> Iterator[Reader]:
    with reader_client(kafka_bootstrap, fresh_database_url) as found:
        yield found


def _labels(client, key, where: list[str]) -> set[str]:
    answer = client.get("/v1/events", params={"where": where, "limit": 1000,
                        "since": BASE.isoformat(), "until": (BASE + SPAN).isoformat()},
                        headers=key)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {e["user_id"] for e in answer.json()["events"]}


SCORED = {
    "int100": 100, "str101": "101", "neg": -2, "dec": "2.50", "exp": "1e3", "word": "abc",
    "space": " 5", "nan": "NaN", "huge": "1e99999", "true": True, "none": None,
    "long": "9" * 90 + "." + "5" * 20, "toolong": "9" * 101,
}  # fmt: skip
"""``long`` is a number of 111 characters (each part within 100 digits); ``toolong``
has 101 digits before its point, past the rule's bound: no number."""
COUNTRY = {"int100": "DE", "str101": "de", "dec": "Deutschland", "word": "FR"}
PAGE = {"int100": "/München/Zentrum", "str101": "/muenchen", "dec": "/PRODUCT/1"}


def test_each_operator_keeps_the_events_posthog_would(reader) -> None:
    client, engine, key = reader
    store(engine, [
        Raw(label, "page_view", BASE + timedelta(minutes=i), COUNTRY.get(label), None,
            PAGE.get(label), score)
        for i, (label, score) in enumerate(SCORED.items())
    ])  # fmt: skip
    everyone = set(SCORED)
    expected = {
        # numbers compare as numbers, JSON numbers and numeric strings alike; "abc", " 5",
        # "NaN", a boolean, an exponent past four digits and a missing one never match
        "properties.score>100": {"str101", "exp", "long"},
        "properties.score>=100": {"int100", "str101", "exp", "long"},
        "properties.score<0": {"neg"},
        "properties.score<=2.5": {"neg", "dec"},
        "properties.score>-1e4": {"int100", "str101", "neg", "dec", "exp", "long"},
        # equality is of the text; "is not" holds where the property is missing
        "properties.score=100": {"int100"},
        "properties.score=2.5": set(),
        "properties.score=true": {"true"},
        "properties.score!=100": everyone - {"int100"},
        "properties.score": everyone - {"none"},
        "!properties.score": {"none"},
        # contains: A-Z in either case, other letters as they are; "does not contain"
        # holds where the field is missing
        "properties.score*=E": {"exp", "huge", "true"},
        "properties.score!*=a": everyone - {"word", "nan"},
        "context.country*=de": {"int100", "str101", "dec"},
        "context.country!=DE": everyone - {"int100"},
        "!context.country": everyone - set(COUNTRY),
        "context.page*=münchen": {"int100"},
        "context.page*=MÜNCHEN": set(),
        "context.page*=product/": {"dec"},
        "context.page*=": set(PAGE),
        "context.page!*=": everyone - set(PAGE),
        "context.page*=%": set(),  # no pattern characters: % and _ are text
    }
    got = {where: _labels(client, key, [where]) for where in expected}
    assert got == expected
    # items are ANDed
    assert _labels(client, key, ["properties.score>0", "context.country!*=de"]) == {"exp", "long"}


@pytest.mark.parametrize(
    ("where", "detail"),
    [
        ("properties.score>abc", "> compares numbers"),
        ("properties.score>=NaN", ">= compares numbers"),
    ],
)
def test_a_numeric_operator_with_no_number_is_refused_saying_so(reader, where, detail) -> None:
    client, _, key = reader
    answer = client.get("/v1/events", params={"where": where}, headers=key)
    assert answer.status_code in (400, 422), answer.text
    assert "number" in answer.text or "pattern" in answer.text, answer.text
    if answer.status_code == 400:
        assert detail in answer.json()["detail"]


def test_missing_fields_count_as_not_equal_in_the_hour_rows_too(reader) -> None:
    client, engine, key = reader
    # whole hours (from the hour rows) and a partial one (from the events)
    at = [BASE + timedelta(hours=5), BASE + timedelta(hours=6), UNTIL - timedelta(minutes=5)]
    countries = ["DE", None, None]
    store(engine, [Raw(f"u{i}", "page_view", t, countries[i], None) for i, t in enumerate(at)])
    counts = {}
    for where in ("context.country!=DE", "!context.country", "context.country",
                  "context.country*=d", "context.country!*=d"):  # fmt: skip
        answer = client.get("/v1/trends", params={
            "event_type": "page_view", "interval": "day", "where": where,
            "since": SINCE.isoformat(), "until": UNTIL.isoformat()}, headers=key)  # fmt: skip
        assert answer.status_code == 200, answer.text
        counts[where] = sum(p["value"] for s in answer.json()["series"] for p in s["points"])
    assert counts == {
        "context.country!=DE": 2, "!context.country": 2, "context.country": 1,
        "context.country*=d": 1, "context.country!*=d": 2,
    }  # fmt: skip


# ---- every question: a filtered range is answered as the events the filter keeps ----

SCORES = st.one_of(
    st.none(), st.sampled_from([-1, 0, 2, 3, 99, 100, 101]), st.booleans(),
    st.sampled_from(["100", "2.50", "abc", "Abc", " 7", "1e2", "-0", "NaN", "1e99999", ".5"]),
)  # fmt: skip
event = st.builds(
    Raw,
    user_id=st.sampled_from(USERS),
    event_type=st.sampled_from(["page_view", "page_view", "purchase", "signup"]),
    occurred_at=st.integers(0, int(SPAN.total_seconds()) // 60).map(
        lambda m: BASE + timedelta(minutes=m)
    ),
    country=st.sampled_from(["DE", "de", "FR", "US", None]),
    amount_cents=st.one_of(st.none(), st.integers(0, 500)),
    page=st.sampled_from(["/a", "/A/b", "/b", "/checkout", None]),
    score=SCORES,
)
TEXT_FIELDS = ["context.country", "properties.market", "context.page", "properties.score"]
where_item = st.one_of(
    st.builds("{}{}{}".format, st.sampled_from(TEXT_FIELDS),
              st.sampled_from(["=", "!=", "*=", "!*="]),
              st.sampled_from(["DE", "de", "E", "/a", "", "U", "100", "true"])),
    st.builds("properties.score{}{}".format, st.sampled_from([">", ">=", "<", "<="]),
              st.sampled_from(["0", "2.5", "100", "-1", "1e2", "-0.5"])),
    st.builds("{}{}".format, st.sampled_from(["", "!"]), st.sampled_from(TEXT_FIELDS)),
)  # fmt: skip
QUESTIONS = ["count", "unique_by_country", "amount", "weekly_active", "lifecycle",
             "stickiness", "retention", "paths", "funnel", "events"]  # fmt: skip


def _text(e: Raw, field: str) -> str | None:
    """The field's text as PostgreSQL's ``->>`` gives it (JSON true is ``true``)."""
    value = {"context.country": e.country, "properties.market": e.country,
             "context.page": e.page, "properties.score": e.score}[field]  # fmt: skip
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,4})?", re.ASCII)
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def keeps(e: Raw, item: str) -> bool:
    """docs/api.md's ``where`` rules, written apart from the SQL."""
    if item.startswith("!"):
        return _text(e, item[1:]) is None
    field, op, value = re.fullmatch(
        r"([a-z]+\.[a-z_]+)(!\*=|\*=|!=|>=|<=|=|>|<)?(.*)", item
    ).groups()
    text = _text(e, field)
    if op is None:
        return text is not None
    if op in ("!=", "!*="):
        return text is None or not keeps(e, f"{field}{op[1:]}{value}")
    if text is None:
        return False
    if op == "=":
        return text == value
    if op == "*=":
        return value.translate(_FOLD) in text.translate(_FOLD)
    if not _DECIMAL.fullmatch(text):
        return False
    number, bound = Decimal(text), Decimal(value)
    return {">": number > bound, ">=": number >= bound,
            "<": number < bound, "<=": number <= bound}[op]  # fmt: skip


def _ask(
    client, key, question: str, where: list[str], zone: str, where_any: list[str] | None = None
) -> object:
    common = {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "timezone": zone,
              "where": where, "where_any": where_any or []}  # fmt: skip
    route, query = {
        "count": ("trends", {"event_type": "page_view", "interval": "hour"}),
        "unique_by_country": ("trends", {"event_type": "page_view", "metric": "unique_users",
                                         "interval": "day", "breakdown": "context.country",
                                         "top": 2}),
        "amount": ("trends", {"event_type": "purchase", "metric": "amount_sum",
                              "interval": "day", "compare": "true"}),
        "weekly_active": ("trends", {"event_type": "page_view", "metric": "weekly_active",
                                     "interval": "day"}),
        "lifecycle": ("lifecycle", {"event": "page_view", "period": "day"}),
        "stickiness": ("stickiness", {"event": "page_view", "period": "day"}),
        "retention": ("retention", {"start_event": "signup", "return_event": "page_view",
                                    "period": "day", "periods": 4}),
        "paths": ("paths", {"include": ["pages", "events"]}),
        "funnel": ("funnels", {"steps": ["signup", "page_view", "purchase"],
                               "step_where": [f"{n}:{w}" for n in (2, 3) for w in where]}),
        "events": ("events", {"limit": 1000}),
    }[question]  # fmt: skip
    answer = client.get(f"/v1/{route}", params=common | query, headers=key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if question == "events":  # ids are drawn anew by each store: compare the rest
        return sorted(sorted((k, str(v)) for k, v in e.items() if k != "event_id")
                      for e in body["events"])  # fmt: skip
    return body


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_question_answers_a_filter_as_the_events_it_keeps(reader, question) -> None:
    """The filtered question over every event equals the unfiltered one over the events
    the filter keeps, for every question the API answers (the funnel's steps each
    filtered too: its ``where`` is of the entry alone), with ``where_any`` (one of its
    items holds) besides. Context fields are read from the hour rows where whole hours
    allow, properties from the events."""
    client, engine, key = reader

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        events=st.lists(event, max_size=40),
        where=st.lists(where_item, max_size=2),
        where_any=st.lists(where_item, max_size=3),
        zone=st.sampled_from(["UTC", "Europe/Berlin"]),
        links=st.lists(st.builds(Link, kind=st.just("identify"),
                                 user_id=st.sampled_from(USERS),
                                 other_id=st.sampled_from(USERS),
                                 occurred_at=st.just(BASE), event_id=st.uuids()),
                       max_size=2),
    )  # fmt: skip
    def check(events, where, where_any, zone, links) -> None:
        def kept_by_any(e: Raw) -> bool:  # the funnel's where_any is of the entry alone
            if not where_any or (question == "funnel" and e.event_type != "signup"):
                return True
            return any(keeps(e, item) for item in where_any)

        kept = [e for e in events if all(keeps(e, item) for item in where) and kept_by_any(e)]
        store(engine, events, links)
        filtered = _ask(client, key, question, where, zone, where_any)
        store(engine, kept, links)
        assert filtered == _ask(client, key, question, [], zone)
        counted = [e for e in events
                   if e.event_type == "page_view" and SINCE <= e.occurred_at < UNTIL]  # fmt: skip
        if question == "count" and any(e not in kept for e in counted):
            # the comparison can fail: unfiltered, the question over every event differs
            store(engine, events, links)
            assert filtered != _ask(client, key, question, [], zone)

    check()
