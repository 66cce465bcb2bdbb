"""One properties model per event type."""

from eventtide.core.events.properties.account import (
    LoginProperties,
    LogoutProperties,
    SignupProperties,
)
from eventtide.core.events.properties.commerce import (
    AddToCartProperties,
    CheckoutStartedProperties,
    LineItem,
    PurchaseProperties,
    RemoveFromCartProperties,
)
from eventtide.core.events.properties.freeform import FreeformProperties
from eventtide.core.events.properties.identity import AliasProperties, IdentifyProperties
from eventtide.core.events.properties.media import VideoPlayProperties
from eventtide.core.events.properties.navigation import (
    ClickProperties,
    PageViewProperties,
    SearchProperties,
)

__all__ = [
    "AddToCartProperties",
    "AliasProperties",
    "CheckoutStartedProperties",
    "ClickProperties",
    "FreeformProperties",
    "IdentifyProperties",
    "LineItem",
    "LoginProperties",
    "LogoutProperties",
    "PageViewProperties",
    "PurchaseProperties",
    "RemoveFromCartProperties",
    "SearchProperties",
    "SignupProperties",
    "VideoPlayProperties",
]
