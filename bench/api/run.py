"""bench/api: ingestion through HTTP against the bare producer, and analytics latency.

Ingestion: Locust (headless, batches of 100) against one ``eventtide api serve``
process, as fast as it answers, then at half that rate for latency; the bare producer
(the same events validated, encoded and acknowledged with no HTTP) is the ceiling,
measured in the same run. Every 2xx means Kafka acknowledged all 100 events. At half
load the bare producer also sends batches of 100 at the same rate and times each
batch's acknowledgements: the latency floor the broker and the shared cores set.
Queries: p50/p99 of a profile, a 30-day daily trend with breakdown, a 4-step funnel
and an 8-week retention matrix over HTTP, at two stored sizes (1M and 10M events of
10,000 users over 30 days; --quick: 5k and 20k of 1,000 users), to show how cost grows.

Environment options (the backfill is the long part: about 103 s per million events):
``BENCH_API_SIZES=1000000,10000000`` the stored sizes; ``BENCH_API_PARTS=queries`` (or
``ingest``) runs one half only; ``BENCH_API_KEEP=1`` keeps each backfilled database and
prints its name; ``BENCH_API_REUSE=1000000=bench_api_0123456789,...`` answers a size from
a kept database on the same server (upgraded to head, never dropped) instead of a backfill.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.api import ingest, queries
from bench.api.sessions_fill import sessionize
from bench.harness import (
    Comparison,
    Series,
    drop_database,
    fresh_database,
    parse_args,
    repeat,
    report,
)
from eventtide.core.db.migrate import upgrade

GOALS_MS = {
    "profile": 25.0,
    "trend": 300.0,
    "funnel": 300.0,
    "retention": 1_000.0,
    "lifecycle": 1_000.0,
    "stickiness": 1_000.0,
    "paths": 1_000.0,
    "weekly active": 1_000.0,
    "property math": 1_000.0,
    "count per user": 1_000.0,
    "formula": 1_000.0,
}
INGEST_GOAL = 30_000.0
LATENCY_GOAL_MS = 50.0


def _goal(name: str) -> float:
    return next(v for k, v in GOALS_MS.items() if name.startswith(k))


def measure_ingest(env: dict[str, str], runs: int, quick: bool, out: Path) -> dict[str, Any]:
    """Full-speed and half-load Locust runs against one API process, and the bare producer."""
    key = ingest.ingest_key(env["DATABASE_URL"])
    topic = f"bench.api.{uuid.uuid4().hex[:8]}"
    seconds, users = (3.0, 8) if quick else (15.0, 16)  # quick: that it runs, not figures
    http, bare = Series("HTTP, 1 API process", "events/s"), Series("bare producer", "events/s")
    p50 = Series("p50 at half load", "ms", higher_is_better=False)
    p99 = Series("p99 at half load", "ms", higher_is_better=False)
    bare_p99 = Series("bare producer p99, same load", "ms", higher_is_better=False)
    cpu: list[float] = []
    client: list[float] = []
    server = ingest.ApiServer(env, topic, out / "api-ingest.log")
    try:

        def once(_index: int) -> dict[str, float]:
            used = server.cpu_seconds()
            full = ingest.locust(server.url, key, users=users, seconds=seconds, rate=None, out=out)
            cpu.append(full.events_per_s * seconds / max(server.cpu_seconds() - used, 1e-9))
            client.append(full.client_cpu_s / seconds)
            per_user = full.events_per_s / 2 / ingest.BATCH / users
            half = ingest.locust(
                server.url, key, users=users, seconds=seconds, rate=per_user, out=out
            )
            floor = ingest.bare_latency(
                env["KAFKA_BOOTSTRAP_SERVERS"], topic, events_per_s=full.events_per_s / 2,
                seconds=seconds,
            )  # fmt: skip
            http.values.append(full.events_per_s)
            p50.values.append(half.p50_ms)
            p99.values.append(half.p99_ms)
            bare_p99.values.append(floor.p99_ms)
            return {"http_events_s": full.events_per_s, "failed_requests": full.failures,
                    "server_events_per_cpu_s": cpu[-1], "client_cores": client[-1],
                    "half_p50_ms": half.p50_ms, "half_p99_ms": half.p99_ms,
                    "bare_half_p50_ms": floor.p50_ms, "bare_half_p99_ms": floor.p99_ms}  # fmt: skip

        repeat(runs, "api ingest", once)
    finally:
        server.stop()
    count = 20_000 if quick else 200_000
    for _ in range(runs):
        bare.values.append(ingest.bare_producer(env["KAFKA_BOOTSTRAP_SERVERS"], topic, count))
    goal = Series("goal", "ms", [LATENCY_GOAL_MS], higher_is_better=False)
    return {
        "comparisons": [
            Comparison("ingest events/s, batches of 100", http, bare),
            Comparison("latency p99 at half load vs goal", p99, goal, goal_ratio=1.0),
            Comparison("latency p50 at half load vs goal", p50, goal),
            Comparison("latency p99 at half load vs the bare producer's", p99, bare_p99),
        ],
        "events_per_server_cpu_second": statistics.median(cpu),
        "load_client_cores": statistics.median(client),
        "goal_events_per_s": INGEST_GOAL,
    }


def parse_reuse(value: str) -> dict[int, str]:
    """``BENCH_API_REUSE``: ``size=database`` pairs, comma-separated."""
    found: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        size, sep, name = item.partition("=")
        if not sep or not size.isdigit() or not name:
            raise SystemExit(f"BENCH_API_REUSE: {item!r} is not size=database_name")
        found[int(size)] = name
    return found


def _database(
    env: dict[str, str], size: int, users: int, reuse: dict[int, str], keep: bool
) -> tuple[str, float | None, bool]:
    """The database answering ``size``: (url, backfill seconds or None if reused, drop it?)."""
    if size in reuse:
        url = make_url(env["DATABASE_URL"]).set(database=reuse[size])
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        sessions = sessionize(rendered)
        print(
            f"[bench] api queries: {size:,} events, {sessions:,} sessions"
            f" from kept database {reuse[size]}"
        )
        return rendered, None, False
    url_text = fresh_database(env["DATABASE_URL"], prefix="bench_api")
    try:
        seconds = queries.backfill(url_text, size, users=users, days=30)
        sessions = sessionize(url_text)
    except BaseException:
        drop_database(env["DATABASE_URL"], url_text)
        raise
    print(f"[bench] api queries: {size:,} events stored in {seconds:.0f}s, {sessions:,} sessions")
    if keep:
        name = make_url(url_text).database
        print(f"[bench] api queries: kept {name}; reuse with BENCH_API_REUSE={size}={name}")
    return url_text, seconds, not keep


def measure_queries(
    env: dict[str, str], runs: int, sizes: Sequence[int], users: int, quick: bool, out: Path
) -> dict[str, Any]:
    """p50/p99 of each question at each size (medians over ``runs``)."""
    found: dict[int, dict[str, dict[str, list[float]]]] = {}
    backfill_s: dict[int, float | None] = {}
    reuse = parse_reuse(os.environ.get("BENCH_API_REUSE", ""))
    keep = os.environ.get("BENCH_API_KEEP", "") not in ("", "0")
    for size in sizes:
        url, backfill_s[size], drop = _database(env, size, users, reuse, keep)
        try:
            key = queries.read_key(url)
            server = ingest.ApiServer(env | {"DATABASE_URL": url}, "bench.api.read", out / "q.log")
            try:
                per: dict[str, dict[str, list[float]]] = {}

                def once(
                    _index: int, key: str = key, per: Any = per, base: str = server.url
                ) -> Any:
                    figures = {}
                    for question in queries.questions(users, quick):
                        got = queries.ask(base, key, question, users)
                        slot = per.setdefault(question.name, {"p50": [], "p99": []})
                        slot["p50"].append(got["p50"])
                        slot["p99"].append(got["p99"])
                        short = question.name.split(":")[0]
                        figures[f"{short} p50 ms"] = got["p50"]
                        figures[f"{short} p99 ms"] = got["p99"]
                    return figures

                repeat(runs, f"api queries at {size:,} events", once)
                found[size] = per
            finally:
                server.stop()
        finally:
            if drop:
                drop_database(env["DATABASE_URL"], url)
    small, large = sizes[0], sizes[-1]
    comparisons = []
    for name in found[large]:
        short = name.split(":")[0]
        at_large = Series(f"{large:,} events", "ms", found[large][name]["p99"], False)
        comparisons.append(
            Comparison(f"{short} p99 vs goal", at_large,
                       Series("goal", "ms", [_goal(short)], higher_is_better=False), 1.0)
        )  # fmt: skip
        grown = Series(f"{large:,} events", "ms", found[large][name]["p50"], False)
        base = Series(f"{small:,} events", "ms", found[small][name]["p50"], False)
        if large != small:
            comparisons.append(Comparison(f"{short} p50 growth", grown, base))
    table = {
        f"{size:,}": {
            name: {k: statistics.median(v) for k, v in figures.items()}
            for name, figures in per.items()
        }
        for size, per in found.items()
    }
    return {"comparisons": comparisons, "table_ms": table, "backfill_s": backfill_s}


def main(argv: Sequence[str] | None = None) -> int:
    """Both halves, one record."""
    args = parse_args(__doc__ or "", argv)
    env = dict(os.environ)
    if "KAFKA_BOOTSTRAP_SERVERS" not in env or "DATABASE_URL" not in env:
        print("KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL must be set; run through `make bench`")
        return 2
    sizes = (5_000, 20_000) if args.quick else (1_000_000, 10_000_000)
    users = 1_000 if args.quick else 10_000
    if os.environ.get("BENCH_API_SIZES"):
        sizes = tuple(int(s) for s in os.environ["BENCH_API_SIZES"].split(","))  # type: ignore[assignment]
    parts = set(os.environ.get("BENCH_API_PARTS", "ingest,queries").split(","))
    if not parts or parts - {"ingest", "queries"}:
        print("BENCH_API_PARTS takes ingest, queries or both (comma-separated)")
        return 2
    ingest_part: dict[str, Any] = {
        "comparisons": [],
        "events_per_server_cpu_second": None,
        "load_client_cores": None,
    }
    query_part: dict[str, Any] = {"comparisons": [], "table_ms": {}, "backfill_s": {}}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        out = Path(tmp)
        if "ingest" in parts:
            ingest_part = measure_ingest(env, args.runs, args.quick, out)
        if "queries" in parts:
            query_part = measure_queries(env, args.runs, sizes, users, args.quick, out)
    report(
        "api",
        ingest_part["comparisons"] + query_part["comparisons"],
        quick=args.quick,
        parameters={
            "runs": args.runs,
            "batch": ingest.BATCH,
            "sizes": list(sizes),
            "users": users,
            "days": 30,
            "parts": sorted(parts),
        },
        extra_versions={"locust": _version("locust"), "uvicorn": _version("uvicorn")},
        notes={
            "events_per_server_cpu_second": ingest_part["events_per_server_cpu_second"],
            "load_client_cores": ingest_part["load_client_cores"],
            "ingest_goal_events_per_s": INGEST_GOAL,
            "query_goals_ms": GOALS_MS,
            "queries_ms": query_part["table_ms"],
            "backfill_seconds": query_part["backfill_s"],
        },
    )
    return 0


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    sys.exit(main())
