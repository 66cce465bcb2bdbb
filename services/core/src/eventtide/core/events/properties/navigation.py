"""Properties of browsing events: page views, clicks and searches."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from eventtide.core.events.properties.base import TypedProperties
from eventtide.core.events.properties.common import STRICT_PROPERTIES, Identifier


class PageViewProperties(TypedProperties):
    """A page or screen was shown; the page itself is in the context."""

    model_config = STRICT_PROPERTIES

    title: Annotated[str, Field(max_length=512)] | None = None
    load_time_ms: Annotated[int, Field(ge=0, le=600_000)] | None = None


class ClickProperties(TypedProperties):
    """An element was clicked (or tapped)."""

    model_config = STRICT_PROPERTIES

    element_id: Identifier
    target_url: Annotated[str, Field(max_length=2048)] | None = None


class SearchProperties(TypedProperties):
    """A search was run; ``results_count`` lets analytics find searches that found nothing.

    ``results_count`` is optional from schema version 2 on (null: the client did not
    say), because Segment's "Products Searched" carries only the query.
    """

    model_config = STRICT_PROPERTIES

    query: Annotated[str, Field(min_length=1, max_length=512)]
    results_count: Annotated[int, Field(ge=0)] | None = None
