"""The concrete event types and the discriminated union that picks one by ``event_type``.

Typed events (the commerce and navigation vocabulary, plus the identity calls) are
picked by their literal name. Any other name is a custom event (schema version 2 on):
see :mod:`eventtide.core.events.custom`.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, get_args

from pydantic import Field, TypeAdapter

from eventtide.core.events.custom import CustomEvent
from eventtide.core.events.envelope import Envelope
from eventtide.core.events.properties import (
    AddToCartProperties,
    AliasProperties,
    CheckoutStartedProperties,
    ClickProperties,
    IdentifyProperties,
    LoginProperties,
    LogoutProperties,
    PageViewProperties,
    PurchaseProperties,
    RemoveFromCartProperties,
    SearchProperties,
    SignupProperties,
    VideoPlayProperties,
)


class PageViewEvent(Envelope):
    """A page or screen view."""

    event_type: Literal["page_view"]
    properties: PageViewProperties = PageViewProperties()


class ClickEvent(Envelope):
    """A click on an element."""

    event_type: Literal["click"]
    properties: ClickProperties


class SearchEvent(Envelope):
    """A search query."""

    event_type: Literal["search"]
    properties: SearchProperties


class AddToCartEvent(Envelope):
    """A product added to the cart."""

    event_type: Literal["add_to_cart"]
    properties: AddToCartProperties


class RemoveFromCartEvent(Envelope):
    """A product removed from the cart."""

    event_type: Literal["remove_from_cart"]
    properties: RemoveFromCartProperties


class CheckoutStartedEvent(Envelope):
    """Checkout begun."""

    event_type: Literal["checkout_started"]
    properties: CheckoutStartedProperties


class PurchaseEvent(Envelope):
    """An order paid."""

    event_type: Literal["purchase"]
    properties: PurchaseProperties


class SignupEvent(Envelope):
    """An account created."""

    event_type: Literal["signup"]
    properties: SignupProperties


class LoginEvent(Envelope):
    """A login attempt."""

    event_type: Literal["login"]
    properties: LoginProperties


class LogoutEvent(Envelope):
    """A logout."""

    event_type: Literal["logout"]
    properties: LogoutProperties = LogoutProperties()


class VideoPlayEvent(Envelope):
    """A video started."""

    event_type: Literal["video_play"]
    properties: VideoPlayProperties


class IdentifyEvent(Envelope):
    """``user_id`` is known: link the anonymous id it was sent under before, set traits."""

    event_type: Literal["identify"]
    properties: IdentifyProperties = IdentifyProperties()


class AliasEvent(Envelope):
    """``properties.previous_id`` and ``user_id`` are one person."""

    event_type: Literal["alias"]
    properties: AliasProperties


TypedEvent = (
    PageViewEvent
    | ClickEvent
    | SearchEvent
    | AddToCartEvent
    | RemoveFromCartEvent
    | CheckoutStartedEvent
    | PurchaseEvent
    | SignupEvent
    | LoginEvent
    | LogoutEvent
    | VideoPlayEvent
    | IdentifyEvent
    | AliasEvent
)
"""Any one event of the typed vocabulary."""

AnyEvent = TypedEvent | CustomEvent
"""Any one event, as a type for annotations."""

Event = Annotated[TypedEvent, Field(discriminator="event_type")]
"""A typed event, as a validator: ``event_type`` picks the model."""

EVENT_ADAPTER: Final[TypeAdapter[TypedEvent]] = TypeAdapter(Event)
"""The typed events' validator. Names outside the vocabulary are tried as custom events
by :mod:`eventtide.core.events.validation`, so the typed hot path pays nothing for them."""

CUSTOM_ADAPTER: Final[TypeAdapter[CustomEvent]] = TypeAdapter(CustomEvent)

EVENT_MODELS: Final[dict[str, type[Envelope]]] = {
    get_args(model.model_fields["event_type"].annotation)[0]: model
    for model in get_args(TypedEvent)
}
"""Typed event name to its model."""

EVENT_TYPES: Final = tuple(EVENT_MODELS)
"""Every typed event name."""

IDENTITY_TYPES: Final = ("identify", "alias")
"""The identity calls: they link ids and set traits, they are not user activity."""

ACTIVITY_TYPES: Final = tuple(name for name in EVENT_TYPES if name not in IDENTITY_TYPES)
"""Typed events that are something a user did; ``user_stats`` counts each of them."""
