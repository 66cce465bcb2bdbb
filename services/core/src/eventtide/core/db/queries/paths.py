"""Paths: what persons do next, step by step, within a visit (PostHog's paths insight).

The definitions are PostHog's, so a team that moves over reads the same diagram:

- A path item is a page view's page (``context.page``, one trailing slash dropped) or
  another event's type; identify and alias events are no steps, they name people.
  Items that contain a wildcard pattern (``/product/*``) are that pattern: one node for
  every product page.
- Each person's (the ``persons`` rule) chosen events in ``[since, until)``, in time
  order, are split into paths wherever 30 minutes pass without one of them (PostHog's
  session threshold), and a repeated item is one step (``/a /a /b`` is ``/a /b``; the
  step's time is its last repeat's, so the time to the next step is not inflated).
- A path keeps its first ``steps`` items. With a start point it begins at its first
  such item (paths without it are left out); with an end point it ends at its first
  such item after the start and keeps the last ``steps`` items before it. With both,
  a path longer than ``steps`` keeps its first and last ``steps // 2`` items with one
  ``...`` step between them.
- An edge counts the paths that went from one step's item to the next step's, with the
  average seconds between them; a node counts the paths that reached it and how many
  went on.

One statement: the windows read each person's events in one order (docs/api.md has
where the time goes), and the edges are ranked and limited in it, so only the edges
shown, their nodes and the total leave the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.sql import Subquery

from eventtide.core.db.queries.filters import EVENTS, EventFilter, conditions, json_text
from eventtide.core.db.queries.persons import EVENTS_WITH_PERSONS, PERSON
from eventtide.core.db.queries.tuning import for_analytics

Kind = Literal["pages", "events"]
"""``pages``: page views, by page; ``events``: every other event, by type."""

SESSION_GAP: Final = timedelta(minutes=30)
"""Time without a chosen event after which a person's next one starts a new path."""

ELLIPSIS: Final = "..."
"""The step that stands for the middle of a path cut between its start and end points."""

NOT_STEPS: Final = ("identify", "alias")
"""Events that link ids to people rather than record something a person did."""


@dataclass(frozen=True, slots=True)
class PathsQuestion:
    """Which paths to draw: the events' filter, the kinds of items, the points a path
    starts or ends at, how many steps it keeps, wildcard groups and excluded items."""

    flt: EventFilter
    kinds: frozenset[Kind] = frozenset({"pages"})
    start: str | None = None
    end: str | None = None
    steps: int = 5
    groups: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class PathEdge:
    """Paths that went from ``source`` at step ``step`` to ``target`` at the next."""

    step: int
    source: str
    target: str
    paths: int
    average_seconds: float


@dataclass(frozen=True, slots=True)
class PathNode:
    """Paths that reached ``item`` at step ``step``, and how many of them went on."""

    step: int
    item: str
    paths: int
    continuing: int


@dataclass(frozen=True, slots=True)
class Paths:
    """The paths counted, the edges shown (strongest first) and the nodes they join."""

    paths: int
    edges: list[PathEdge]
    nodes: list[PathNode]


def point(item: str) -> str:
    """A start or end point as items are written: one trailing slash dropped."""
    return item[:-1] if len(item) > 1 and item.endswith("/") else item


def like_pattern(group: str) -> str:
    """The ``LIKE`` pattern of a wildcard group (``*`` any text, anywhere in the item)."""
    escaped = group.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.replace('*', '%')}%"


