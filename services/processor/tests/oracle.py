"""The batch oracle: every result of docs/processor.md recomputed over the whole event list.

Written apart from the streaming core and as plainly as possible (sort everything, scan,
brute-force look-backs): no watermarks, no incremental state. Only the published id
formulas (namespaces) are shared, because ids are part of the contract.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from eventtide.processor.alerts import ALERT_NAMESPACE
from eventtide.processor.attribution import ATTRIBUTION_NAMESPACE
from eventtide.processor.config import ProcessorConfig
from eventtide.processor.features import FEATURES_NAMESPACE
from eventtide.processor.model import Event
from eventtide.processor.sessions import SESSION_NAMESPACE

DAY = 86_400_000_000


@dataclass
class OracleResult:
    windows: dict[tuple[str, int, str, str], tuple[int, int, int, int, int | None]]
    sessions: dict[str, tuple[Any, ...]]
    attributions: set[tuple[Any, ...]]
    conversions: dict[tuple[int, str], tuple[int, int]]
    alerts: set[tuple[Any, ...]]
    carts: set[tuple[Any, ...]]
    features: set[tuple[Any, ...]]


def _unique(events: Iterable[Event]) -> list[Event]:
    seen: set[str] = set()
    kept = []
    for e in events:
        if e.event_id not in seen:
            seen.add(e.event_id)
            kept.append(e)
    return sorted(kept, key=lambda e: (e.ts, e.event_id))


def oracle_windows(events: list[Event], config: ProcessorConfig):
    cells: dict[tuple[str, int, str, str], list[Any]] = {}
    for e in events:
        for spec in config.windows:
            start = (e.ts - spec.size) // spec.hop * spec.hop
            while start <= e.ts:
                if start <= e.ts < start + spec.size:
                    for dim, value in (
                        ("all", "*"),
                        ("event_type", e.event_type),
                        ("page", e.page),
                        ("country", e.country),
                        ("platform", e.platform),
                    ):
                        cell = cells.setdefault((spec.name, start, dim, value), [0, set(), 0, 0])
                        cell[0] += 1
                        cell[1].add(e.user_id)
                        if e.event_type == "purchase":
                            cell[2] += e.amount_cents
                            cell[3] += 1
                start += spec.hop
    return {
        key: (c[0], len(c[1]), c[2], c[3], None if c[3] == 0 else round(c[2] / c[3]))
        for key, c in cells.items()
    }


def oracle_sessions(events: list[Event], config: ProcessorConfig) -> list[list[Event]]:
    by_user: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_user[e.user_id].append(e)
    out = []
    for user_events in by_user.values():
        current: list[Event] = []
        for e in user_events:
            if current and (
                e.ts - current[-1].ts > config.session_gap
                or e.ts - current[0].ts > config.session_max
            ):
                out.append(current)
                current = []
            current.append(e)
        out.append(current)
    return out


def session_row(group: list[Event]) -> tuple[Any, ...]:
    first, last = group[0], group[-1]
    sid = str(uuid.uuid5(SESSION_NAMESPACE, f"{first.user_id}|{first.ts}|{first.event_id}"))
    purchases = [e for e in group if e.event_type == "purchase"]
    return (
        sid,
        first.user_id,
        first.ts,
        last.ts,
        len(group),
        sum(1 for e in group if e.event_type == "page_view"),
        first.page,
        last.page,
        bool(purchases),
        sum(e.amount_cents for e in purchases),
        len(purchases),
    )


def oracle_attributions(events: list[Event], config: ProcessorConfig):
    rows = set()
    conversions: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in events:
        if e.touched is not None:
            conversions[(e.ts // DAY, e.referrer or e.page)][0] += 1
    by_user: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_user[e.user_id].append(e)  # the look-back below scans the buyer's events only
    for p in events:
        if p.event_type != "purchase":
            continue
        for product, value in p.products:
            touches = [
                t
                for t in by_user[p.user_id]
                if t.touched == product
                and p.ts - config.attribution_window <= t.ts
                and (t.ts, t.event_id) < (p.ts, p.event_id)
            ]
            for model, chosen in (
                ("last_touch", touches[-1] if touches else None),
                ("first_touch", touches[0] if touches else None),
            ):
                rid = str(uuid.uuid5(ATTRIBUTION_NAMESPACE, f"{p.event_id}|{product}|{model}"))
                source = "(none)" if chosen is None else (chosen.referrer or chosen.page)
                rows.add(
                    (
                        rid,
                        model,
                        p.user_id,
                        p.event_id,
                        p.ts,
                        product,
                        value,
                        None if chosen is None else chosen.event_id,
                        None if chosen is None else chosen.ts,
                        source,
                    )
                )
                if model == "last_touch" and chosen is not None:
                    conversions[(p.ts // DAY, source)][1] += 1
    return rows, {k: (v[0], v[1]) for k, v in conversions.items()}


def _aid(rule: str, user: str, trigger: str) -> str:
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{rule}|{user}|{trigger}"))


def oracle_alerts(events: list[Event], config: ProcessorConfig):
    a = config.alerts
    alerts: set[tuple[Any, ...]] = set()
    carts: set[tuple[Any, ...]] = set()
    by_user: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_user[e.user_id].append(e)
    for user, evs in by_user.items():
        last_alert: dict[str, int] = {}

        def fire(rule, trigger, at, severity, user=user, last_alert=last_alert):
            if rule in last_alert and at < last_alert[rule] + a.cooldown:
                return
            last_alert[rule] = at
            alerts.add((_aid(rule, user, trigger), rule, user, severity, at))

        cart: list[Event] = []
        deadline = None

        def abandon(deadline, cart, user=user):
            first = cart[0]
            carts.add(
                (
                    _aid("cart", user, first.event_id),
                    user,
                    first.ts,
                    deadline,
                    tuple(e.products[0][0] for e in cart),
                    sum(e.products[0][1] for e in cart),
                )
            )
            fire("cart_abandoned", first.event_id, deadline, "low")

        for i, e in enumerate(evs):
            if deadline is not None and deadline < e.ts:
                abandon(deadline, cart)
                cart, deadline = [], None
            before = evs[: i + 1]
            # burst
            in_window = sum(1 for x in before if x.ts > e.ts - a.burst_window)
            in_base = sum(
                1
                for x in before
                if e.ts - a.burst_window - a.burst_baseline < x.ts <= e.ts - a.burst_window
            )
            per_minute = in_base / (a.burst_baseline / 60_000_000)
            if in_window >= max(a.burst_min_events, a.burst_factor * per_minute):
                fire("burst", e.event_id, e.ts, "medium")
            # bot
            rate = sum(1 for x in before if x.ts > e.ts - a.bot_rate_window)
            bot = rate >= a.bot_rate_events
            if not bot and len(before) > a.bot_intervals:
                times = [x.ts for x in before[-(a.bot_intervals + 1) :]]
                gaps = [t2 - t1 for t1, t2 in pairwise(times)]
                mean = sum(gaps) / len(gaps)
                if 0 < mean < a.bot_max_mean_interval:
                    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps))
                    bot = sd / mean < a.bot_max_cv
            if bot:
                fire("bot_like", e.event_id, e.ts, "high")
            if e.event_type == "purchase":
                spent = sum(
                    x.amount_cents
                    for x in before
                    if x.event_type == "purchase" and x.ts > e.ts - a.high_spender_window
                )
                if spent > a.high_spender_cents:
                    sev = "high" if spent > 2 * a.high_spender_cents else "medium"
                    fire("high_spender", e.event_id, e.ts, sev)
                cart, deadline = [], None
            elif e.event_type == "add_to_cart":
                cart.append(e)
                deadline = e.ts + a.cart_timeout
            if e.failed:
                n = sum(1 for x in before if x.failed and x.ts > e.ts - a.failures_window)
                if n >= a.failures:
                    fire(
                        "repeated_failures",
                        e.event_id,
                        e.ts,
                        "high" if n >= 2 * a.failures else "medium",
                    )
        if deadline is not None and cart:
            abandon(deadline, cart)
    return alerts, carts


def oracle_features(sessions: list[tuple[Any, ...]]):
    week, month = 7 * DAY, 30 * DAY
    by_user: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for s in sessions:
        by_user[s[1]].append(s)
    rows = set()
    for user, ss in by_user.items():
        ss.sort(key=lambda s: s[3])
        for i, s in enumerate(ss):
            as_of = s[3]
            upto = ss[: i + 1]
            in7 = [x for x in upto if x[3] > as_of - week]
            in30 = [x for x in upto if x[3] > as_of - month]
            prior = [x for x in upto if as_of - 2 * week < x[3] <= as_of - week]
            events7 = sum(x[4] for x in in7)
            rows.add(
                (
                    str(uuid.uuid5(FEATURES_NAMESPACE, f"{s[0]}|features")),
                    user,
                    as_of,
                    None if i == 0 else (s[2] - ss[i - 1][3]) / 1_000_000,
                    len(in7),
                    len(in30),
                    events7,
                    sum(x[10] for x in in30),
                    sum(x[9] for x in in30),
                    (events7 + 1) / (sum(x[4] for x in prior) + 1),
                )
            )
    return rows


def oracle(events: Iterable[Event], config: ProcessorConfig) -> OracleResult:
    evs = _unique(events)
    sessions = [session_row(g) for g in oracle_sessions(evs, config)]
    attributions, conversions = oracle_attributions(evs, config)
    alerts, carts = oracle_alerts(evs, config)
    return OracleResult(
        windows=oracle_windows(evs, config),
        sessions={s[0]: s for s in sessions},
        attributions=attributions,
        conversions=conversions,
        alerts=alerts,
        carts=carts,
        features=oracle_features(sessions),
    )
