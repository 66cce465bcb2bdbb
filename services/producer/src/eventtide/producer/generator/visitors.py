"""One-off visitors that a viral page brings during a surge.

They are new users who land on the viral page from a social site, look at two or three
pages and almost never buy: about 0.15% of their sessions purchase, against about 4.6%
for the regular population, so a surge raises traffic and lowers conversion.
"""

from __future__ import annotations

import random
from typing import Final

from eventtide.producer.generator.catalog import COUNTRIES, COUNTRY_WEIGHTS, PLATFORMS
from eventtide.producer.generator.personas import Persona
from eventtide.producer.generator.users import SimUser

VIRAL_VISITOR: Final = Persona(
    "viral_visitor", 0.0, 1.0, 2.5, 20.0, 0.4, 0.1, 0.1, 0.01, 0.3, 0.5, 0.0
)
_MOBILE_FIRST: Final = tuple(
    4 * weight if device == "mobile" else weight for _, device, _, weight in PLATFORMS
)
"""Shared links are opened on phones: mobile agents weigh four times as much."""


def visitor(rng: random.Random, number: int) -> SimUser:
    """The ``number``-th visitor of a run (ids ``u-v000001``... never clash with users)."""
    agent = rng.choices(PLATFORMS, weights=_MOBILE_FIRST)[0]
    return SimUser(
        user_id=f"u-v{number:06d}",
        persona=VIRAL_VISITOR,
        context={
            "platform": agent[0],
            "device": agent[1],
            "country": rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0],
            "user_agent": agent[2],
        },
        is_new=False,
        churn_at=None,
    )
