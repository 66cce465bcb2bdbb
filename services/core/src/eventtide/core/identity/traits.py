"""A person's traits from identify calls: ``set`` overwrites, ``set_once`` fills a gap.

Judged in event-time order like the links, so late delivery changes nothing: for each
trait, the latest ``set`` wins; with no ``set`` at all, the earliest ``set_once`` does.
That is PostHog's ``$set``/``$set_once`` (a set_once never replaces a value that an
earlier call recorded), made independent of arrival order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class TraitUpdate:
    """What one identify call asks to record."""

    set: Mapping[str, Any]
    set_once: Mapping[str, Any]
    occurred_at: datetime
    event_id: UUID


def merge_traits(updates: Iterable[TraitUpdate]) -> dict[str, Any]:
    """The traits after every update, whatever order the updates arrive in."""
    latest_set: dict[str, tuple[tuple[datetime, UUID], Any]] = {}
    earliest_once: dict[str, tuple[tuple[datetime, UUID], Any]] = {}
    for update in updates:
        order = (update.occurred_at, update.event_id)
        for key, value in update.set.items():
            seen = latest_set.get(key)
            if seen is None or order > seen[0]:
                latest_set[key] = (order, value)
        for key, value in update.set_once.items():
            seen = earliest_once.get(key)
            if seen is None or order < seen[0]:
                earliest_once[key] = (order, value)
    merged = {key: value for key, (_, value) in earliest_once.items()}
    merged.update({key: value for key, (_, value) in latest_set.items()})
    return merged


def trait_update_from_event(
    event_type: str, properties: Mapping[str, Any], occurred_at: datetime, event_id: UUID
) -> TraitUpdate | None:
    """The update a stored identify event makes, or None for any other event."""
    if event_type != "identify":
        return None
    return TraitUpdate(
        properties.get("set") or {}, properties.get("set_once") or {}, occurred_at, event_id
    )
