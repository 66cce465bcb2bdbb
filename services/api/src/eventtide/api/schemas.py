"""Request and response models of the API, with the examples OpenAPI shows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ItemResult(BaseModel):
    """What happened to one item of a request, in the order sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"index": 0, "status": "accepted", "event_id": "0b7e..."},
                {
                    "index": 1,
                    "status": "rejected",
                    "kind": "schema_violation",
                    "field": "context.country",
                    "rule": "string_pattern_mismatch",
                    "message": "String should match pattern '^[A-Z]{2}$'",
                },
            ]
        }
    )

    index: int
    status: Literal["accepted", "rejected"]
    event_id: str | None = None
    kind: str | None = None
    field: str | None = None
    rule: str | None = None
    message: str | None = None


class IngestResponse(BaseModel):
    """Counts and per-item results; sent only once Kafka acknowledged every event."""

    accepted: int = Field(examples=[99])
    rejected: int = Field(examples=[1])
    results: list[ItemResult]


class ProblemDoc(BaseModel):
    """RFC 9457 problem document."""

    type: str = Field(examples=["https://eventtide.io/problems/malformed-json"])
    title: str = Field(examples=["Malformed JSON"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["the body is not JSON: unexpected character"])
    instance: str | None = Field(default=None, examples=["/v1/events"])


class Health(BaseModel):
    """Liveness or readiness, with what was checked."""

    status: Literal["ok", "unavailable"] = Field(examples=["ok"])
    checks: dict[str, bool] = Field(default_factory=dict, examples=[{"kafka": True}])
