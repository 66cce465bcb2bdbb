"""Hypothesis strategies: small event streams that exercise every rule with a test config.

The config shrinks the time scales (10-minute gap, 2-hour cap, low alert thresholds) so
that a few dozen events cross window edges, merge sessions, hit the cap and fire alerts.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from eventtide.processor.config import (
    MINUTE,
    SECOND,
    AlertConfig,
    ProcessorConfig,
    WindowSpec,
)
from eventtide.processor.model import Event

T0 = 1_748_736_000 * SECOND  # 2025-06-01T00:00:00Z

CONFIG = ProcessorConfig(
    allowed_lateness=30 * SECOND,
    dedupe_horizon=24 * 60 * MINUTE,
    windows=(
        WindowSpec("tumbling_1m", MINUTE, MINUTE),
        WindowSpec("tumbling_1h", 60 * MINUTE, 60 * MINUTE),
        WindowSpec("hopping_10m_3m", 10 * MINUTE, 3 * MINUTE),
    ),
    session_gap=10 * MINUTE,
    session_max=120 * MINUTE,
    attribution_window=30 * MINUTE,
    alerts=replace(
        AlertConfig(),
        cooldown=15 * MINUTE,
        high_spender_cents=5_000,
        burst_min_events=6,
        burst_baseline=10 * MINUTE,
        bot_intervals=5,
        bot_rate_events=4,
        cart_timeout=5 * MINUTE,
        failures=3,
    ),
)

PAGES = ("/", "/product/p1", "/product/p2", "/product/p3", "/cart", "/search")
TYPES = (
    "page_view",
    "click",
    "add_to_cart",
    "purchase",
    "login",
    "onboarding_step",
    "payment_failed",
)

_gap = st.one_of(
    st.integers(0, 2 * SECOND),
    st.integers(0, 90 * SECOND),
    st.integers(5 * MINUTE, 25 * MINUTE),
    st.sampled_from([0, 1, 10 * MINUTE, 10 * MINUTE + 1]),
)


@st.composite
def _event_spec(
    draw: st.DrawFn,
) -> tuple[int, str, str, str | None, tuple[tuple[str, int], ...], bool]:
    gap = draw(_gap)
    etype = draw(st.sampled_from(TYPES))
    page = draw(st.sampled_from(PAGES))
    referrer = draw(st.sampled_from([None, None, "https://search.example/"]))
    products: tuple[tuple[str, int], ...] = ()
    failed = etype == "payment_failed"
    if etype == "purchase":
        products = tuple(
            draw(
                st.lists(
                    st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.integers(1, 4_000)),
                    min_size=1,
                    max_size=3,
                    unique_by=lambda x: x[0],
                )
            )
        )
    elif etype == "add_to_cart":
        products = ((draw(st.sampled_from(["p1", "p2", "p3"])), draw(st.integers(1, 4_000))),)
    elif etype == "login":
        failed = draw(st.booleans())
    return gap, etype, page, referrer, products, failed


@st.composite
def event_streams(draw: st.DrawFn, max_events: int = 60) -> list[Event]:
    """Events of up to four users, in event-time order."""
    users = draw(st.integers(1, 4))
    events: list[Event] = []
    counter = 0
    for u in range(users):
        ts = T0 + draw(st.integers(0, 30 * MINUTE))
        for spec in draw(st.lists(_event_spec(), min_size=1, max_size=max_events // users)):
            gap, etype, page, referrer, products, failed = spec
            ts += gap
            counter += 1
            touched = None
            if etype in ("page_view", "click") and page.startswith("/product/"):
                touched = page.removeprefix("/product/")
            events.append(
                Event(
                    event_id=f"e{counter:04d}-{draw(st.integers(0, 9))}",
                    event_type=etype,
                    user_id=f"u{u}",
                    ts=ts,
                    page=page,
                    country=draw(st.sampled_from(["DE", "FR"])),
                    platform=draw(st.sampled_from(["web", "ios"])),
                    referrer=referrer,
                    amount_cents=sum(v for _, v in products) if etype == "purchase" else 0,
                    products=products,
                    touched=touched,
                    failed=failed,
                )
            )
    return sorted(events, key=lambda e: (e.ts, e.event_id))
