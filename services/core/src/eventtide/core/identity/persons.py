"""Persons from identify and alias links, decided in event-time order.

An app sends events under a *distinct id*: an anonymous device id before login, its
own user id after. ``identify`` (user id U, anonymous id A) and ``alias`` (user id U,
previous id P) link ids into one person, so a funnel that starts anonymous and ends
after sign-up counts one person, as PostHog and Segment users expect.

The rules (docs/events.md):

1. Links apply in event-time order, ``(occurred_at, event_id)``, so the answer does not
   depend on the order in which Kafka or a batch delivered them (a late identify gives
   the same persons as a timely one).
2. An id is *identified* once it is the user id of an identify or alias link. An
   identify whose anonymous id is its own user id is an anonymous visitor's traits
   (a *traits* link): it identifies nothing (Segment's identify without a userId,
   PostHog's ``$set``, Amplitude's identify before a user id is set, a Mixpanel profile
   update), so the visitor's later sign-in still merges them.
3. ``identify(U, A)`` merges A's person into U's, unless A's person already holds an
   identified id that U's person does not: a shared device (or a second login on it)
   does not merge two known users. Such a link is reported as a conflict.
4. ``alias(U, P)`` merges the two persons unconditionally: it is the explicit request.
5. A person's id is its earliest-identified id (by the link that identified it); a
   person with no identified id is the one id it has.
6. A placeholder id (``undefined``, ``null``, ``anonymous``... :data:`PLACEHOLDER_IDS`)
   never links: a client that sends one for everybody must not make them one person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal
from uuid import UUID

LinkKind = Literal["identify", "alias", "traits"]

OrderKey = tuple[datetime, UUID]


@dataclass(frozen=True, slots=True)
class Link:
    """One identify or alias call: ``other_id`` (anonymous or previous) is ``user_id``."""

    kind: LinkKind
    user_id: str
    other_id: str
    occurred_at: datetime
    event_id: UUID

    @property
    def order(self) -> OrderKey:
        """Event-time order, ties broken by the event id (unique)."""
        return (self.occurred_at, self.event_id)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Each linked id's person id, and the identify links refused by rule 3."""

    person_of: Mapping[str, str]
    conflicts: tuple[Link, ...] = field(default=())

    def person(self, distinct_id: str) -> str:
        """The person an id belongs to; an id no link names is a person of its own."""
        return self.person_of.get(distinct_id, distinct_id)


class _Persons:
    """Union-find over ids, each root carrying its members' identification order."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.identified: dict[str, dict[str, OrderKey]] = {}

    def root(self, distinct_id: str) -> str:
        parent = self.parent.setdefault(distinct_id, distinct_id)
        if parent == distinct_id:
            return distinct_id
        top = self.root(parent)
        self.parent[distinct_id] = top
        return top

    def identify(self, distinct_id: str, order: OrderKey) -> None:
        known = self.identified.setdefault(self.root(distinct_id), {})
        known.setdefault(distinct_id, order)

    def union(self, first: str, second: str) -> None:
        a, b = self.root(first), self.root(second)
        if a == b:
            return
        self.parent[b] = a
        merged = self.identified.setdefault(a, {})
        for member, order in self.identified.pop(b, {}).items():
            merged[member] = min(order, merged.get(member, order))

    def identified_in(self, distinct_id: str) -> dict[str, OrderKey]:
        return self.identified.get(self.root(distinct_id), {})

    def person_id(self, distinct_id: str) -> str:
        known = self.identified_in(distinct_id)
        if not known:
            return self.root(distinct_id)
        return min(known, key=lambda member: (known[member], member))


def resolve(links: Iterable[Link]) -> Resolution:
    """Apply the rules above to every link; returns each linked id's person."""
    persons = _Persons()
    conflicts: list[Link] = []
    for link in sorted(links, key=lambda item: item.order):
        if link.kind == "traits":
            persons.root(link.user_id)  # a person of its own until a link names it
            continue
        if link.other_id == link.user_id:
            persons.identify(link.user_id, link.order)
            continue
        if link.kind == "identify":
            theirs = persons.identified_in(link.other_id)
            ours = persons.identified_in(link.user_id)
            same = persons.root(link.other_id) == persons.root(link.user_id)
            if not same and any(m != link.user_id and m not in ours for m in theirs):
                conflicts.append(link)
                persons.identify(link.user_id, link.order)
                continue
        persons.union(link.user_id, link.other_id)
        persons.identify(link.user_id, link.order)
    person_of = {distinct_id: persons.person_id(distinct_id) for distinct_id in persons.parent}
    return Resolution(person_of, tuple(conflicts))


PLACEHOLDER_IDS: Final = frozenset(
    {
        "", "0", "-1", "anonymous", "anon", "guest", "id", "distinct_id", "distinctid",
        "user_id", "userid", "email", "undefined", "null", "none", "nil", "nan", "true",
        "false", "not_authenticated", "[object object]",
    }
)  # fmt: skip
"""Ids a misconfigured client sends for everyone (compared case-insensitively, trimmed).

Linking through one would merge every user of the app into one person, and make each
new link re-resolve a group of millions, so such an id never links (rule 6). PostHog
refuses to merge on a similar list for the same reason.
"""


def is_placeholder(distinct_id: str) -> bool:
    """True for an id from :data:`PLACEHOLDER_IDS`."""
    return distinct_id.strip().lower() in PLACEHOLDER_IDS


def link_from_event(
    event_type: str,
    user_id: str,
    properties: Mapping[str, object],
    occurred_at: datetime,
    event_id: UUID,
) -> Link | None:
    """The link a stored identify or alias event makes, or None for any other event.

    Sent under a placeholder id, it makes none; naming one as the other id, an identify
    only identifies its user (rule 6). Naming its own user id as the anonymous id, it
    records that id's traits and identifies nothing (rule 2).
    """
    if event_type not in ("identify", "alias") or is_placeholder(user_id):
        return None
    if event_type == "identify":
        anonymous = properties.get("anonymous_id")
        if anonymous == user_id:
            return Link("traits", user_id, user_id, occurred_at, event_id)
        if isinstance(anonymous, str) and anonymous and not is_placeholder(anonymous):
            return Link("identify", user_id, anonymous, occurred_at, event_id)
        return Link("identify", user_id, user_id, occurred_at, event_id)
    previous = properties.get("previous_id")
    if isinstance(previous, str) and previous and not is_placeholder(previous):
        return Link("alias", user_id, previous, occurred_at, event_id)
    return None
