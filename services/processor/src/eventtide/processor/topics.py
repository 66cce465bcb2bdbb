"""The output topics, produced after each batch's database commit.

A crash before the commit loses nothing: the batch is processed again and its records
are sent again with the same deterministic ids (or window coordinates), so readers drop
repeats by key. A crash between the commit and the broker's acknowledgements loses
those records from the topics, not from the tables: the restart resumes after the
committed batch. Readers that must see every result read the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import orjson

from eventtide.core.kafka import EventProducer
from eventtide.core.kafka.codec import WireMessage
from eventtide.processor.rows import (
    Record,
    alert_rows,
    cart_rows,
    feature_rows,
    late_records,
    session_rows,
    window_rows,
)
from eventtide.processor.steps import Prepared


class OutputTopics:
    """One producer per output topic; records keyed so a key's records stay in order."""

    def __init__(
        self,
        *,
        windows: EventProducer,
        sessions: EventProducer,
        alerts: EventProducer,
        features: EventProducer,
        late: EventProducer,
    ) -> None:
        self.windows, self.sessions, self.alerts = windows, sessions, alerts
        self.features, self.late = features, late

    def publish(self, prepared: Prepared) -> None:
        """Queue every record of one committed batch (delivery is awaited at close)."""
        for _, out in prepared.outputs:
            _send(self.windows, "window", window_rows(out.windows), _window_key)
            retractions = [
                {"session_id": x.session_id, "user_id": x.user_id, "retracted": True}
                for x in out.retractions
            ]
            _send(self.sessions, "session", retractions, lambda r: r["user_id"])
            _send(self.sessions, "session", session_rows(out.sessions), lambda r: r["user_id"])
            alerts = alert_rows(out.alerts)
            for cart in cart_rows(out.carts):
                alerts.append({"rule": "cart_abandoned", **cart})
            _send(self.alerts, "alert", alerts, lambda r: r["user_id"])
            _send(self.features, "features", feature_rows(out.features), lambda r: r["user_id"])
            _send(self.late, "late", late_records(out.late), lambda r: r["event_id"])

    def close(self, timeout_s: float) -> int:
        """Wait for acknowledgements; returns the records left unacknowledged."""
        return sum(
            p.flush(timeout_s)
            for p in (self.windows, self.sessions, self.alerts, self.features, self.late)
        )


def _window_key(r: Record) -> str:
    return f"{r['window']}|{r['window_start']}|{r['dimension']}|{r['value']}"


def _send(
    producer: EventProducer, kind: str, records: Iterable[Record], key: Callable[[Record], str]
) -> None:
    for record in records:
        producer.send_message(
            WireMessage(
                kind,
                str(key(record)).encode(),
                orjson.dumps(record),
                [("record_type", kind)],
            )
        )
