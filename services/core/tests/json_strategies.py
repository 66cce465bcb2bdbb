"""Hypothesis strategies for the JSON that other tools send and export: any values under
a format's own field names, nested as they nest them, so a mapping's inner paths are
reached with values of every type."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["PAGE", "EVENT", "TRANSACTION", "ITEM", "6", "3", "1", "true", "USD",
                     "2024-03-01T10:00:00Z", "1709301600000000", "page_view", "purchase",
                     "track", "identify", "alias", "Order Completed", "99999999999999999",
                     "add_to_cart", "$identify", "$pageview", "se", "pv", "tr", "ue"]),
)  # fmt: skip
"""JSON scalars, among them the values the mappings branch on and times past year 9999."""


def objects(names: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """JSON values whose objects are keyed by ``names``, nested (records and lists of
    records) as exports and requests are."""
    keys = st.sampled_from(names)
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=6)
        ),
        max_leaves=24,
    )


def records(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects keyed by ``names``, their values any of :func:`objects`."""
    return st.dictionaries(st.sampled_from(names), objects(names), max_size=12)
