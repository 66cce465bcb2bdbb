"""Properties of the identity calls: ``identify`` (who an id is), ``alias`` (one person).

The envelope's ``user_id`` is the id an event was sent under: an anonymous device id
before login, the application's user id after. These two calls are what links them, the
way Segment's ``identify``/``alias`` and PostHog's ``$identify``/``$create_alias`` do; the
merge rule itself is in :mod:`eventtide.core.identity`.
"""

from __future__ import annotations

from pydantic import Field

from eventtide.core.events.properties.base import TypedProperties
from eventtide.core.events.properties.common import STRICT_PROPERTIES, Identifier
from eventtide.core.events.properties.freeform import FreeformProperties


class IdentifyProperties(TypedProperties):
    """The user ``user_id`` now is, the anonymous id it was, and traits to record.

    ``set`` overwrites a trait (the latest by event time wins); ``set_once`` records a
    trait only if the person has none of that name (the earliest wins), like PostHog's
    ``$set`` and ``$set_once``. An ``anonymous_id`` equal to ``user_id`` says the id is
    still anonymous: its own traits, which identify nobody (docs/events.md, rule 2).
    """

    model_config = STRICT_PROPERTIES

    anonymous_id: Identifier | None = None
    set: FreeformProperties = Field(default_factory=dict)
    set_once: FreeformProperties = Field(default_factory=dict)


class AliasProperties(TypedProperties):
    """``previous_id`` and the event's ``user_id`` are the same person from now on."""

    model_config = STRICT_PROPERTIES

    previous_id: Identifier
