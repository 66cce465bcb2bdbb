"""``where`` items: what each parses to, and the OpenAPI pattern agreeing with the parser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventtide.api.params import (
    STEP_WHERE_PATTERN,
    WHERE_PATTERN,
    event_filter,
    parse_match,
    step_matches,
)
from eventtide.api.problems import Problem
from eventtide.core.db.queries.filters import AnyOf, Match, fields_of

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("context.country=DE", Match("context", "country", "DE", "=")),
        ("properties.plan!=pro", Match("properties", "plan", "pro", "!=")),
        ("context.page*=/product", Match("context", "page", "/product", "*=")),
        ("context.page!*=/admin", Match("context", "page", "/admin", "!*=")),
        ("properties.amount>100", Match("properties", "amount", "100", ">")),
        ("properties.amount>=-2.5e3", Match("properties", "amount", "-2.5e3", ">=")),
        ("properties.amount<.5", Match("properties", "amount", ".5", "<")),
        ("properties.amount<=0", Match("properties", "amount", "0", "<=")),
        ("properties.coupon", Match("properties", "coupon", "", "set")),
        ("!properties.coupon", Match("properties", "coupon", "", "unset")),
        # the first operator ends the key: the rest is the value, operators and all
        ("properties.q==a", Match("properties", "q", "=a", "=")),
        ("properties.q=a>=b", Match("properties", "q", "a>=b", "=")),
        ("properties.q=", Match("properties", "q", "", "=")),
        ("properties.q*=a\nb", Match("properties", "q", "a\nb", "*=")),
    ],
)
def test_each_operator_parses_to_its_match(text: str, expected: Match) -> None:
    assert parse_match(text) == expected
    assert re.fullmatch(WHERE_PATTERN, text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("properties.amount>abc", "> compares numbers"),
        ("properties.amount<=NaN", "<= compares numbers"),
        ("properties.amount>1e99999", "> compares numbers"),
        ("properties.amount> 5", "> compares numbers"),
        ("!properties.coupon=1", "the field alone means it is set"),
        ("event.country=DE", "use context.<field> or properties.<name>"),
        ("properties.9lives=1", "use context.<field> or properties.<name>"),
        ("properties.a-b=1", "use context.<field> or properties.<name>"),
        ("properties.a=\x00", "use context.<field> or properties.<name>"),
    ],
)
def test_a_bad_item_is_refused_saying_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(Problem) as refused:
        parse_match(text)
    assert refused.value.status == 400
    assert says in refused.value.detail
    assert not re.fullmatch(WHERE_PATTERN, text)


@given(st.from_regex(WHERE_PATTERN, fullmatch=True))
def test_every_item_the_pattern_allows_parses(text: str) -> None:
    parse_match(text)


_PIECES = st.sampled_from(
    ["!", "context", "properties", ".", "amount", "q_1", "=", "!=", "*=", "!*=", ">", ">=",
     "<", "<=", "1", "-2.5", "e3", ".", "abc", " ", "\x00", "\n", "9"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=8).map("".join))
def test_the_parser_refuses_exactly_what_the_pattern_refuses(text: str) -> None:
    try:
        parse_match(text)
    except Problem:
        assert not re.fullmatch(WHERE_PATTERN, text)
    else:
        assert re.fullmatch(WHERE_PATTERN, text)


def test_a_step_filter_takes_every_operator() -> None:
    assert step_matches(["2:properties.amount>=10", "1:!context.country"], steps=2) == {
        1: [Match("properties", "amount", "10", ">=")],
        0: [Match("context", "country", "", "unset")],
    }
    assert re.fullmatch(STEP_WHERE_PATTERN, "2:properties.amount>=10")
    assert re.fullmatch(STEP_WHERE_PATTERN, "1:!context.country")
    assert not re.fullmatch(STEP_WHERE_PATTERN, "1:properties.amount>x")


NOW = datetime(2026, 12, 8, tzinfo=UTC)


def test_where_any_items_are_one_group_of_which_one_must_hold() -> None:
    flt = event_filter(None, None, ["context.platform=ios"], now=NOW,
                       where_any=["context.country=DE", "properties.plan!=free"])  # fmt: skip
    de, not_free = Match("context", "country", "DE"), Match("properties", "plan", "free", "!=")
    assert flt.matches == (Match("context", "platform", "ios"), AnyOf((de, not_free)))
    # a group's fields decide, as the items' do, whether hour rows can answer
    assert fields_of(flt.matches) == [
        ("context", "platform"), ("context", "country"), ("properties", "plan"),
    ]  # fmt: skip
    assert event_filter(None, None, [], now=NOW, where_any=[]).matches == ()


def test_a_bad_where_any_item_is_refused_as_a_where_item_is() -> None:
    with pytest.raises(Problem, match=re.escape("properties.amount>abc")):
        event_filter(None, None, [], now=NOW, where_any=["properties.amount>abc"])
