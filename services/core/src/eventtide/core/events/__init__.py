"""The event schema: envelope, per-type properties, validation and rejections.

Import from here: ``from eventtide.core.events import AnyEvent, validate_event``.
"""

from eventtide.core.events.clock import DEFAULT_MAX_CLOCK_SKEW, validation_context
from eventtide.core.events.context import Context
from eventtide.core.events.envelope import Envelope
from eventtide.core.events.models import (
    EVENT_ADAPTER,
    EVENT_MODELS,
    EVENT_TYPES,
    AddToCartEvent,
    AnyEvent,
    CheckoutStartedEvent,
    ClickEvent,
    Event,
    LoginEvent,
    LogoutEvent,
    PageViewEvent,
    PurchaseEvent,
    RemoveFromCartEvent,
    SearchEvent,
    SignupEvent,
    VideoPlayEvent,
)
from eventtide.core.events.rejection import Rejection, RejectionKind, Violation
from eventtide.core.events.validation import validate_event, validate_json_event
from eventtide.core.events.versions import CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "DEFAULT_MAX_CLOCK_SKEW",
    "EVENT_ADAPTER",
    "EVENT_MODELS",
    "EVENT_TYPES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "AddToCartEvent",
    "AnyEvent",
    "CheckoutStartedEvent",
    "ClickEvent",
    "Context",
    "Envelope",
    "Event",
    "LoginEvent",
    "LogoutEvent",
    "PageViewEvent",
    "PurchaseEvent",
    "Rejection",
    "RejectionKind",
    "RemoveFromCartEvent",
    "SearchEvent",
    "SignupEvent",
    "VideoPlayEvent",
    "Violation",
    "validate_event",
    "validate_json_event",
    "validation_context",
]
