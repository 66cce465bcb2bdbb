"""Where an event happened: the client's platform, device, country, page and agent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["web", "ios", "android", "server"]
Device = Literal["desktop", "mobile", "tablet", "tv", "bot", "unknown"]

CountryCode = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, upper case")
]


class Context(BaseModel):
    """The client context sent with every event.

    Kept flat and small: it is repeated on every event, and analytics break metrics down
    by these fields, so each one is a closed vocabulary or a bounded string.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    device: Device
    country: CountryCode
    page: Annotated[str, Field(min_length=1, max_length=2048, description="Path or screen")]
    referrer: Annotated[str, Field(max_length=2048)] | None = None
    user_agent: Annotated[str, Field(max_length=1024)] | None = None
