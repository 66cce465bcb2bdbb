"""Hypothesis strategies for valid events of every type (plain dicts, Python values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

ident = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
money = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: cents / 100)
quantity = st.integers(min_value=1, max_value=20)
currency = st.sampled_from(["USD", "EUR", "GBP", "JPY"])
optional_text = st.none() | st.text(max_size=30)


@st.composite
def aware_times(draw: st.DrawFn) -> datetime:
    """Aware datetimes in the past (up to a year), in UTC or another offset."""
    offset = draw(st.integers(min_value=-12 * 60, max_value=14 * 60))
    moment = NOW - timedelta(microseconds=draw(st.integers(0, 365 * 86_400 * 10**6)))
    return moment.astimezone(timezone(timedelta(minutes=offset)))


@st.composite
def line_items(draw: st.DrawFn) -> list[dict[str, Any]]:
    return draw(
        st.lists(
            st.fixed_dictionaries({"product_id": ident, "price": money, "quantity": quantity}),
            min_size=1,
            max_size=5,
        )
    )


@st.composite
def purchase(draw: st.DrawFn) -> dict[str, Any]:
    items = draw(line_items())
    amount = round(sum(i["price"] * i["quantity"] for i in items), 2)
    return {"order_id": draw(ident), "items": items, "amount": amount, "currency": draw(currency)}


PROPERTIES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "page_view": st.fixed_dictionaries(
        {}, optional={"title": optional_text, "load_time_ms": st.integers(0, 600_000)}
    ),
    "click": st.fixed_dictionaries({"element_id": ident}, optional={"target_url": optional_text}),
    "search": st.fixed_dictionaries(
        {"query": st.text(min_size=1, max_size=40), "results_count": st.integers(0, 10**6)}
    ),
    "add_to_cart": st.fixed_dictionaries(
        {"product_id": ident, "price": money, "quantity": quantity, "currency": currency}
    ),
    "remove_from_cart": st.fixed_dictionaries({"product_id": ident, "quantity": quantity}),
    "checkout_started": st.fixed_dictionaries(
        {"cart_value": money, "item_count": quantity, "currency": currency}
    ),
    "purchase": purchase(),
    "signup": st.fixed_dictionaries(
        {"method": st.sampled_from(["email", "google", "apple"])},
        optional={"referral_code": optional_text},
    ),
    "login": st.fixed_dictionaries(
        {"method": st.sampled_from(["email", "sso"])}, optional={"success": st.booleans()}
    ),
    "logout": st.fixed_dictionaries({}, optional={"reason": st.sampled_from(["user", "timeout"])}),
    "video_play": st.fixed_dictionaries(
        {
            "video_id": ident,
            "duration_s": st.floats(min_value=0.5, max_value=1e5, allow_nan=False),
            "position_s": st.floats(min_value=0, max_value=1e5, allow_nan=False),
            "autoplay": st.booleans(),
        }
    ),
}

contexts = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["web", "ios", "android", "server"]),
        "device": st.sampled_from(["desktop", "mobile", "tablet", "bot"]),
        "country": st.sampled_from(["US", "DE", "JP", "BR"]),
        "page": st.text(min_size=1, max_size=40),
    },
    optional={"referrer": optional_text, "user_agent": optional_text},
)


@st.composite
def events(draw: st.DrawFn, event_type: str | None = None) -> dict[str, Any]:
    """One valid event of ``event_type`` (or any type)."""
    kind = event_type or draw(st.sampled_from(sorted(PROPERTIES)))
    occurred = draw(aware_times())
    return {
        "event_id": draw(st.uuids(version=4)),
        "event_type": kind,
        "user_id": draw(ident),
        "session_id": draw(ident),
        "occurred_at": occurred,
        "received_at": occurred + timedelta(milliseconds=draw(st.integers(0, 5_000))),
        "schema_version": 1,
        "context": draw(contexts),
        "properties": draw(PROPERTIES[kind]),
    }
