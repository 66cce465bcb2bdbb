"""``GET /v1/trends/formula``: PostHog's trend formula, a sum, difference, product or
ratio of several series (the share of viewers who buy, revenue per buyer)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from eventtide.api import formula as formulas
from eventtide.api import params, trend_questions, trend_series
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, documented
from eventtide.api.schemas import FormulaInput, FormulaResponse, TrendSeries
from eventtide.api.trend_questions import SeriesQuestion
from eventtide.core.db.queries import trends
from eventtide.core.db.queries.filters import EventFilter

router = APIRouter(responses=documented(*PROTECTED), tags=["analytics"])


@router.get(
    "/v1/trends/formula", response_model=FormulaResponse, summary="A formula over trend series"
)
def get_formula(
    engine: EngineDep,
    _caller: ReadCaller,
    series: Annotated[
        list[trend_questions.Series],
        Query(examples=[["unique_users:page_view", "unique_users:purchase"]]),
    ],
    formula: Annotated[
        str, Query(min_length=1, max_length=formulas.MAX_LENGTH, examples=["B / A * 100"])
    ],
    series_where: Annotated[
        list[trend_questions.SeriesWhere], Query(examples=[["B:context.platform=ios"]])
    ] = [],  # noqa: B006
    interval: Annotated[trends.Interval, Query(examples=["day"])] = "day",
    timezone: params.ZoneQuery = "UTC",
    breakdown: params.BreakdownQuery = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
    since: Annotated[datetime | None, Query(examples=["2026-11-04T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-04T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
    compare: Annotated[bool, Query(examples=[True])] = False,
) -> FormulaResponse:
    """Each ``series`` is ``<metric>:<event type>`` (``count:page_view``,
    ``unique_users:purchase``), or ``<metric>(<property>):<event type>`` for property
    math (``avg(amount_cents):purchase``), with any metric of ``GET /v1/trends``; the
    first is ``A``, the next ``B``, up to ten. ``formula`` combines them with numbers,
    ``+ - * /`` and parentheses, bucket by bucket; a series without a value in a bucket
    counts 0 there, and a division by zero is 0, as PostHog works one out. A bucket no
    series has a value in is left out. ``where`` filters every series,
    ``series_where=B:<item>`` one.
    With ``breakdown`` series A's ``top`` values each get a line and the rest are one
    ``(other)``; every other series is split by the same values, so a country's line
    reads that country's numbers of each series. ``compare`` adds ``previous``: the
    formula over the range of the same length just before ``since``."""
    flt, zone = params.local_event_filter(since, until, where, timezone, where_any)
    split = params.breakdown_of(breakdown)
    questions = trend_questions.formula_series(series, series_where, interval)
    try:
        parsed = formulas.parse(formula, len(questions))
    except formulas.FormulaError as error:
        raise params.bad(str(error)) from error

    def answer(asked: EventFilter) -> list[TrendSeries]:
        found: dict[str, list[trends.TrendPoint]] = {}
        groups: trends.Top = top  # series A's top values, then the values every other splits by
        with engine.connect() as conn:
            for letter, question in zip(formulas.LETTERS, questions, strict=False):
                names_groups = letter == "A" and split is not None
                if letter not in parsed.letters and not names_groups:
                    continue
                got = trend_series.points(
                    conn, question, flt=asked, interval=interval, timezone=zone,
                    breakdown=split, top=groups,
                )  # fmt: skip
                if names_groups:
                    groups = tuple(sorted({p.group for p in got if p.group} - {trends.OTHER_VALUE}))
                if letter in parsed.letters:
                    found[letter] = got
        return trend_series.as_series(formulas.combine(parsed, found))

    previous = trend_series.previous_of(flt, zone, answer) if compare else None
    return FormulaResponse(
        formula=formula, interval=interval, timezone=zone,
        inputs=[_input(letter, q) for letter, q in zip(formulas.LETTERS, questions, strict=False)],
        series=answer(flt), previous=previous,
    )  # fmt: skip


def _input(letter: str, question: SeriesQuestion) -> FormulaInput:
    measured = question.measured
    return FormulaInput(
        letter=letter, event_type=question.event_type, metric=question.metric,
        property=measured.name if measured is not None else None,
    )  # fmt: skip
