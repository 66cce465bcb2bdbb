"""The pure parts of paths: the answer from the statement's rows, start and end points,
and wildcard groups."""

from __future__ import annotations

import pytest

from eventtide.core.db.queries.paths import PathEdge, answer, like_pattern, point

pytestmark = pytest.mark.unit

ROWS = [
    ("node", 1, "/", None, 3, 2, 0),
    ("edge", 1, "/", "/a", 2, 1, 30.0),
    ("node", 1, "B", None, 3, 0, 0),
    ("edge", 1, "B", "x", 2, 0, 3.0),
    ("edge", 1, "/", "/b", 2, 0, 5.0),
    ("node", 2, "/a", None, 2, 1, 0),
    ("total", 0, None, None, 4, 0, 0),
]


def test_edges_come_strongest_first_then_in_byte_order_with_average_seconds() -> None:
    found = answer(ROWS)
    assert found.paths == 4
    assert found.edges == [
        PathEdge(1, "/", "/a", 2, 15.0), PathEdge(1, "/", "/b", 2, 2.5),
        PathEdge(1, "B", "x", 2, 1.5),
    ]  # fmt: skip
    nodes = [(n.step, n.item, n.paths, n.continuing) for n in found.nodes]
    assert nodes == [(1, "/", 3, 2), (1, "B", 3, 0), (2, "/a", 2, 1)]


def test_no_rows_is_no_paths() -> None:
    assert answer([]).paths == 0


@pytest.mark.parametrize(("given", "item"), [("/pricing/", "/pricing"), ("/", "/"), ("x", "x")])
def test_points_drop_one_trailing_slash_as_pages_do(given: str, item: str) -> None:
    assert point(given) == item


def test_wildcards_match_anywhere_and_other_like_characters_are_literal() -> None:
    assert like_pattern("/product/*") == "%/product/%%"
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
