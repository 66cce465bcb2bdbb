"""``GET /v1/funnels``: steps within a conversion window, in order, in strict order or
in any order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import FunnelGroupOut, FunnelPeriodOut, FunnelResponse, FunnelStepOut
from eventtide.core.db.queries import funnels, funnels_unordered

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])

FOURTEEN_DAYS = 14 * 86_400


@router.get("/v1/funnels", response_model=FunnelResponse, summary="Funnel")
def get_funnel(
    engine: EngineDep,
    _caller: ReadCaller,
    steps: Annotated[
        list[params.Name],
        Query(min_length=2, max_length=10, examples=[["signup", "add_to_cart", "purchase"]]),
    ],
    window_s: Annotated[int, Query(ge=1, le=366 * 86_400, examples=[86_400])] = FOURTEEN_DAYS,
    since: Annotated[datetime | None, Query(examples=["2026-11-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
    breakdown: params.BreakdownQuery = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
    step_where: Annotated[list[params.StepWhere], Query(examples=[["2:properties.plan=pro"]])] = [],  # noqa: B006
    exclude: Annotated[list[params.Exclude], Query(examples=[["1:2:coupon_applied"]])] = [],  # noqa: B006
    interval: Annotated[
        Literal["hour", "day", "week", "month"] | None, Query(examples=["day"])
    ] = None,
    timezone: params.ZoneQuery = "UTC",
    order: Annotated[
        Literal["ordered", "strict", "unordered"], Query(examples=["strict"])
    ] = "ordered",
) -> FunnelResponse:
    """Each ``steps[0]`` event in ``[since, until)`` starts an attempt (the filter
    applies to those entry events); an attempt takes each next step at its type's first
    event after the previous step and within ``window_s`` of its start, and a person
    counts the attempt that went furthest (PostHog's rule: a user who comes back and
    converts later counts). With ``breakdown`` each user counts in the group of their
    first entry event's value (first touch): the ``top`` values
    by entrants, and ``(other)`` for the rest. ``step_where`` filters one step's events
    (``2:context.platform=ios``: only iOS events count for the second step).
    ``exclude=1:2:coupon_applied`` leaves out of the whole funnel everyone who applied a
    coupon after the first step and before the second (PostHog's exclusion steps).
    ``interval`` adds ``over_time``: the funnel of each local period's entrants in
    ``timezone``, each from their first entry of the period (PostHog's historical
    trends of a funnel). ``order=strict`` (PostHog's strict order): no other event of
    the user may come between two steps (repeats of the step just taken may).
    ``order=unordered`` (PostHog's any order): step ``k`` counts the users who did
    ``k`` of the steps, whichever and in any order, within ``window_s`` of each other,
    ``where`` filtering every step's events."""
    flt, zone = params.local_event_filter(since, until, where, timezone, where_any)
    split = params.breakdown_of(breakdown)
    per_step = params.step_matches(step_where, len(steps))
    left_out = params.exclusions(exclude, len(steps))
    window = timedelta(seconds=window_s)
    if interval is not None and split is not None:
        raise params.bad("interval and breakdown each split the funnel: ask for one at a time")
    strict = order == "strict"
    if strict and left_out:
        raise params.bad(
            "exclude is for the default order: in strict order any other event between two"
            " steps already ends the attempt; leave out exclude or order=strict"
        )
    if order == "unordered":
        _check_unordered(steps, split is not None, interval is not None, bool(left_out))
        with engine.connect() as conn:
            reached = funnels_unordered.unordered_funnel(
                conn, flt=flt, steps=steps, window=window, step_matches=per_step
            )
        return FunnelResponse(window_seconds=window_s, order=order, steps=_steps_out(reached))
    groups, over_time = None, None
    with engine.connect() as conn:
        reached = funnels.funnel(
            conn, flt=flt, steps=steps, window=window, step_matches=per_step,
            exclusions=left_out, strict=strict,
        )  # fmt: skip
        if split is not None:
            found = funnels.funnel_groups(
                conn, flt=flt, steps=steps, window=window, breakdown=split, top=top,
                step_matches=per_step, exclusions=left_out, strict=strict,
            )  # fmt: skip
            groups = [FunnelGroupOut(group=g.group, steps=_steps_out(g.steps)) for g in found]
        if interval is not None:
            periods = funnels.funnel_over_time(
                conn, flt=flt, steps=steps, window=window, interval=interval, timezone=zone,
                step_matches=per_step, exclusions=left_out, strict=strict,
            )  # fmt: skip
            over_time = [
                FunnelPeriodOut(
                    start=p.start.isoformat(), users=p.users, conversion=p.users[-1] / p.users[0]
                )
                for p in periods
            ]
    return FunnelResponse(
        window_seconds=window_s, order=order, steps=_steps_out(reached), breakdown=breakdown,
        groups=groups, interval=interval, over_time=over_time,
    )  # fmt: skip


def _steps_out(reached: list[funnels.FunnelStep]) -> list[FunnelStepOut]:
    """Conversions from the first and from the previous step (0 where no one entered)."""
    first = reached[0].users
    out, previous = [], first
    for step in reached:
        out.append(
            FunnelStepOut(
                event_type=step.event_type,
                users=step.users,
                conversion_from_first=step.users / first if first else 0.0,
                conversion_from_previous=step.users / previous if previous else 0.0,
                median_seconds_from_previous=step.median_seconds,
            )
        )
        previous = step.users
    return out


def _check_unordered(steps: list[str], split: bool, by_period: bool, excluding: bool) -> None:
    """An unordered funnel's steps are different events, and it is asked whole."""
    if len(set(steps)) < len(steps):
        raise params.bad(
            "an unordered funnel's steps must be different events (one event would count"
            " as two steps): tell the repeated ones apart, or use order=ordered"
        )
    for asked, name in ((split, "breakdown"), (by_period, "interval"), (excluding, "exclude")):
        if asked:
            raise params.bad(f"{name} is not yet offered with order=unordered: leave one out")
