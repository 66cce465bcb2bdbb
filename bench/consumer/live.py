"""The latency phase's load: live events at a steady rate from a producer that is ready.

A new idempotent Kafka producer delivers nothing until the broker has given it a
producer id. Measured here: the first acknowledgement of a fresh producer takes about
505 ms (5 ms without idempotence, and 5 ms after half a second of polling first).
``eventtide produce`` stamps events from its first moment, so in a fresh process the
first half second of events reaches Kafka 0.5 to 1 s old whatever the consumer does;
in a 10-second run at 10,000 events/s those are the slowest 5 %, exactly where the p95
is read.

The goal is the latency "while the producer runs at a steady 10,000 events/s", so this
module runs the same generator, validation and send loop as ``eventtide produce``
(live mode, 10,000 simulated users), but lets the producer connect and get its id
before the first event is stamped. Nothing else differs; the consumer measures as
always, from each event's ``occurred_at`` to the commit of its row."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from eventtide.core.events import validation_context
from eventtide.core.kafka import EventProducer, producer_config
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import core_settings
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.runner import run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import simulated

WARM_UP_S: Final = 1.0
"""Long enough for the producer id (two of librdkafka's 500 ms timer periods)."""
USERS: Final = 10_000
"""``eventtide produce``'s default population."""


def produce_live(bootstrap: str, topic: str, events: int, rate: float) -> dict[str, Any]:
    """Send ``events`` live events at ``rate``/s after a warm-up; the producer's summary."""
    core, settings = core_settings(), ProducerSettings()
    config = producer_config(bootstrap, settings.tuning()) | kafka_security(core)
    producer = EventProducer(config, topic)
    ready_at = time.monotonic() + WARM_UP_S
    while time.monotonic() < ready_at:
        producer.poll(0.1)  # the client connects and gets its producer id meanwhile
    context = validation_context(max_skew=timedelta(seconds=core.max_clock_skew_s))
    simulation = Simulation(GeneratorConfig(users=USERS, start=datetime.now(UTC), live=True))
    report = run(simulated(simulation, context), producer, limit=events, rate=rate)
    if report.sent != events:
        raise RuntimeError(f"the live producer confirmed {report.sent} of {events} events")
    return report.to_json()
