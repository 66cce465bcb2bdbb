"""Read the processor's tables back as an ``OracleResult`` (shared by the SQLite unit test
and the PostgreSQL integration tests).

The wiring has no end of stream: windows and sessions close when a later event moves
the partition's watermark. The tests therefore end each partition with one *sentinel*
event three days after the last real event; its own window rows and session stay open
and are left out here (windows starting after the last real event, sentinel users).
"""

from __future__ import annotations

from typing import Any

from oracle import OracleResult
from sqlalchemy import Connection, text

from eventtide.processor.aggregates import average_cents
from eventtide.processor.config import DAY

SENTINEL_PREFIX = "zz-sentinel-"


def sentinel_event(partition: int, last_ts: int) -> dict[str, Any]:
    """A page view far after ``last_ts``: moves this partition's watermark past everything."""
    from datetime import UTC, datetime, timedelta

    at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=last_ts + 3 * DAY)
    return {
        "event_id": f"00000000-0000-4000-8000-{partition:012d}",
        "event_type": "page_view",
        "user_id": f"{SENTINEL_PREFIX}{partition}",
        "occurred_at": at.isoformat(),
        "context": {"page": "/", "country": "US", "platform": "web"},
        "properties": {},
    }


def read_tables(conn: Connection, last_ts: int) -> tuple[OracleResult, list[str]]:
    """The tables as the oracle's result, plus problems (rows that should be final)."""
    problems: list[str] = []
    windows: dict[tuple[str, int, str, str], tuple[int, int, int, int, int | None]] = {}
    sums: dict[tuple[str, int, str, str], list[int]] = {}
    for w in conn.execute(
        text("SELECT * FROM window_aggregates WHERE window_start <= :last"), {"last": last_ts}
    ).mappings():
        if not w["final"]:
            problems.append(f"window not final: {dict(w)}")
        key = (w["window"], w["window_start"], w["dimension"], w["value"])
        s = sums.setdefault(key, [0, 0, 0, 0])
        for i, column in enumerate(("count", "unique_users", "revenue_cents", "orders")):
            s[i] += w[column]
    for key, (count, users, revenue, orders) in sums.items():
        windows[key] = (count, users, revenue, orders, average_cents(revenue, orders))
    sessions = {}
    for s in conn.execute(
        text("SELECT * FROM sessions WHERE user_id NOT LIKE :p"), {"p": SENTINEL_PREFIX + "%"}
    ).mappings():
        if not s["final"]:
            problems.append(f"session not final: {dict(s)}")
        sessions[s["session_id"]] = (
            s["session_id"], s["user_id"], s["started_at"], s["ended_at"], s["events"],
            s["page_views"], s["entry_page"], s["exit_page"], bool(s["converted"]),
            s["revenue_cents"], s["purchases"],
        )  # fmt: skip
    attributions = {
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT attribution_id, model, user_id, purchase_event_id, purchase_ts,"
                " product_id, value_cents, touch_event_id, touch_ts, source FROM attributions"
            )
        )
    }
    conversions: dict[tuple[int, str], tuple[int, int]] = {}
    for day, source, touches, converted in conn.execute(
        text(
            "SELECT day, source, SUM(touches), SUM(conversions) FROM conversion_counts"
            " GROUP BY day, source"
        )
    ):
        conversions[(int(day), source)] = (int(touches), int(converted))
    alerts = {
        tuple(r)
        for r in conn.execute(text("SELECT alert_id, rule, user_id, severity, at FROM alerts"))
    }
    carts = {
        (r[0], r[1], r[2], r[3], tuple(r[4] if isinstance(r[4], list) else _json(r[4])), r[5])
        for r in conn.execute(
            text(
                "SELECT cart_id, user_id, started, at, products, value_cents FROM cart_abandonments"
            )
        )
    }
    features = {
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT feature_id, user_id, as_of, recency_s, sessions_7d, sessions_30d,"
                " events_7d, purchases_30d, monetary_30d_cents, activity_trend"
                " FROM user_features"
            )
        )
    }
    result = OracleResult(windows, sessions, attributions, conversions, alerts, carts, features)
    return result, problems


def _json(value: Any) -> Any:
    import json

    return json.loads(value)
