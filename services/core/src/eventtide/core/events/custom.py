"""Custom events: any name a product team tracks, with free-form properties.

Teams track "Onboarding Step Completed" and "Invite Sent", not only the typed
vocabulary, and they do not rewrite their tracking to adopt a new platform. A name
outside the typed vocabulary is therefore a custom event, from schema version 2 on
(version 1 writers promised the closed vocabulary, so for them an unknown name is
still ``unknown_event_type``). Typed names always mean the typed event: a ``purchase``
with bad properties is refused, never stored as a custom event.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from eventtide.core.events.envelope import Envelope
from eventtide.core.events.properties.freeform import FreeformProperties
from eventtide.core.events.versions import OPEN_VOCABULARY_SINCE

MAX_NAME_LENGTH: Final = 200
"""Longest custom event name, in characters (Segment's and PostHog's names fit)."""


def check_event_name(name: str) -> str:
    """1 to 200 printable characters, no leading or trailing white space."""
    if not name or len(name) > MAX_NAME_LENGTH or name != name.strip() or not name.isprintable():
        raise PydanticCustomError(
            "event_name_invalid",
            "a custom event name is 1 to {limit} printable characters without leading or "
            "trailing spaces; got {name!r}",
            {"limit": MAX_NAME_LENGTH, "name": name[: MAX_NAME_LENGTH + 20]},
        )
    return name


CustomEventName = Annotated[str, Field(strict=True), AfterValidator(check_event_name)]


class CustomEvent(Envelope):
    """An event outside the typed vocabulary: its name and whatever it carries."""

    event_type: CustomEventName
    properties: FreeformProperties = Field(default_factory=dict)

    @model_validator(mode="after")
    def _open_vocabulary_version(self) -> CustomEvent:
        if self.schema_version < OPEN_VOCABULARY_SINCE:
            raise PydanticCustomError(
                "custom_event_needs_version",
                "custom event names need schema_version {since} or later; version "
                "{version} knows only the typed event names",
                {"since": OPEN_VOCABULARY_SINCE, "version": self.schema_version},
            )
        return self
