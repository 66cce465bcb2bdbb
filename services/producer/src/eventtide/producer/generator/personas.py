"""Who the simulated users are: behaviour profiles with their share of the population.

Numbers are chosen to look like a mid-sized shop: most sessions browse and leave, a
quarter of the users buy regularly, a few spend big, a few are bots, and a share of
otherwise ordinary users stop coming back (the churn the models must learn to spot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Persona:
    """Behaviour of one kind of user; probabilities are per session."""

    name: str
    share: float
    sessions_per_day: float
    pages_per_session: float
    """Mean page views per session (geometric, at least one)."""
    mean_gap_s: float
    """Mean think time between two events of a session."""
    p_click: float
    p_search: float
    p_video: float
    p_cart: float
    """Session puts something in the cart (funnel step 2 of 4)."""
    p_checkout: float
    """Given a cart, the session starts checkout (step 3)."""
    p_purchase: float
    """Given a checkout, the session pays (step 4)."""
    expensive_taste: float
    """0 picks products uniformly; towards 1 it prefers the expensive end."""
    churns: bool = False
    is_bot: bool = False


BROWSER: Final = Persona("browser", 0.45, 0.8, 4.0, 25.0, 0.5, 0.25, 0.10, 0.04, 0.30, 0.40, 0.0)
REGULAR_BUYER: Final = Persona(
    "regular_buyer", 0.25, 1.5, 6.0, 20.0, 0.5, 0.35, 0.05, 0.20, 0.50, 0.70, 0.2
)
BIG_SPENDER: Final = Persona(
    "big_spender", 0.05, 1.2, 7.0, 30.0, 0.5, 0.30, 0.05, 0.30, 0.60, 0.80, 0.9
)
BOT: Final = Persona("bot", 0.03, 3.0, 15.0, 1.5, 0.9, 0.20, 0.0, 0.0, 0.0, 0.0, 0.0, is_bot=True)
CHURNER: Final = Persona(
    "churner", 0.22, 1.2, 5.0, 22.0, 0.5, 0.30, 0.08, 0.15, 0.45, 0.65, 0.2, churns=True
)

DEFAULT_PERSONAS: Final = (BROWSER, REGULAR_BUYER, BIG_SPENDER, BOT, CHURNER)


def funnel_conversion(persona: Persona) -> float:
    """Expected share of a persona's sessions that end in a purchase."""
    return persona.p_cart * persona.p_checkout * persona.p_purchase
