"""The latency phase's load: live events at a steady rate, as `eventtide produce` sends them.

A new idempotent Kafka producer delivers nothing until the broker has given it a
producer id: the first acknowledgement of a fresh producer takes about 505 ms (5 ms
without idempotence, and 5 ms after half a second of polling first). `eventtide
produce` therefore connects and settles before it stamps its first live event
(:meth:`EventProducer.connect`); this module does the same with the same generator,
validation and send loop (live mode, 10,000 simulated users), so the consumer's
latency is measured on a producer running steadily at 10,000 events/s, from each
event's ``occurred_at`` to the commit of its row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from eventtide.core.kafka.clients import make_producer
from eventtide.core.settings import core_settings
from eventtide.producer.command import LIVE_SETTLE_S
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.runner import run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import simulated

USERS: Final = 10_000
"""``eventtide produce``'s default population."""


def produce_live(bootstrap: str, topic: str, events: int, rate: float) -> dict[str, Any]:
    """Send ``events`` live events at ``rate``/s after a warm-up; the producer's summary."""
    core, settings = core_settings(), ProducerSettings()
    producer = make_producer(topic, settings.tuning(), core, bootstrap_servers=bootstrap)
    producer.connect(10.0, settle_s=LIVE_SETTLE_S)  # as `eventtide produce` does live
    context = core.validation_context()
    simulation = Simulation(GeneratorConfig(users=USERS, start=datetime.now(UTC), live=True))
    report = run(simulated(simulation, context), producer, limit=events, rate=rate)
    if report.sent != events:
        raise RuntimeError(f"the live producer confirmed {report.sent} of {events} events")
    return report.to_json()
