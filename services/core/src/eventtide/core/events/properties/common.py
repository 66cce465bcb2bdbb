"""Constrained field types shared by the properties models."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import ConfigDict, Field

STRICT_PROPERTIES = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
"""Properties reject unknown fields: a typo must fail loudly, not vanish."""

Identifier = Annotated[str, Field(min_length=1, max_length=128)]
Money = Annotated[float, Field(ge=0, description="Amount in the currency's major unit")]
MAX_QUANTITY: Final = 10_000
"""The most items one line of an order counts."""
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
