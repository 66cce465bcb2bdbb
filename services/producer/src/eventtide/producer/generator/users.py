"""The simulated population: each user's persona, device, country and churn time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from eventtide.producer.generator.catalog import (
    BOT_AGENT,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    PLATFORMS,
)
from eventtide.producer.generator.personas import Persona


@dataclass(frozen=True, slots=True)
class SimUser:
    """One simulated user. ``churn_at`` (Unix time) is when a churner goes silent."""

    user_id: str
    persona: Persona
    context: dict[str, Any]
    is_new: bool
    churn_at: float | None


def build_users(
    rng: random.Random,
    count: int,
    personas: tuple[Persona, ...],
    churn_window: tuple[float, float],
) -> list[SimUser]:
    """``count`` users with personas drawn by share; churners churn inside ``churn_window``."""
    chosen = rng.choices(personas, weights=[p.share for p in personas], k=count)
    countries = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS, k=count)
    agents = rng.choices(PLATFORMS, weights=[a[3] for a in PLATFORMS], k=count)
    low, high = churn_window
    users = []
    for index, (persona, country, agent) in enumerate(zip(chosen, countries, agents, strict=True)):
        platform, device, user_agent = BOT_AGENT if persona.is_bot else agent[:3]
        users.append(
            SimUser(
                user_id=f"u-{index:07d}",
                persona=persona,
                context={
                    "platform": platform,
                    "device": device,
                    "country": country,
                    "user_agent": user_agent,
                },
                is_new=rng.random() < 0.1,
                churn_at=rng.uniform(low, high) if persona.churns else None,
            )
        )
    return users
