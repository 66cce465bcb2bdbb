"""The envelope every event shares: identity, who, when, which version and where.

``event_id`` is the idempotency key: storage deduplicates on it, so a retried send is
harmless. ``event_type`` is the discriminator that picks the properties model.
Timestamps must carry a time zone and are normalised to UTC, because a naive time is
ambiguous and per-hour metrics would silently shift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from eventtide.core.events.clock import latest_allowed
from eventtide.core.events.context import Context
from eventtide.core.events.versions import CURRENT_SCHEMA_VERSION

UserId = Annotated[str, Field(min_length=1, max_length=128)]
SessionId = Annotated[str, Field(min_length=1, max_length=128)]


def _to_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


class Envelope(BaseModel):
    """Fields common to every event; subclasses add ``event_type`` and ``properties``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: UUID
    user_id: UserId
    session_id: SessionId
    occurred_at: Annotated[AwareDatetime, Field(strict=True)]
    received_at: Annotated[AwareDatetime, Field(strict=True)]
    schema_version: Annotated[int, Field(strict=True, ge=1, le=CURRENT_SCHEMA_VERSION)] = (
        CURRENT_SCHEMA_VERSION
    )
    context: Context

    @field_validator("occurred_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        limit = latest_allowed(info.context)
        if value > limit:
            raise PydanticCustomError(
                "occurred_in_future",
                "occurred_at {occurred_at} is later than the allowed clock skew ({limit})",
                {"occurred_at": value.isoformat(), "limit": limit.isoformat()},
            )
        return value

    @field_validator("received_at")
    @classmethod
    def _received_utc(cls, value: datetime) -> datetime:
        return _to_utc(value)
