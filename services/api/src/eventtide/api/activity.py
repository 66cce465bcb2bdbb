"""The parameters of a question about the persons doing one event per local period
(``/v1/lifecycle``, ``/v1/stickiness``), read once for both routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from eventtide.api import params
from eventtide.core.db.queries.active_periods import Question
from eventtide.core.db.queries.calendar import Period


def _asked(
    event: Annotated[params.Name, Query(examples=["page_view"])],
    period: Annotated[Period, Query(examples=["week"])] = "day",
    timezone: Annotated[
        str, Query(max_length=64, examples=["UTC"], json_schema_extra={"enum": params.ZONES})
    ] = "UTC",
    since: Annotated[datetime | None, Query(examples=["2026-10-01T00:00:00Z"])] = None,
    until: Annotated[datetime | None, Query(examples=["2026-12-01T00:00:00Z"])] = None,
    where: Annotated[list[params.Where], Query(examples=[["context.country=DE"]])] = [],  # noqa: B006
    where_any: params.WhereAnyQuery = [],  # noqa: B006
) -> Question:
    flt, zone = params.local_event_filter(since, until, where, timezone, where_any)
    return Question(event, period, zone, flt.since, flt.until, flt.matches)


ActivityQuestion = Annotated[Question, Depends(_asked)]
"""``event``, ``period`` (day, week or month), ``timezone``, ``since``, ``until`` and ``where``."""
