"""Prometheus metrics shared by the services.

Hot paths count in plain Python and publish increments here now and then: a labelled
Prometheus counter costs about a microsecond per call, too much at 100k+ events/s.

Names follow ``eventtide_<component>_<what>_<unit>``: the Kafka client code every service
shares is the ``kafka`` component (the scrape's ``job``/``component`` label tells which
service produced), and validation rejections are ``events``, counted wherever they happen.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge

EVENTS_PRODUCED: Final = Counter(
    "eventtide_kafka_events_produced",
    "Events acknowledged by Kafka, by event type.",
    ["event_type"],
)
PRODUCE_FAILURES: Final = Counter(
    "eventtide_kafka_produce_failures",
    "Events Kafka did not acknowledge, by event type and error.",
    ["event_type", "error"],
)
EVENTS_REJECTED: Final = Counter(
    "eventtide_events_rejected",
    "Inputs that failed validation before being sent, by rejection kind.",
    ["kind"],
)
PRODUCER_IN_FLIGHT: Final = Gauge(
    "eventtide_kafka_producer_in_flight",
    "Messages handed to the Kafka client and not yet acknowledged.",
)
OUTBOX_PENDING: Final = Gauge(
    "eventtide_outbox_pending_rows",
    "Outbox rows (one per committed batch) sent and not yet fully acknowledged by Kafka.",
)
OUTBOX_RESENT: Final = Counter(
    "eventtide_outbox_resent_rows",
    "Leftover outbox rows sent again on partition assignment (a member died before their "
    "acknowledgements).",
)
OUTBOX_FAILED: Final = Counter(
    "eventtide_outbox_failed_rows",
    "Outbox rows with a record Kafka refused; kept and sent again on the next assignment.",
)
