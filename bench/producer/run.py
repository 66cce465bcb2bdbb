"""Producer throughput: our whole path against a bare confluent-kafka loop.

Ours is generate -> validate -> serialize -> produce -> delivery confirmed, in one
process, through :func:`eventtide.producer.runner.run`. The peer is the ceiling: the
same client with the same settings sending pre-serialized payloads of the same events
(same sizes, keys and headers) in a tight loop, delivery confirmed as well. Both run
in the same invocation, alternating, on fresh topics.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Producer, libversion
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from bench.harness import Comparison, Series, parse_args, repeat, report
from eventtide.core.events import Rejection, validate_event
from eventtide.core.kafka import EventProducer, WireMessage, encode, producer_config
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.runner import run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import simulated

GOAL_EVENTS_PER_S = 150_000
GOAL_RATIO = 0.5
PARTITIONS = 6
USERS = 10_000


def simulation(seed: int) -> Simulation:
    """A month of history for 10,000 users: far more events than a run sends."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return Simulation(GeneratorConfig(users=USERS, seed=seed, start=start, days=30))


def fresh_topic(admin: AdminClient, prefix: str) -> str:
    """A new topic with the partition count of a small deployment."""
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(30)
    return name


def ours(config: dict[str, Any], topic: str, count: int, seed: int) -> float:
    """Events/s of the whole path, delivery confirmed."""
    sim = simulation(seed)  # building the population is set-up, not the path
    producer = EventProducer(config, topic)
    result = run(simulated(sim), producer, limit=count)
    assert result.sent == count, result.to_json()
    assert result.failed == 0, result.to_json()
    return result.sent / result.elapsed_s


def payloads(count: int, seed: int) -> list[WireMessage]:
    """The same events our path sends, serialized up front for the ceiling loop."""
    messages = []
    for raw in itertools.islice(simulation(seed).events(), count):
        event = validate_event(raw)
        assert not isinstance(event, Rejection)
        messages.append(encode(event))
    return messages


def ceiling(config: dict[str, Any], topic: str, messages: Sequence[WireMessage]) -> float:
    """Events/s of a bare produce loop over pre-serialized messages, delivery confirmed."""
    delivered = failed = 0

    def on_delivery(err: Any, _msg: Any) -> None:
        nonlocal delivered, failed
        if err is None:
            delivered += 1
        else:
            failed += 1

    producer = Producer(config)
    produce, poll = producer.produce, producer.poll
    started = time.perf_counter()
    for index, message in enumerate(messages):
        while True:
            try:
                produce(
                    topic,
                    message.value,
                    message.key,
                    headers=message.headers,
                    on_delivery=on_delivery,
                )
                break
            except BufferError:
                poll(0.05)
        if index % 1000 == 0:
            poll(0)
    producer.flush(60)
    elapsed = time.perf_counter() - started
    assert delivered == len(messages)
    assert failed == 0
    return delivered / elapsed


def stage_costs(count: int, seed: int) -> dict[str, float]:
    """Microseconds per event spent generating, validating and serializing (no Kafka)."""
    costs: dict[str, float] = {}
    stages = ("generate", "validate", "serialize")
    for depth, stage in enumerate(stages, start=1):
        events = itertools.islice(simulation(seed).events(), count)
        started = time.perf_counter()
        for raw in events:
            if depth >= 2:
                event = validate_event(raw)
                if depth >= 3:
                    encode(event)  # type: ignore[arg-type]
        costs[stage] = (time.perf_counter() - started) / count * 1e6
    return {
        "generate_us": round(costs["generate"], 2),
        "validate_us": round(costs["validate"] - costs["generate"], 2),
        "serialize_us": round(costs["serialize"] - costs["validate"], 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Alternate ours and the ceiling ``--runs`` times and write the comparison."""
    args = parse_args(__doc__ or "", argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        print("KAFKA_BOOTSTRAP_SERVERS is not set; run through `make bench` or `python -m bench`")
        return 2
    count = 20_000 if args.quick else 300_000
    settings = ProducerSettings()
    config = producer_config(bootstrap, settings.tuning())
    admin = AdminClient({"bootstrap.servers": bootstrap})
    messages = payloads(count, seed=1)
    mean_bytes = sum(len(m.value) for m in messages) / len(messages)
    our_rate = Series("generate+validate+serialize+produce", "events/s")
    peer_rate = Series("bare confluent-kafka, pre-serialized", "events/s")

    def once(index: int) -> dict[str, float]:
        mine = ours(config, fresh_topic(admin, "ours"), count, seed=1)
        bare = ceiling(config, fresh_topic(admin, "ceiling"), messages)
        our_rate.values.append(mine)
        peer_rate.values.append(bare)
        return {"ours": mine, "ceiling": bare}

    repeat(args.runs, "producer", once)
    stages = stage_costs(min(count, 100_000), seed=1)
    record = report(
        "producer",
        [Comparison("events/s, delivery confirmed", our_rate, peer_rate, GOAL_RATIO)],
        quick=args.quick,
        parameters={
            "events_per_run": count,
            "runs": args.runs,
            "users": USERS,
            "partitions": PARTITIONS,
            "mean_value_bytes": round(mean_bytes, 1),
            "tuning": settings.tuning().__dict__,
        },
        extra_versions={"librdkafka": libversion()[0]},
        notes={
            "goal_events_per_s": GOAL_EVENTS_PER_S,
            "goal_ratio": GOAL_RATIO,
            "met_events_per_s": our_rate.median >= GOAL_EVENTS_PER_S,
            "met_ratio": our_rate.median / peer_rate.median >= GOAL_RATIO,
            "stage_costs_us_per_event": stages,
            "load_average": os.getloadavg(),
        },
    )
    print(f"[bench] stage costs (us/event): {record['notes']['stage_costs_us_per_event']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