def paths(
    conn: Connection, asked: PathsQuestion, *, limit: int, least: int = 1, most: int | None = None
) -> Paths:
    """Every path counted, the ``limit`` strongest edges of at least ``least`` and at most
    ``most`` paths, and the nodes those edges join, each with all the paths that reached
    it: what a diagram can show (PostgreSQL). Only these rows leave the server: a month
    of a shop's pages makes over 100,000 distinct edges."""
    for_analytics(conn)
    steps = _steps(asked)
    groups = (
        select(
            steps.c.pos,
            steps.c.previous,
            steps.c.item,
            func.count().label("n"),
            func.count().filter(steps.c.goes_on).label("going_on"),
            func.coalesce(func.sum(steps.c.gap), 0).label("seconds"),
        )
        .group_by(steps.c.pos, steps.c.previous, steps.c.item)
        .cte("grouped")
    )
    at_least, at_most = literal(least, BigInteger), literal(most, BigInteger)
    strong = groups.c.n >= at_least if most is None else groups.c.n.between(at_least, at_most)
    shown = (
        select(groups)
        .where(groups.c.pos > 1, strong)
        .order_by(
            groups.c.n.desc(),
            groups.c.pos,
            groups.c.previous.collate("C"),
            groups.c.item.collate("C"),
        )
        .limit(limit)
        .cte("shown")
    )
    ends = union(
        select((shown.c.pos - 1).label("pos"), shown.c.previous.label("item")),
        select(shown.c.pos, shown.c.item),
    ).cte("ends")
    no_text = cast(null(), String)
    rows = conn.execute(
        union_all(
            select(
                literal("edge"),
                shown.c.pos - 1,
                shown.c.previous,
                shown.c.item,
                shown.c.n,
                shown.c.going_on,
                shown.c.seconds,
            ),
            select(
                literal("node"),
                groups.c.pos,
                groups.c.item,
                no_text,
                func.sum(groups.c.n),
                func.sum(groups.c.going_on),
                literal(0),
            )
            .join_from(groups, ends, and_(ends.c.pos == groups.c.pos, ends.c.item == groups.c.item))
            .group_by(groups.c.pos, groups.c.item),
            select(
                literal("total"),
                literal(0),
                no_text,
                no_text,
                func.coalesce(func.sum(groups.c.n), 0),
                literal(0),
                literal(0),
            ).where(groups.c.pos == 1),
        )
    )
    return answer(rows)


def answer(rows: Any) -> Paths:
    """The answer from ``(kind, step, item, target, paths, continuing, seconds)`` rows:
    ``edge`` rows (``item`` the source), ``node`` rows and one ``total``; edges by paths
    (most first), then step, source and target in byte order; nodes by step, paths and
    item."""
    total, edges, nodes = 0, [], []
    for kind, step, item, target, count, going_on, seconds in rows:
        if kind == "total":
            total = int(count)
        elif kind == "edge":
            edges.append(PathEdge(int(step), item, target, int(count), float(seconds) / int(count)))
        else:
            nodes.append(PathNode(int(step), item, int(count), int(going_on)))
    edges.sort(key=lambda e: (-e.paths, e.step, e.source.encode(), e.target.encode()))
    nodes.sort(key=lambda n: (n.step, -n.paths, n.item.encode()))
    return Paths(total, edges, nodes)


def _item(asked: PathsQuestion) -> ColumnElement[Any]:
    """An event's path item: its page or its type, then its wildcard group if any."""
    page = func.regexp_replace(func.coalesce(json_text("context", "page"), ""), "(.)/$", r"\1")
    item: ColumnElement[Any] = case(
        (EVENTS.c.event_type == "page_view", page), else_=EVENTS.c.event_type
    )
    if asked.groups:
        item = case(
            *[(item.like(like_pattern(g), escape="\\"), literal(g)) for g in asked.groups],
            else_=item,
        )
    return item


def _kinds(kinds: frozenset[Kind]) -> ColumnElement[bool]:
    """The event types the asked kinds of items are made of."""
    if kinds == {"pages"}:
        return EVENTS.c.event_type == "page_view"
    left_out = NOT_STEPS if "pages" in kinds else (*NOT_STEPS, "page_view")
    return EVENTS.c.event_type.not_in(left_out)


