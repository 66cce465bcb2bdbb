"""What every typed event's properties share: ``extra``, the fields it does not define.

An SDK that already speaks Segment's e-commerce spec sends "Product Added" with a name,
a brand and a category; the typed ``add_to_cart`` keeps the product, price and quantity
it defines. The rest goes to ``extra`` rather than being dropped, so mapping onto the
typed vocabulary never loses what the client sent. Unknown fields outside ``extra`` are
still refused: a typo in a native event must fail loudly.
"""

from __future__ import annotations

from pydantic import BaseModel

from eventtide.core.events.properties.common import STRICT_PROPERTIES
from eventtide.core.events.properties.freeform import FreeformProperties


class TypedProperties(BaseModel):
    """Base of every typed event's properties model."""

    model_config = STRICT_PROPERTIES

    extra: FreeformProperties | None = None
