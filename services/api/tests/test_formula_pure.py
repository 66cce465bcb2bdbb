"""Trend formulas: what parses, what each works out to, how series combine, and the
``series=`` items the formula route reads (the OpenAPI pattern agreeing with the parser)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventtide.api.formula import FormulaError, combine, evaluate, parse
from eventtide.api.problems import Problem
from eventtide.api.trend_questions import (
    MAX_SERIES,
    SERIES_PATTERN,
    SERIES_WHERE_PATTERN,
    formula_series,
)
from eventtide.core.db.queries.filters import Match
from eventtide.core.db.queries.property_math import MATHS, Measured
from eventtide.core.db.queries.trends import TrendPoint

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("8 / 4 / 2", 1.0),  # left to right
        ("2 - 3 - 4", -5.0),
        ("-2 * -3", 6.0),
        ("+A", 4.0),
        ("B / A * 100", 50.0),
        ("(a - b) / a", 0.5),  # letters in either case, as PostHog reads them
        ("A / 0", 0.0),  # PostHog's A/0 is 0
        ("A / (B - 2) + 1", 1.0),  # only the division by zero is 0, not the whole
        ("C / A", 0.0),  # a series without a value counts 0
        ("1e308 * 10 + A", 0.0),  # past a double's range: 0, as a division by zero
        ("2.5e-1 * A", 1.0),
    ],
)
def test_a_formula_works_out_as_arithmetic(text: str, expected: float) -> None:
    assert evaluate(parse(text, 3), {"A": 4, "B": 2}) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "formula is empty"),
        ("   ", "formula is empty"),
        ("A ** 2", "not 'A ** 2'"),
        ("A % 2", "not 'A % 2'"),
        ("A // 2", "not 'A // 2'"),
        ("abs(A)", "not 'ABS(A)'"),
        ("__import__('os').system('x')", "may hold series letters"),
        ("A.real", "not 'A.REAL'"),
        ("True + A", "not 'TRUE'"),
        ("'A'", "not \"'A'\""),
        ("AB", "not 'AB'"),
        ("C + A", "reads series C, but 2 series were asked (A, B)"),
        ("A +", "does not parse"),
        ("A; B", "does not parse"),
        ("(A", "does not parse"),
        ("A if B else 1", "does not parse"),
        ("A < B", "not 'A < B'"),
        ("[A]", "not '[A]'"),
        ("1e999 * A", "past a double's range"),
        ("A" + " + A" * 60, "at most 200"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(says)):
        parse(text, 2)


def test_the_letters_read_are_those_of_the_formula() -> None:
    assert parse("B / B + 1", 3).letters == {"B"}
    assert parse("(A - C) * 2", 3).letters == {"A", "C"}


DAY_1, DAY_2 = datetime(2026, 12, 1), datetime(2026, 12, 2)


def test_series_combine_bucket_by_bucket_and_group_by_group() -> None:
    formula = parse("B / A", 2)
    got = combine(
        formula,
        {
            "A": [
                TrendPoint(DAY_1, "DE", 4),
                TrendPoint(DAY_1, "FR", 5),
                TrendPoint(DAY_2, "DE", 2),
            ],
            "B": [
                TrendPoint(DAY_1, "DE", 1),
                TrendPoint(DAY_2, "US", 3),
                TrendPoint(DAY_2, "DE", 1),
            ],
        },
    )
    assert got == [
        TrendPoint(DAY_1, "DE", 0.25),
        TrendPoint(DAY_1, "FR", 0.0),  # B has none: 0 / 5
        TrendPoint(DAY_2, "DE", 0.5),
        TrendPoint(DAY_2, "US", 0.0),  # A has none: 3 / 0 is 0
    ]


def test_groups_are_ordered_by_their_bytes_the_whole_first() -> None:
    got = combine(parse("A", 1), {"A": [TrendPoint(DAY_1, g, 1) for g in ("b", "B", "(other)")]})
    assert [p.group for p in got] == ["(other)", "B", "b"]
    whole = combine(
        parse("A + 1", 1), {"A": [TrendPoint(DAY_2, None, 1), TrendPoint(DAY_1, None, 2)]}
    )
    assert whole == [TrendPoint(DAY_1, None, 3.0), TrendPoint(DAY_2, None, 2.0)]


def test_series_items_read_as_metric_property_and_event_type() -> None:
    a, b, c = formula_series(
        ["count:page_view", "avg(amount_cents):purchase", "unique_users:a:b(c)"],
        ["B:context.country=DE", "B:properties.plan!=pro", "C:properties.x"],
        "day",
    )
    assert (a.event_type, a.metric, a.measured, a.matches) == ("page_view", "count", None, ())
    assert (b.event_type, b.metric, b.measured) == ("purchase", "avg", Measured("amount"))
    assert b.matches == (
        Match("context", "country", "DE", "="),
        Match("properties", "plan", "pro", "!="),
    )
    assert (c.event_type, c.metric) == ("a:b(c)", "unique_users")  # event types are free
    assert c.matches == (Match("properties", "x", "", "set"),)
    (per_user,) = formula_series(["avg_per_user:search"], [], "day")
    assert per_user.metric == "avg_per_user"  # not avg followed by text


@pytest.mark.parametrize(
    ("items", "wheres", "interval", "says"),
    [
        ([], [], "day", "0 series asked: give 1 to 10"),
        (["count:x"] * (MAX_SERIES + 1), [], "day", "11 series asked"),
        (["page_view"], [], "day", "use <metric>:<event type>"),
        (["total:page_view"], [], "day", "use <metric>:<event type>"),
        (["count:x", "avg:purchase"], [], "day", "series B (avg:purchase): metric=avg needs"),
        (["count(amount_cents):x"], [], "day", "series A (count(amount_cents):x): property="),
        (["weekly_active:x"], [], "hour", "series A (weekly_active:x): metric=weekly_active"),
        (["count:x"], ["B:context.country=DE"], "day", "one of the 1 series (A to A)"),
        (["count:x", "count:y"], ["context.country=DE"], "day", "series_where='context"),
        (["count:x", "count:y"], ["AB:context.country=DE"], "day", "(A to B)"),
    ],
)
def test_bad_series_items_say_what_is_wrong(
    items: list[str], wheres: list[str], interval: str, says: str
) -> None:
    with pytest.raises(Problem) as refused:
        formula_series(items, wheres, interval)
    assert refused.value.status == 400
    assert says in refused.value.detail


@given(st.from_regex(SERIES_PATTERN, fullmatch=True))
def test_every_series_item_the_pattern_admits_parses(text: str) -> None:
    head = text.split(":", 1)[0]
    if (head.split("(")[0] in MATHS) == ("(" in head):
        (question,) = formula_series([text], [], "day")
        assert text.endswith(":" + question.event_type)
    else:  # a math metric without its property, or a property without one
        with pytest.raises(Problem, match="property"):
            formula_series([text], [], "day")


@given(st.from_regex(SERIES_WHERE_PATTERN, fullmatch=True))
def test_every_series_where_the_pattern_admits_parses(text: str) -> None:
    formula_series(["count:x"] * MAX_SERIES, [text], "day")
