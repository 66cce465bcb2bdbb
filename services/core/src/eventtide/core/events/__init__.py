"""The event schema: envelope, per-type properties, validation and rejections.

Import from here: ``from eventtide.core.events import AnyEvent, validate_event``.
"""

from typing import TYPE_CHECKING

from eventtide.core._lazy import lazy_exports

if TYPE_CHECKING:
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

_EXPORTS = {
    "DEFAULT_MAX_CLOCK_SKEW": "eventtide.core.events.clock",
    "validation_context": "eventtide.core.events.clock",
    "Context": "eventtide.core.events.context",
    "Envelope": "eventtide.core.events.envelope",
    "EVENT_ADAPTER": "eventtide.core.events.models",
    "EVENT_MODELS": "eventtide.core.events.models",
    "EVENT_TYPES": "eventtide.core.events.models",
    "AddToCartEvent": "eventtide.core.events.models",
    "AnyEvent": "eventtide.core.events.models",
    "CheckoutStartedEvent": "eventtide.core.events.models",
    "ClickEvent": "eventtide.core.events.models",
    "Event": "eventtide.core.events.models",
    "LoginEvent": "eventtide.core.events.models",
    "LogoutEvent": "eventtide.core.events.models",
    "PageViewEvent": "eventtide.core.events.models",
    "PurchaseEvent": "eventtide.core.events.models",
    "RemoveFromCartEvent": "eventtide.core.events.models",
    "SearchEvent": "eventtide.core.events.models",
    "SignupEvent": "eventtide.core.events.models",
    "VideoPlayEvent": "eventtide.core.events.models",
    "Rejection": "eventtide.core.events.rejection",
    "RejectionKind": "eventtide.core.events.rejection",
    "Violation": "eventtide.core.events.rejection",
    "validate_event": "eventtide.core.events.validation",
    "validate_json_event": "eventtide.core.events.validation",
    "CURRENT_SCHEMA_VERSION": "eventtide.core.events.versions",
    "SUPPORTED_SCHEMA_VERSIONS": "eventtide.core.events.versions",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

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
