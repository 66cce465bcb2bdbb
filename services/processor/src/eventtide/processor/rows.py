"""Outputs as table rows and topic records (pure: plain dicts, no SQL, no Kafka).

The same dicts feed the tables and the output topics, so a topic reader and a table
reader see the same fields under the same names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventtide.processor.alerts import Alert, CartAbandoned
from eventtide.processor.attribution import Attribution, Conversion
from eventtide.processor.features import Features
from eventtide.processor.outputs import LateEvent, SessionResult, WindowResult

Record = dict[str, Any]


def window_rows(results: Iterable[WindowResult]) -> list[Record]:
    """``window_aggregates`` rows (one partition's partial per window key)."""
    return [
        {
            "partition": r.partition,
            "window": r.window,
            "window_start": r.start,
            "dimension": r.dimension,
            "value": r.value,
            "window_end": r.end,
            "count": r.metrics.count,
            "unique_users": r.metrics.unique_users,
            "revenue_cents": r.metrics.revenue_cents,
            "orders": r.metrics.orders,
            "average_order_value_cents": r.metrics.average_order_value_cents,
            "final": r.final,
        }
        for r in results
    ]


def session_rows(results: Iterable[SessionResult]) -> list[Record]:
    """``sessions`` rows."""
    return [
        {
            "session_id": s.session.session_id,
            "user_id": s.session.user_id,
            "started_at": s.session.start,
            "ended_at": s.session.end,
            "events": s.session.events,
            "page_views": s.session.page_views,
            "entry_page": s.session.entry_page,
            "exit_page": s.session.exit_page,
            "converted": s.session.converted,
            "revenue_cents": s.session.revenue_cents,
            "purchases": s.session.purchases,
            "final": s.final,
        }
        for s in results
    ]


def attribution_rows(results: Iterable[Attribution]) -> list[Record]:
    """``attributions`` rows."""
    return [
        {
            "attribution_id": a.attribution_id,
            "model": a.model,
            "user_id": a.user_id,
            "purchase_event_id": a.purchase_event_id,
            "purchase_ts": a.purchase_ts,
            "product_id": a.product_id,
            "value_cents": a.value_cents,
            "touch_event_id": a.touch_event_id,
            "touch_ts": a.touch_ts,
            "source": a.source,
        }
        for a in results
    ]


def conversion_rows(partition: int, results: Iterable[Conversion]) -> list[Record]:
    """``conversion_counts`` rows: the partition's running totals."""
    return [
        {
            "partition": partition,
            "day": c.day,
            "source": c.source,
            "touches": c.touches,
            "conversions": c.conversions,
        }
        for c in results
    ]


def alert_rows(results: Iterable[Alert]) -> list[Record]:
    """``alerts`` rows; the evidence pairs become a JSON object."""
    return [
        {
            "alert_id": a.alert_id,
            "rule": a.rule,
            "user_id": a.user_id,
            "severity": a.severity,
            "at": a.at,
            "evidence": {k: list(v) if isinstance(v, tuple) else v for k, v in a.evidence},
        }
        for a in results
    ]


def cart_rows(results: Iterable[CartAbandoned]) -> list[Record]:
    """``cart_abandonments`` rows."""
    return [
        {
            "cart_id": c.cart_id,
            "user_id": c.user_id,
            "started": c.started,
            "at": c.at,
            "products": list(c.products),
            "value_cents": c.value_cents,
        }
        for c in results
    ]


def feature_rows(results: Iterable[Features]) -> list[Record]:
    """``user_features`` rows."""
    return [
        {
            "feature_id": f.feature_id,
            "user_id": f.user_id,
            "as_of": f.as_of,
            "recency_s": f.recency_s,
            "sessions_7d": f.sessions_7d,
            "sessions_30d": f.sessions_30d,
            "events_7d": f.events_7d,
            "purchases_30d": f.purchases_30d,
            "monetary_30d_cents": f.monetary_30d_cents,
            "activity_trend": f.activity_trend,
        }
        for f in results
    ]


def late_records(results: Iterable[LateEvent]) -> list[Record]:
    """``events.late.v1`` records: where the late event was and how late it was."""
    return [
        {
            "partition": x.partition,
            "offset": x.offset,
            "event_id": x.event_id,
            "ts": x.ts,
            "watermark": x.watermark,
        }
        for x in results
    ]
