"""``GET /v1/predictions/churn/{user_id}`` (a user's churn probability and its reasons),
``/v1/predictions/churn`` (the highest-risk users) and ``/v1/anomalies`` (alerts in a
time range). Read scope; the rows come from the ML scorer and the processor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from eventtide.api import params
from eventtide.api.deps import EngineDep, ReadCaller
from eventtide.api.problems import PROTECTED, Problem, documented
from eventtide.core.db.queries import persons, predictions

router = APIRouter(responses=documented(*PROTECTED), tags=["predictions"])
DEFAULT_MODEL = "churn_online"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ModelName = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class Contribution(BaseModel):
    """How much one feature moved the probability away from a typical user's."""

    feature: str = Field(examples=["sessions_7d"])
    value: float | None = Field(examples=[0.0])
    effect: float = Field(examples=[0.21], description="P(churn) minus P(churn) at the median")


class ChurnPrediction(BaseModel):
    """A user's newest churn probability and the features that drove it."""

    user_id: str = Field(examples=["u-42"])
    probability: float = Field(ge=0, le=1, examples=[0.73])
    model: str = Field(examples=[DEFAULT_MODEL])
    model_version: int = Field(examples=[3])
    as_of: datetime
    scored_at: datetime
    top_features: list[Contribution]


class RiskList(BaseModel):
    """Users by their newest churn probability, highest first."""

    users: list[ChurnPrediction]


class Anomaly(BaseModel):
    """An alert: which rule, whom it concerns, when, how bad, and the evidence."""

    alert_id: str
    rule: str = Field(examples=["conversion_drop"])
    user_id: str
    severity: str = Field(examples=["high"])
    at: datetime
    evidence: dict[str, Any]


class AnomalyList(BaseModel):
    """Alerts in the asked range, oldest first."""

    anomalies: list[Anomaly]


def _time(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, UTC)


def _prediction(row: dict[str, Any]) -> ChurnPrediction:
    return ChurnPrediction(
        user_id=row["user_id"], probability=row["score"], model=row["model_name"],
        model_version=row["model_version"], as_of=_time(row["as_of"]),
        scored_at=_time(row["scored_at"]),
        top_features=[Contribution(**c) for c in row["contributions"]],
    )  # fmt: skip


@router.get(
    "/v1/predictions/churn/{user_id}",
    response_model=ChurnPrediction,
    responses=documented(404),
    summary="A user's churn probability",
)
def get_churn(
    engine: EngineDep,
    _caller: ReadCaller,
    user_id: Annotated[params.Name, Path(examples=["u-42"])],
    model: ModelName = DEFAULT_MODEL,
) -> ChurnPrediction:
    """The newest score of ``model`` for the user, with its top contributing features.

    Asked for any id of a person (a device id or the user id it signed in as), the
    newest score of any of its ids; the answer's ``user_id`` names the id scored.
    """
    with engine.connect() as conn:
        ids = persons.members(conn, user_id)
        row = predictions.latest_for_user(conn, model=model, user_ids=ids)
    if row is None:
        raise Problem(404, "not-found", "Not found", f"no {model} prediction for {user_id!r}")
    return _prediction(row)


@router.get("/v1/predictions/churn", response_model=RiskList, summary="The highest-risk users")
def list_churn(
    engine: EngineDep,
    _caller: ReadCaller,
    model: ModelName = DEFAULT_MODEL,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> RiskList:
    """Users by their newest churn probability, highest first."""
    with engine.connect() as conn:
        rows = predictions.highest_risk(conn, model=model, limit=limit)
    return RiskList(users=[_prediction(r) for r in rows])


@router.get("/v1/anomalies", response_model=AnomalyList, summary="Anomalies in a time range")
def list_anomalies(
    engine: EngineDep,
    _caller: ReadCaller,
    since: datetime | None = None,
    until: datetime | None = None,
    rule: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> AnomalyList:
    """Alerts from ``since`` (default: 7 days before ``until``) up to ``until`` (now)."""
    window = params.event_filter(since, until, [], now=datetime.now(UTC))
    with engine.connect() as conn:
        rows = predictions.anomalies(
            conn, start=_micros(window.since), end=_micros(window.until), rule=rule, limit=limit
        )
    return AnomalyList(anomalies=[Anomaly(**r | {"at": _time(r["at"])}) for r in rows])


def _micros(value: datetime) -> int:
    return (value - EPOCH) // timedelta(microseconds=1)
