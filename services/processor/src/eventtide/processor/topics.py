"""The output topics: each committed batch's records, through the loop's transactional outbox.

The records of a batch are stored in its transaction (one ``outbox`` row) and sent
after the commit; a crash between the commit and the broker's acknowledgements leaves
the row, and whoever is next assigned those partitions sends it again before any newer
output (:mod:`eventtide.core.transactional.outbox`). So every record in the tables
reaches its topic at least once. A record can arrive twice (after a crash, or a batch
processed again); each carries a deterministic id or key (window coordinates, session
id, alert id, event id), so readers drop the repeat or keep the latest per key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import orjson

from eventtide.core.kafka import EventProducer
from eventtide.core.kafka.codec import Headers, WireMessage
from eventtide.core.transactional.outbox_rows import OutRecord
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

    def producers(self) -> list[EventProducer]:
        """Every output topic's producer (the outbox sends through them)."""
        return [self.windows, self.sessions, self.alerts, self.features, self.late]

    def records(self, prepared: Prepared) -> list[OutRecord]:
        """Every output record of one batch, in the order they are sent."""
        out: list[OutRecord] = []
        windows, sessions = self.windows.topic, self.sessions.topic
        for _, result in prepared.outputs:
            _add(out, windows, "window", window_rows(result.windows), _window_key)
            retractions = [
                {"session_id": x.session_id, "user_id": x.user_id, "retracted": True}
                for x in result.retractions
            ]
            _add(out, sessions, "session", retractions, _user)
            _add(out, sessions, "session", session_rows(result.sessions), _user)
            alerts = alert_rows(result.alerts)
            for cart in cart_rows(result.carts):
                alerts.append({"rule": "cart_abandoned", **cart})
            _add(out, self.alerts.topic, "alert", alerts, _user)
            _add(out, self.features.topic, "features", feature_rows(result.features), _user)
            _add(out, self.late.topic, "late", late_records(result.late),
                 lambda r: r["event_id"])  # fmt: skip
        return out


def _window_key(r: Record) -> str:
    return f"{r['window']}|{r['window_start']}|{r['dimension']}|{r['value']}"


def _user(r: Record) -> str:
    return str(r["user_id"])


def _add(
    out: list[OutRecord],
    topic: str,
    kind: str,
    records: Iterable[Record],
    key: Callable[[Record], str],
) -> None:
    header: Headers = [("record_type", kind)]
    dumps = orjson.dumps
    for record in records:
        out.append(
            OutRecord(topic, WireMessage(kind, str(key(record)).encode(), dumps(record), header))
        )
