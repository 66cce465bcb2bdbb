"""The producer's generated stream (bots, fraud bursts, funnels) through three partitions.

The property tests use tiny synthetic streams; this one uses the realistic shape the
benchmark uses, with default settings, shuffled within the lateness.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from oracle import oracle
from streaming import differences, stream

from eventtide.processor.config import ProcessorConfig
from eventtide.processor.model import from_mapping
from eventtide.producer.generator import GeneratorConfig, Simulation

pytestmark = pytest.mark.unit


def test_a_generated_day_equals_the_oracle():
    config = ProcessorConfig()
    sim = Simulation(
        GeneratorConfig(
            users=120,
            seed=11,
            start=datetime(2025, 6, 1, tzinfo=UTC),
            days=1.0,
            bot_bursts_per_day=4,
            fraud_bursts_per_day=4,
        )
    )
    events = [from_mapping(d) for d in sim.events()]
    rnd = random.Random(3)  # noqa: S311 - test data
    keyed = [(e.ts + rnd.randrange(config.allowed_lateness), e.event_id, e) for e in events]
    delivery = [e for *_, e in sorted(keyed, key=lambda k: (k[0], k[1]))]
    tables = stream(delivery, config, partitions=3, batch_sizes=(250, 31, 1000))
    expected = oracle(events, config)
    assert tables.late == []
    assert differences(tables.result(), expected) == []
    assert expected.alerts
    assert expected.attributions
    assert expected.features
