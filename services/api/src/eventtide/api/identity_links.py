"""The identify events the Snowplow and Amplitude doors add, once per pair of ids they see.

Neither protocol makes the link Segment's and PostHog's SDKs send as an identify call.
Snowplow's trackers have no identify call: a visitor browses under the tracker's cookie
id (``duid``) and, once the app calls ``setUserId``, sends events carrying both ids.
Amplitude's SDKs send a device id with every event and, once the app sets a user id,
both; Amplitude merges the two server-side. Such an event stands for the link, so the
door adds that identify in the protocol's own form (``link_event`` of
:mod:`eventtide.core.events.contracts.snowplow` and ``.amplitude``) and the visitor's
anonymous events join the person. Its id derives from the pair, so storage keeps one;
this process remembers the pairs it linked lately, so a signed-in user's every event
does not send another (after a restart, or on another replica, one more is sent and
dropped by storage).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from eventtide.core.events.contracts.recent import Recent
from eventtide.core.events.contracts.snowplow import link_event

LinkMaker = Callable[[Any], tuple[tuple[str, str], dict[str, Any] | None] | None]
"""A protocol's ``link_event``: for a message carrying both ids, the pair and the
identify that links them in that protocol's form (None when the message is such an
identify itself: the pair is linked and remembered, nothing is added); None for other
messages."""

REMEMBERED: Final = 100_000
"""Pairs remembered per process: 32 MB for 100,000 pairs of an e-mail and a UUID
(measured with tracemalloc)."""


class RecentPairs(Recent[tuple[str, str]]):
    """The pairs this door linked lately, least recently seen forgotten first."""

    def __init__(self, size: int = REMEMBERED) -> None:
        super().__init__(size)


def with_links(
    events: list[Any], recent: RecentPairs, link: LinkMaker = link_event
) -> tuple[list[Any], int]:
    """The events, then an identify for each pair not linked lately; and how many."""
    links = []
    for event in events:
        made = link(event) if isinstance(event, dict) else None
        if made is not None and recent.first(made[0]) and made[1] is not None:
            links.append(made[1])
    return [*events, *links], len(links)
