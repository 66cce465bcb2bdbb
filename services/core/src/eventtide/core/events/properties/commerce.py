"""Properties of the shopping funnel: cart changes, checkout and purchase."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from eventtide.core.events.properties.base import TypedProperties
from eventtide.core.events.properties.common import (
    STRICT_PROPERTIES,
    Currency,
    Identifier,
    Money,
    Quantity,
)

AMOUNT_TOLERANCE = 0.01
"""How far a purchase amount may differ from its items' total: one cent of rounding."""


class AddToCartProperties(TypedProperties):
    """A product was put in the cart."""

    model_config = STRICT_PROPERTIES

    product_id: Identifier
    price: Money
    quantity: Quantity
    currency: Currency


class RemoveFromCartProperties(TypedProperties):
    """A product was taken out of the cart."""

    model_config = STRICT_PROPERTIES

    product_id: Identifier
    quantity: Quantity


class CheckoutStartedProperties(TypedProperties):
    """The checkout began with this cart."""

    model_config = STRICT_PROPERTIES

    cart_value: Money
    item_count: Quantity
    currency: Currency


class LineItem(BaseModel):
    """One product line of an order."""

    model_config = STRICT_PROPERTIES

    product_id: Identifier
    price: Money
    quantity: Quantity


class PurchaseProperties(TypedProperties):
    """An order was paid.

    ``amount`` must equal the items' total (within a cent): revenue metrics sum amounts
    while product metrics sum items, and the two must agree.
    """

    model_config = STRICT_PROPERTIES

    order_id: Identifier
    items: Annotated[list[LineItem], Field(min_length=1, max_length=500)]
    amount: Money
    currency: Currency

    @field_validator("amount")
    @classmethod
    def _amount_matches_items(cls, amount: float, info: ValidationInfo) -> float:
        items: list[LineItem] | None = info.data.get("items")
        if items is None:  # the items are invalid themselves; that error is enough
            return amount
        total = math.fsum(item.price * item.quantity for item in items)
        if abs(amount - total) > AMOUNT_TOLERANCE:
            raise PydanticCustomError(
                "purchase_amount_mismatch",
                "amount {amount} disagrees with the items' total {total}",
                {"amount": amount, "total": round(total, 2)},
            )
        return amount
