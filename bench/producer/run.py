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

import orjson
from confluent_kafka import Producer, libversion
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from bench.harness import Comparison, Series, parse_args, repeat, report
from eventtide.core.events import Rejection, validate_event
from eventtide.core.kafka import EventProducer, WireMessage, encode_data, producer_config
from eventtide.producer.generator import GeneratorConfig, Simulation
from eventtide.producer.runner import run
from eventtide.producer.settings import ProducerSettings
from eventtide.producer.sources import simulated

GOAL_EVENTS_PER_S = 150_000
GOAL_RATIO = 0.5
PARTITIONS = 6
USERS = 10_000
STAGE_ROUNDS = 3


def simulation(seed: int) -> Simulation:
    """A month of history for 10,000 users: far more events than a run sends."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return Simulation(GeneratorConfig(users=USERS, seed=seed, start=start, days=30))


def fresh_topic(admin: AdminClient, prefix: str) -> str:
    """A new topic with the partition count of a small deployment."""
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(30)
    return name


def ours(config: dict[str, Any], topic: str, count: int, seed: int) -> tuple[float, float]:
    """Events/s of the whole path, delivery confirmed, and main-thread CPU us per event.

    Main-thread CPU is what the path costs in Python; the broker and librdkafka's own
    threads are left out, and it suffers less than wall time from busy neighbours.
    """
    sim = simulation(seed)  # building the population is set-up, not the path
    producer = EventProducer(config, topic)
    cpu = time.thread_time()
    result = run(simulated(sim), producer, limit=count)
    cpu = time.thread_time() - cpu
    assert result.sent == count, result.to_json()
    assert result.failed == 0, result.to_json()
    return result.sent / result.elapsed_s, cpu / count * 1e6


def payloads(count: int, seed: int) -> list[WireMessage]:
    """The same events our path sends, serialized up front for the ceiling loop.

    Made by the same encoder as our path, so both send byte-identical messages.
    """
    messages = []
    for raw in itertools.islice(simulation(seed).events(), count):
        message = encode_data(raw)
        assert not isinstance(message, Rejection)
        messages.append(message)
    return messages


def ceiling(
    config: dict[str, Any], topic: str, messages: Sequence[WireMessage]
) -> tuple[float, float]:
    """A bare produce loop over pre-serialized messages, delivery confirmed.

    Returns events/s and main-thread CPU microseconds per event.
    """
    delivered = failed = 0

    def on_delivery(err: Any, _msg: Any) -> None:
        nonlocal delivered, failed
        if err is None:
            delivered += 1
        else:
            failed += 1

    producer = Producer(config)
    produce, poll = producer.produce, producer.poll
    started, cpu = time.perf_counter(), time.thread_time()
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
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    assert delivered == len(messages)
    assert failed == 0
    return delivered / elapsed, cpu / delivered * 1e6


def stage_costs(count: int, seed: int) -> dict[str, float]:
    """CPU microseconds per event of each stage before Kafka, one stage added at a time.

    ``validate`` is :func:`validate_event` and ``serialize`` the orjson dump of the
    validated dict, the two halves of :func:`encode_data`; ``encode_data`` is that
    function as the path calls it (both, plus key and headers). Measured as process
    CPU time, since the machine is shared.
    """

    def generate(raw: dict[str, Any]) -> None:
        return None

    def validate(raw: dict[str, Any]) -> None:
        validate_event(raw)

    def serialize(raw: dict[str, Any]) -> None:
        validate_event(raw)
        orjson.dumps(raw, option=orjson.OPT_UTC_Z)

    def encode(raw: dict[str, Any]) -> None:
        encode_data(raw)

    costs: dict[str, float] = {}
    for _ in range(STAGE_ROUNDS):  # interleaved, best of each: noise only ever adds
        for stage in (generate, validate, serialize, encode):
            events = itertools.islice(simulation(seed).events(), count)
            started = time.process_time()
            for raw in events:
                stage(raw)
            spent = (time.process_time() - started) / count * 1e6
            costs[stage.__name__] = min(spent, costs.get(stage.__name__, spent))
    return {
        "generate_us": round(costs["generate"], 2),
        "validate_us": round(costs["validate"] - costs["generate"], 2),
        "serialize_us": round(costs["serialize"] - costs["validate"], 2),
        "encode_data_us": round(costs["encode"] - costs["generate"], 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Alternate ours and the ceiling ``--runs`` times and write the comparison."""
    args = parse_args(__doc__ or "", argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        print("KAFKA_BOOTSTRAP_SERVERS is not set; run through `make bench` or `python -m bench`")
        return 2
    count = 5_000 if args.quick else 300_000
    settings = ProducerSettings()
    config = producer_config(bootstrap, settings.tuning())
    admin = AdminClient({"bootstrap.servers": bootstrap})
    messages = payloads(count, seed=1)
    mean_bytes = sum(len(m.value) for m in messages) / len(messages)
    our_rate = Series("generate+validate+serialize+produce", "events/s")
    peer_rate = Series("bare confluent-kafka, pre-serialized", "events/s")
    # main-thread CPU per event: less at the mercy of neighbours than wall-clock rates
    our_cpu = Series("ours", "us/event", higher_is_better=False)
    peer_cpu = Series("ceiling", "us/event", higher_is_better=False)

    def once(index: int) -> dict[str, float]:
        mine, mine_cpu = ours(config, fresh_topic(admin, "ours"), count, seed=1)
        bare, bare_cpu = ceiling(config, fresh_topic(admin, "ceiling"), messages)
        our_rate.values.append(mine)
        peer_rate.values.append(bare)
        our_cpu.values.append(mine_cpu)
        peer_cpu.values.append(bare_cpu)
        return {"ours": mine, "ceiling": bare, "ours_cpu_us": mine_cpu, "ceiling_cpu_us": bare_cpu}

    repeat(args.runs, "producer", once)
    stages = stage_costs(min(count, 50_000), seed=1)
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
            "main_thread_cpu_us_per_event": {
                "ours": round(our_cpu.median, 2),
                "ceiling": round(peer_cpu.median, 2),
            },
            # what one event may cost in all, wall clock, to meet each goal here
            "budget_us_per_event": {
                "goal_events_per_s": round(1e6 / GOAL_EVENTS_PER_S, 2),
                "goal_ratio": round(1e6 / (GOAL_RATIO * peer_rate.median), 2),
            },
            "load_average": os.getloadavg(),
        },
    )
    print(f"[bench] stage costs (us/event): {record['notes']['stage_costs_us_per_event']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
