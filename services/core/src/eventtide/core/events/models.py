"""The concrete event types and the discriminated union that picks one by ``event_type``."""

from __future__ import annotations

from typing import Annotated, Final, Literal, get_args

from pydantic import Field, TypeAdapter

from eventtide.core.events.envelope import Envelope
from eventtide.core.events.properties import (
    AddToCartProperties,
    CheckoutStartedProperties,
    ClickProperties,
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


AnyEvent = (
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
)
"""Any one event, as a type for annotations."""

Event = Annotated[AnyEvent, Field(discriminator="event_type")]
"""Any one event, as a validator: ``event_type`` picks the model."""

EVENT_ADAPTER: Final[TypeAdapter[AnyEvent]] = TypeAdapter(Event)

EVENT_MODELS: Final[dict[str, type[Envelope]]] = {
    get_args(model.model_fields["event_type"].annotation)[0]: model for model in get_args(AnyEvent)
}
"""Event type name to its model."""

EVENT_TYPES: Final = tuple(EVENT_MODELS)
"""Every known event type name."""
