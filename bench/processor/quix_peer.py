"""The peer job in Quix Streams 3.28: a 1-minute tumbling count per event type, exactly once.

Run with the isolated environment's interpreter (``bench/processor/quix_env.py`` makes it;
Quix pins confluent-kafka below ours, so it never enters the project's lock):
``python quix_peer.py BOOTSTRAP TOPIC EVENTS``. Prints one JSON line with events/s.

Set up as Quix's docs recommend for the job: events keyed by user, so ``group_by`` on
the event type repartitions through an internal topic; event time from ``occurred_at``;
``processing_guarantee="exactly-once"`` (Kafka transactions); the default RocksDB state
and 5 s commit interval. The clock runs from the first input message to the last one
counted after the repartition (the window stage has seen every event).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import datetime
from typing import Any

from quixstreams import Application  # type: ignore[import-not-found]  # its own venv


def _event_time(value: Any, _headers: Any, _timestamp: float, _kind: Any) -> int:
    """Milliseconds of ``occurred_at`` (ISO 8601 in our events)."""
    return int(datetime.fromisoformat(value["occurred_at"]).timestamp() * 1000)


def main(argv: list[str]) -> int:
    """Count per event type and minute until every event passed the window stage."""
    bootstrap, topic_name, events = argv[0], argv[1], int(argv[2])
    state_dir = f"/tmp/quix-state-{uuid.uuid4().hex[:8]}"  # noqa: S108 - a throwaway store
    app = Application(
        broker_address=bootstrap,
        consumer_group=f"quix-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        state_dir=state_dir,
        loglevel="WARNING",
    )
    source = app.topic(topic_name, value_deserializer="json", timestamp_extractor=_event_time)
    output = app.topic(f"{topic_name}.quix.counts", value_serializer="json")
    marks: dict[str, float] = {}
    seen = [0, 0]

    def first(_value: Any) -> None:
        seen[0] += 1
        if seen[0] == 1:
            marks["start"] = time.perf_counter()
        if seen[0] == events:
            marks["read"] = time.perf_counter()

    def windowed(_value: Any) -> None:
        seen[1] += 1
        if seen[1] == events:
            marks["end"] = time.perf_counter()
            app.stop()  # every event passed the window stage; stopping commits the checkpoint

    sdf = app.dataframe(source)
    sdf = sdf.update(first)
    sdf = sdf.group_by("event_type")
    sdf = sdf.update(windowed)
    sdf = sdf.tumbling_window(60_000).count().final()
    sdf.to_topic(output)
    # The idle timeout only ends a run that stalls; the job stops itself once every event
    # is counted. It must outlast the commit interval (5 s): under exactly-once the
    # repartitioned events become visible only when their transaction commits, 4.3 to
    # 5.3 s after the last of 8,000 input events was read, so the 5 s timeout used before
    # could stop the job short (exit 1), as it did once in a full test run.
    app.run(timeout=60.0, collect=False)
    if "end" not in marks:
        print(f"only {seen[1]} of {events} events reached the window stage", file=sys.stderr)
        return 1
    elapsed = marks["end"] - marks["start"]
    # drain_s: from the last input event read to the last one through the repartition
    drain = marks["end"] - marks["read"]
    result = {"events": seen[1], "elapsed_s": elapsed, "events_per_s": events / elapsed}
    print(json.dumps({**result, "drain_s": drain}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
