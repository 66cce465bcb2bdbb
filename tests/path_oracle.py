"""Plain-Python paths (``GET /v1/paths``), written from PostHog's array definition
(its paths query: group a person's events into arrays, split them at 30-minute gaps,
compact repeats, slice at the start and end points) rather than from the SQL windows."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta

from analytics_oracles import Person, Raw, _itself

Edge = tuple[int, str, str, int, float]
"""(source step, source, target, paths, average seconds)."""
Node = tuple[int, str, int, int]
"""(step, item, paths, continuing)."""


def _item(e: Raw, groups: tuple[str, ...]) -> str:
    item = re.sub(r"(.)/$", r"\1", e.page or "") if e.event_type == "page_view" else e.event_type
    for g in groups:
        if re.search(re.escape(g).replace(r"\*", ".*"), item, re.DOTALL):
            return g
    return item


def _chosen(e: Raw, kinds: set[str]) -> bool:
    if e.event_type in ("identify", "alias"):
        return False
    return ("pages" if e.event_type == "page_view" else "events") in kinds


def _limited(
    path: list[tuple[str, datetime]], start: str | None, end: str | None, n: int
) -> list[tuple[str, datetime]] | None:
    items = [i for i, _ in path]
    if start is not None:
        if start not in items:
            return None
        path = path[items.index(start) :]
        items = [i for i, _ in path]
    if end is not None:
        if end not in items:
            return None
        path = path[: items.index(end) + 1]
        if start is None:
            return path[-n:]
        if len(path) > n:
            half = n // 2
            return [*path[:half], ("...", path[half][1]), *path[-half:]]
        return path
    return path[:n]


def paths(
    events: list[Raw], *, since: datetime, until: datetime, kinds: set[str] | None = None,
    start: str | None = None, end: str | None = None, steps: int = 5,
    groups: tuple[str, ...] = (), exclude: tuple[str, ...] = (), person: Person = _itself,
    country: str | None = None,
) -> tuple[int, list[Edge], list[Node]]:  # fmt: skip
    """(paths, edges strongest first, nodes by step), before any edge limit."""
    kinds = kinds or {"pages"}
    trim = lambda p: p[:-1] if len(p) > 1 and p.endswith("/") else p  # noqa: E731
    start = None if start is None else trim(start)
    end = None if end is None else trim(end)
    timelines: dict[str, list[tuple[datetime, bytes, str]]] = defaultdict(list)
    for e in events:
        if not (since <= e.occurred_at < until and _chosen(e, kinds)):
            continue
        if country is not None and e.country != country:
            continue
        item = _item(e, groups)
        if item not in exclude:
            timelines[person(e.user_id)].append((e.occurred_at, item.encode(), item))
    edges: dict[tuple[int, str, str], list[float]] = defaultdict(list)
    nodes: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    total = 0
    for timeline in timelines.values():
        timeline.sort()
        sessions: list[list[tuple[str, datetime]]] = []
        for at, _, item in timeline:
            if not sessions or at - sessions[-1][-1][1] >= timedelta(minutes=30):
                sessions.append([])
            sessions[-1].append((item, at))
        for session in sessions:
            compact = [s for i, s in enumerate(session)
                       if i + 1 == len(session) or session[i + 1][0] != s[0]]  # fmt: skip
            limited = _limited(compact, start, end, steps)
            if not limited:
                continue
            total += 1
            for i, (item, at) in enumerate(limited):
                nodes[(i + 1, item)][0] += 1
                if i + 1 < len(limited):
                    nodes[(i + 1, item)][1] += 1
                if i:
                    previous, before = limited[i - 1]
                    edges[(i, previous, item)].append((at - before).total_seconds())
    found = [(s, a, b, len(g), sum(g) / len(g)) for (s, a, b), g in edges.items()]
    found.sort(key=lambda e: (-e[3], e[0], e[1].encode(), e[2].encode()))
    listed = [(s, i, n, on) for (s, i), (n, on) in nodes.items()]
    listed.sort(key=lambda n: (n[0], -n[2], n[1].encode()))
    return total, found, listed
