"""``GET /v1/whoami``: the caller's scopes, so the dashboard shows only what it may do."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from eventtide.api.deps import ReadCaller
from eventtide.api.problems import PROTECTED, documented

router = APIRouter(responses=documented(*PROTECTED), tags=["auth"])


class WhoAmI(BaseModel):
    """Who the credentials belong to and what they allow."""

    subject: str = Field(examples=["key:ab12cd34"])
    scopes: list[str] = Field(examples=[["read"]])


@router.get("/v1/whoami", response_model=WhoAmI, summary="The caller's scopes")
def whoami(caller: ReadCaller) -> WhoAmI:
    """Any key or token with the read scope may ask (admin includes read)."""
    return WhoAmI(subject=caller.subject, scopes=sorted(caller.scopes))
