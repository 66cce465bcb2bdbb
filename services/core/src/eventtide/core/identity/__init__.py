"""Who is who: linking the ids an app sends under into persons, and their traits.

Pure functions over plain data (no I/O), used by every reader that counts people.
The rules are written down in docs/events.md ("Identity").
"""

from eventtide.core.identity.persons import (
    PLACEHOLDER_IDS,
    Link,
    Resolution,
    is_placeholder,
    link_from_event,
    resolve,
)
from eventtide.core.identity.traits import TraitUpdate, merge_traits, trait_update_from_event

__all__ = [
    "PLACEHOLDER_IDS",
    "Link",
    "Resolution",
    "TraitUpdate",
    "is_placeholder",
    "link_from_event",
    "merge_traits",
    "resolve",
    "trait_update_from_event",
]