def _steps(asked: PathsQuestion) -> Subquery:
    """Each kept step of each path: its position, item, the item before it, the seconds
    since that one, and whether the path goes on."""
    item = _item(asked)
    chosen = (
        select(
            PERSON.label("person"),
            EVENTS.c.id,
            EVENTS.c.occurred_at.label("at"),
            item.label("item"),
        )
        .select_from(EVENTS_WITH_PERSONS)
        .where(conditions(asked.flt), _kinds(asked.kinds))
    )
    if asked.exclude:
        chosen = chosen.where(item.not_in(list(asked.exclude)))
    base = chosen.subquery("chosen")
    per_person = _in_order(base)
    since_last = base.c.at - func.lag(base.c.at).over(**per_person)
    until_next = func.lead(base.c.at).over(**per_person) - base.c.at
    marked = select(
        base,
        func.coalesce(since_last >= SESSION_GAP, true()).label("opens"),
        # a repeat is one step: keep the last of a run within a path
        (
            func.coalesce(until_next >= SESSION_GAP, true())
            | (func.lead(base.c.item).over(**per_person) != base.c.item)
        ).label("kept"),
    ).subquery("marked")
    sessions = select(
        marked.c.person, marked.c.id, marked.c.at, marked.c.item, marked.c.kept,
        func.count().filter(marked.c.opens).over(**_in_order(marked)).label("session"),
    ).subquery("sessions")  # fmt: skip
    per_path = _in_order(sessions, sessions.c.session)
    numbered = (
        select(
            sessions.c.person,
            sessions.c.session,
            sessions.c.at,
            sessions.c.item,
            func.row_number().over(**per_path).label("k"),
            func.lag(sessions.c.item).over(**per_path).label("previous"),
            func.lag(sessions.c.at).over(**per_path).label("previous_at"),
            func.lead(sessions.c.at).over(**per_path).isnot(None).label("has_next"),
        )
        .where(sessions.c.kept)
        .subquery("numbered")
    )
    return _cut(numbered, asked)


def _in_order(rows: Subquery, *within: ColumnElement[Any]) -> dict[str, Any]:
    """A window over each person's rows (and ``within`` them) in one order: time, then
    item in byte order, then storage order, so events of one instant fall the same way
    in every window and every answer."""
    return {
        "partition_by": (rows.c.person, *within),
        "order_by": (rows.c.at, rows.c.item.collate("C"), rows.c.id),
    }


def _first(rows: Subquery, item: str, *, from_k: ColumnElement[Any] | None = None) -> Any:
    """The position of a path's first ``item`` (at ``from_k`` or later), on every row."""
    found = rows.c.item == point(item)
    if from_k is not None:
        found = and_(found, rows.c.k >= from_k)
    return func.min(rows.c.k).filter(found).over(partition_by=(rows.c.person, rows.c.session))


def _cut(numbered: Subquery, asked: PathsQuestion) -> Subquery:
    """The steps each path keeps, renumbered from 1, with the ``...`` step of a path cut
    between its two points (PostHog's)."""
    n, half = asked.steps, asked.steps // 2
    rows = numbered
    lo: ColumnElement[Any] = literal(1)
    if asked.start is not None:
        rows = select(rows, _first(rows, asked.start).label("lo")).subquery("started")
        lo = rows.c.lo
    hi: ColumnElement[Any] = lo + n - 1
    middle: ColumnElement[Any] = null()
    if asked.end is not None:
        whole: dict[str, Any] = {"partition_by": (rows.c.person, rows.c.session)}
        columns = [_first(rows, asked.end, from_k=lo).label("hi")]
        if asked.start is not None:
            columns.append(
                func.max(rows.c.at).filter(rows.c.k == lo + half).over(**whole).label("middle")
            )
        rows = select(rows, *columns).subquery("ended")
        hi = rows.c.hi
        lo = rows.c.lo if asked.start is not None else func.greatest(hi - n + 1, 1)
        middle = rows.c.middle if asked.start is not None else null()
    k = rows.c.k
    pos: ColumnElement[Any] = k - lo + 1
    item: ColumnElement[Any] = rows.c.item
    previous: ColumnElement[Any] = case((k == lo, null()), else_=rows.c.previous)
    previous_at: ColumnElement[Any] = rows.c.previous_at
    keep: ColumnElement[bool] = true()
    if asked.start is not None and asked.end is not None:
        cut = hi - lo + 1 > n
        after_cut = cut & (k == hi - half + 1)
        pos = case((cut & (k - lo > half), half + 1 + k - (hi - half)), else_=pos)
        item = case((cut & (k - lo == half), literal(ELLIPSIS)), else_=item)
        previous = case((after_cut, literal(ELLIPSIS)), else_=previous)
        previous_at = case((after_cut, middle), else_=previous_at)
        keep = ~cut | (k - lo <= half) | (k > hi - half)
    placed = select(
        pos.label("pos"), item.label("item"), previous.label("previous"),
        func.extract("epoch", rows.c.at - previous_at).label("gap"),
        (rows.c.has_next & (k < hi)).label("goes_on"),
    ).where(lo.isnot(None), hi.isnot(None), k >= lo, k <= hi, keep)  # fmt: skip
    return placed.subquery("placed")
