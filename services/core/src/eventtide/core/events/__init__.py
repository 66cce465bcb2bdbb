"""The event schema: envelope, per-type properties, validation and rejections.

Import from here: ``from eventtide.core.events import AnyEvent, validate_event``.
Names load on first use, so importing one pure piece does not build every model.
"""

from typing import TYPE_CHECKING

from eventtide.core._lazy import lazy_exports

if TYPE_CHECKING:
    from eventtide.core.events.clock import (
        DEFAULT_MAX_CLOCK_SKEW,
        validation_context,
    )
    from eventtide.core.events.context import (
        Context,
    )
    from eventtide.core.events.custom import (
        CustomEvent,
    )
    from eventtide.core.events.envelope import (
        Envelope,
    )
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
    from eventtide.core.events.rejection import (
        Rejection,
        RejectionKind,
        Violation,
    )
    from eventtide.core.events.validation import (
        validate_event,
        validate_json_event,
    )
    from eventtide.core.events.versions import (
        CURRENT_SCHEMA_VERSION,
        OPEN_VOCABULARY_SINCE,
        SUPPORTED_SCHEMA_VERSIONS,
    )

_EXPORTS = {
    "DEFAULT_MAX_CLOCK_SKEW": "eventtide.core.events.clock",
    "validation_context": "eventtide.core.events.clock",
    "Context": "eventtide.core.events.context",
    "CustomEvent": "eventtide.core.events.custom",
    "Envelope": "eventtide.core.events.envelope",
    "ACTIVITY_TYPES": "eventtide.core.events.models",
    "CUSTOM_ADAPTER": "eventtide.core.events.models",
    "EVENT_ADAPTER": "eventtide.core.events.models",
    "EVENT_MODELS": "eventtide.core.events.models",
    "EVENT_TYPES": "eventtide.core.events.models",
    "IDENTITY_TYPES": "eventtide.core.events.models",
    "AddToCartEvent": "eventtide.core.events.models",
    "AliasEvent": "eventtide.core.events.models",
    "AnyEvent": "eventtide.core.events.models",
    "CheckoutStartedEvent": "eventtide.core.events.models",
    "ClickEvent": "eventtide.core.events.models",
    "Event": "eventtide.core.events.models",
    "IdentifyEvent": "eventtide.core.events.models",
    "LoginEvent": "eventtide.core.events.models",
    "LogoutEvent": "eventtide.core.events.models",
    "PageViewEvent": "eventtide.core.events.models",
    "PurchaseEvent": "eventtide.core.events.models",
    "RemoveFromCartEvent": "eventtide.core.events.models",
    "SearchEvent": "eventtide.core.events.models",
    "SignupEvent": "eventtide.core.events.models",
    "TypedEvent": "eventtide.core.events.models",
    "VideoPlayEvent": "eventtide.core.events.models",
    "Rejection": "eventtide.core.events.rejection",
    "RejectionKind": "eventtide.core.events.rejection",
    "Violation": "eventtide.core.events.rejection",
    "validate_event": "eventtide.core.events.validation",
    "validate_json_event": "eventtide.core.events.validation",
    "CURRENT_SCHEMA_VERSION": "eventtide.core.events.versions",
    "OPEN_VOCABULARY_SINCE": "eventtide.core.events.versions",
    "SUPPORTED_SCHEMA_VERSIONS": "eventtide.core.events.versions",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

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
