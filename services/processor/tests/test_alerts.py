"""Each pattern rule fires on its pattern, once per cool-down, with its evidence."""

from __future__ import annotations

import pytest

from eventtide.processor.alerts import AlertRules
from eventtide.processor.config import HOUR, MINUTE, SECOND, AlertConfig
from eventtide.processor.model import Event

pytestmark = pytest.mark.unit

T = 1_748_779_200_000_000


def ev(eid: str, ts: int, etype: str = "click", cents: int = 0, failed: bool = False, product=None):
    products = ((product, cents),) if product else ()
    return Event(eid, etype, "u", ts, "/", "DE", "web", None, cents, products, None, failed)


def feed(rules: AlertRules, events):
    alerts, carts = [], []
    for e in events:
        a, c = rules.feed(e)
        alerts += a
        carts += c
    return alerts, carts


def test_high_spender_once_per_cooldown_with_severity():
    rules = AlertRules(AlertConfig(high_spender_cents=100_000))
    alerts, _ = feed(
        rules,
        [
            ev("a", T, "purchase", 60_000),
            ev("b", T + 10 * MINUTE, "purchase", 50_000),  # 1,100.00 in the hour: fires
            ev("c", T + 20 * MINUTE, "purchase", 150_000),  # within the cool-down: quiet
            ev("d", T + 2 * HOUR, "purchase", 250_000),  # alone above twice: high
        ],
    )
    assert [(a.rule, a.severity, a.at) for a in alerts] == [
        ("high_spender", "medium", T + 10 * MINUTE),
        ("high_spender", "high", T + 2 * HOUR),
    ]
    assert dict(alerts[0].evidence)["spent_cents"] == 110_000
    assert dict(alerts[0].evidence)["purchases"] == ("a", "b")


def _burst(prefix: str, start: int, n: int = 60) -> list[Event]:
    """``n`` events about 0.9 s apart, irregular enough not to look machine-made."""
    t, out = start, []
    for i in range(n):
        t += 500_000 if i % 2 else 1_300_000
        out.append(ev(f"{prefix}{i:03d}", t))
    return out


def test_burst_against_the_users_own_baseline():
    config = AlertConfig(burst_min_events=60, burst_factor=10.0)
    quiet = [ev(f"q{i:03d}", T + i * 30 * SECOND) for i in range(120)]  # 2 a minute
    alerts, _ = feed(AlertRules(config), quiet + _burst("b", T + HOUR))
    assert [a.rule for a in alerts] == ["burst"]  # 60 >= max(60, 10 x 2)
    assert dict(alerts[0].evidence)["events_last_window"] == 60
    busy = [ev(f"q{i:04d}", T + i * 3 * SECOND + (i % 2) * SECOND) for i in range(1200)]
    alerts, _ = feed(AlertRules(config), busy + _burst("b", T + HOUR))
    assert [a.rule for a in alerts] == []  # 20 a minute: 60 < 10 x 20 is normal for them


def test_bot_like_regular_intervals_and_impossible_rate():
    regular = [ev(f"r{i:02d}", T + i * 2 * SECOND) for i in range(21)]
    alerts, _ = feed(AlertRules(AlertConfig()), regular)
    assert [(a.rule, dict(a.evidence)["reason"]) for a in alerts] == [
        ("bot_like", "regular_intervals")
    ]
    fast = [ev(f"f{i:02d}", T + i * 90_000) for i in range(10)]
    alerts, _ = feed(AlertRules(AlertConfig()), fast)
    assert [(a.rule, dict(a.evidence)["reason"], a.at) for a in alerts] == [
        ("bot_like", "impossible_rate", T + 9 * 90_000)
    ]


def test_human_irregular_clicks_are_not_bot_like():
    gaps = [3, 7, 2, 11, 5, 4, 9, 6, 3, 8, 12, 2, 5, 7, 4, 6, 9, 3, 5, 8, 4]
    t, events = T, []
    for i, g in enumerate(gaps):
        t += g * SECOND
        events.append(ev(f"h{i:02d}", t))
    assert feed(AlertRules(AlertConfig()), events)[0] == []


def test_cart_abandoned_after_the_last_add_and_cleared_by_a_purchase():
    rules = AlertRules(AlertConfig(cart_timeout=30 * MINUTE))
    feed(rules, [ev("a", T, "add_to_cart", 500, product="p1")])
    feed(rules, [ev("b", T + 10 * MINUTE, "add_to_cart", 700, product="p2")])
    assert rules.cart_timer("u", T + 30 * MINUTE) == ([], [])  # superseded deadline
    alerts, carts = rules.cart_timer("u", T + 40 * MINUTE)
    assert [(a.rule, a.severity, a.at) for a in alerts] == [
        ("cart_abandoned", "low", T + 40 * MINUTE)
    ]
    assert (carts[0].products, carts[0].value_cents, carts[0].started) == (("p1", "p2"), 1200, T)
    feed(rules, [ev("c", T + 2 * HOUR, "add_to_cart", 500, product="p1")])
    feed(rules, [ev("d", T + 2 * HOUR + MINUTE, "purchase", 500)])
    assert rules.cart_timer("u", T + 2 * HOUR + 30 * MINUTE) == ([], [])


def test_repeated_failures_from_logins_and_custom_failure_types():
    rules = AlertRules(AlertConfig(failures=3, failures_window=10 * MINUTE))
    events = [
        ev("a", T, "login", failed=True),
        ev("b", T + 3 * MINUTE, "payment_failed", failed=True),
        ev("c", T + 11 * MINUTE, "login", failed=True),  # a has left the window
        ev("d", T + 12 * MINUTE, "payment_failed", failed=True),
    ]
    alerts, _ = feed(rules, events)
    assert [(a.rule, a.severity, a.at) for a in alerts] == [
        ("repeated_failures", "medium", T + 12 * MINUTE)
    ]
    assert dict(alerts[0].evidence)["failures"] == ("b", "c", "d")


def test_alert_ids_are_deterministic():
    def run():
        return feed(AlertRules(AlertConfig()), [ev(f"f{i}", T + i * 1000) for i in range(10)])[0]

    assert [a.alert_id for a in run()] == [a.alert_id for a in run()]
