"""Run the streaming core like the wiring will, and keep its outputs as tables would.

Events go to partitions by a hash of the user id (as Kafka's key partitioning does),
each partition's job reads its events in delivery order, in batches, and every batch's
outputs are applied to in-memory tables: retractions, then upserts (docs/processor.md).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oracle import OracleResult

from eventtide.processor.config import ProcessorConfig
from eventtide.processor.job import PartitionJob
from eventtide.processor.model import Event
from eventtide.processor.outputs import Outputs


def partition_of(user_id: str, partitions: int) -> int:
    return zlib.crc32(user_id.encode()) % partitions


@dataclass
class Tables:
    windows: dict[tuple[int, str, int, str, str], Any] = field(default_factory=dict)
    window_final: dict[tuple[int, str, int, str, str], bool] = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)
    session_final: dict[str, bool] = field(default_factory=dict)
    attributions: set[tuple[Any, ...]] = field(default_factory=set)
    conversions: dict[tuple[int, int, str], tuple[int, int]] = field(default_factory=dict)
    alerts: set[tuple[Any, ...]] = field(default_factory=set)
    carts: set[tuple[Any, ...]] = field(default_factory=set)
    features: set[tuple[Any, ...]] = field(default_factory=set)
    late: list[str] = field(default_factory=list)
    duplicates: int = 0

    def apply(self, partition: int, out: Outputs) -> None:
        for r in out.windows:
            key = (r.partition, r.window, r.start, r.dimension, r.value)
            assert not self.window_final.get(key), f"window result after final: {key}"
            self.windows[key] = r.metrics
            self.window_final[key] = r.final
        for x in out.retractions:
            assert not self.session_final.get(x.session_id), "a final session was retracted"
            self.sessions.pop(x.session_id, None)
            self.session_final.pop(x.session_id, None)
        for s in out.sessions:
            assert not self.session_final.get(s.session.session_id), "final session changed"
            row = s.session
            self.sessions[row.session_id] = (
                row.session_id,
                row.user_id,
                row.start,
                row.end,
                row.events,
                row.page_views,
                row.entry_page,
                row.exit_page,
                row.converted,
                row.revenue_cents,
                row.purchases,
            )
            self.session_final[row.session_id] = s.final
        for a in out.attributions:
            self.attributions.add(
                (
                    a.attribution_id,
                    a.model,
                    a.user_id,
                    a.purchase_event_id,
                    a.purchase_ts,
                    a.product_id,
                    a.value_cents,
                    a.touch_event_id,
                    a.touch_ts,
                    a.source,
                )
            )
        for c in out.conversions:
            self.conversions[(partition, c.day, c.source)] = (c.touches, c.conversions)
        for al in out.alerts:
            self.alerts.add((al.alert_id, al.rule, al.user_id, al.severity, al.at))
        for cart in out.carts:
            self.carts.add(
                (cart.cart_id, cart.user_id, cart.started, cart.at, cart.products, cart.value_cents)
            )
        for f in out.features:
            self.features.add(
                (
                    f.feature_id,
                    f.user_id,
                    f.as_of,
                    f.recency_s,
                    f.sessions_7d,
                    f.sessions_30d,
                    f.events_7d,
                    f.purchases_30d,
                    f.monetary_30d_cents,
                    f.activity_trend,
                )
            )
        self.late.extend(x.event_id for x in out.late)
        self.duplicates += out.duplicates

    def result(self) -> OracleResult:
        """The global view, as the database would combine the partition partials."""
        assert all(self.window_final.values()), "a window never closed"
        assert all(self.session_final.values()), "a session never closed"
        windows: dict[tuple[str, int, str, str], Any] = {}
        for (_, name, start, dim, value), metrics in self.windows.items():
            key = (name, start, dim, value)
            windows[key] = metrics.merge(windows[key]) if key in windows else metrics
        conversions: dict[tuple[int, str], tuple[int, int]] = {}
        for (_, day, source), (t, c) in self.conversions.items():
            old = conversions.get((day, source), (0, 0))
            conversions[(day, source)] = (old[0] + t, old[1] + c)
        return OracleResult(
            windows={
                k: (
                    m.count,
                    m.unique_users,
                    m.revenue_cents,
                    m.orders,
                    m.average_order_value_cents,
                )
                for k, m in windows.items()
            },
            sessions=dict(self.sessions),
            attributions=set(self.attributions),
            conversions=conversions,
            alerts=set(self.alerts),
            carts=set(self.carts),
            features=set(self.features),
        )


def stream(
    delivery: Sequence[Event],
    config: ProcessorConfig,
    partitions: int = 3,
    batch_sizes: Sequence[int] = (7,),
) -> Tables:
    """Deliver events in this order, batch by batch per partition, then end the stream."""
    per_partition: dict[int, list[Event]] = {p: [] for p in range(partitions)}
    for e in delivery:
        per_partition[partition_of(e.user_id, partitions)].append(e)
    tables = Tables()
    for p, events in per_partition.items():
        job = PartitionJob(p, config)
        offset, turn = 0, 0
        while offset < len(events):
            size = max(1, batch_sizes[turn % len(batch_sizes)])
            batch = list(enumerate(events[offset : offset + size], start=offset))
            tables.apply(p, job.process(batch, now=offset))
            offset += size
            turn += 1
        tables.apply(p, job.flush())
    return tables


def differences(ours: OracleResult, expected: OracleResult) -> list[str]:
    """Human-readable differences, empty when equal."""
    found = []
    for name in (
        "windows",
        "sessions",
        "attributions",
        "conversions",
        "alerts",
        "carts",
        "features",
    ):
        a, b = getattr(ours, name), getattr(expected, name)
        if a != b:
            if isinstance(a, dict):
                keys = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
                sample = sorted(keys, key=repr)[:3]
                pairs = [(k, a.get(k), b.get(k)) for k in sample]
                found.append(f"{name}: {len(keys)} keys differ, e.g. {pairs}")
            else:
                found.append(
                    f"{name}: only streaming {sorted(a - b)[:3]}, only oracle {sorted(b - a)[:3]}"
                )
    return found
