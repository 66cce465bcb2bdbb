"""The event schema: envelope, per-type properties, validation and rejections.

Import from here: ``from eventtide.core.events import AnyEvent, validate_event``.
"""

from eventtide.core.events.clock import DEFAULT_MAX_CLOCK_SKEW, validation_context
from eventtide.core.events.context import Context
from eventtide.core.events.custom import CustomEvent
from eventtide.core.events.envelope import Envelope
from eventtide.core.events.models import (
    ACTIVITY_TYPES,
    CUSTOM_ADAPTER,
    EVENT_ADAPTER,
    EVENT_MODELS,
    EVENT_TYPES,
    IDENTITY_TYPES,
    AddToCartEvent,
    AliasEvent,
    AnyEvent,
    CheckoutStartedEvent,
    ClickEvent,
    Event,
    IdentifyEvent,
    LoginEvent,
    LogoutEvent,
    PageViewEvent,
    PurchaseEvent,
    RemoveFromCartEvent,
    SearchEvent,
    SignupEvent,
    TypedEvent,
    VideoPlayEvent,
)
from eventtide.core.events.rejection import Rejection, RejectionKind, Violation
from eventtide.core.events.validation import validate_event, validate_json_event
from eventtide.core.events.versions import (
    CURRENT_SCHEMA_VERSION,
    OPEN_VOCABULARY_SINCE,
    SUPPORTED_SCHEMA_VERSIONS,
)

__all__ = [
    "ACTIVITY_TYPES",
    "CURRENT_SCHEMA_VERSION",
    "CUSTOM_ADAPTER",
    "DEFAULT_MAX_CLOCK_SKEW",
    "EVENT_ADAPTER",
    "EVENT_MODELS",
    "EVENT_TYPES",
    "IDENTITY_TYPES",
    "OPEN_VOCABULARY_SINCE",
    "SUPPORTED_SCHEMA_VERSIONS",
    "AddToCartEvent",
    "AliasEvent",
    "AnyEvent",
    "CheckoutStartedEvent",
    "ClickEvent",
    "Context",
    "CustomEvent",
    "Envelope",
    "Event",
    "IdentifyEvent",
    "LoginEvent",
    "LogoutEvent",
    "PageViewEvent",
    "PurchaseEvent",
    "Rejection",
    "RejectionKind",
    "RemoveFromCartEvent",
    "SearchEvent",
    "SignupEvent",
    "TypedEvent",
    "VideoPlayEvent",
    "Violation",
    "validate_event",
    "validate_json_event",
    "validation_context",
]
