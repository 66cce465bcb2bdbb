"""Properties of media events."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from eventtide.core.events.properties.base import TypedProperties
from eventtide.core.events.properties.common import STRICT_PROPERTIES, Identifier


class VideoPlayProperties(TypedProperties):
    """A video started playing at ``position_s`` of ``duration_s``."""

    model_config = STRICT_PROPERTIES

    video_id: Identifier
    position_s: Annotated[float, Field(ge=0)] = 0.0
    duration_s: Annotated[float, Field(gt=0)]
    autoplay: bool = False
