"""Plan one session: the events a user does in one visit, with their times.

Pure given the random generator, so session shape and funnel drop-off are testable
without Kafka. A session's events are never more than ``MAX_THINK_S`` apart and two
sessions of a user are at least ``MIN_SESSION_GAP_S`` apart, so the usual 30-minute
inactivity rule finds exactly the sessions the generator meant.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, Final, Protocol

from eventtide.producer.generator.catalog import (
    AUTH_METHODS,
    CATEGORIES,
    REFERRERS,
    SEARCH_TERMS,
    SHOP_CURRENCY,
    Catalog,
)
from eventtide.producer.generator.diurnal import MAX_WEIGHT, diurnal_weight
from eventtide.producer.generator.users import SimUser

MIN_SESSION_GAP_S: Final = 30 * 60.0 + 1.0
MAX_THINK_S: Final = 10 * 60.0

Step = tuple[float, str, str, str | None, dict[str, Any] | None]
"""(time, event_type, page, referrer, properties) of one planned event."""


Weight = Callable[[float], float]
"""Relative traffic at a Unix time (1 on average)."""


class SessionIncidents(Protocol):
    """What incidents change inside a session (see ``incident_plan``)."""

    def cart_factor(self, t: float) -> float:
        """Multiplier of the persona's add-to-cart probability at ``t`` (1 = unchanged)."""
        ...

    def checkout_fails(self, t: float) -> bool:
        """Whether a checkout that would pay at ``t`` fails instead."""
        ...

    def retries(self) -> int:
        """How many more times a user whose checkout failed tries again."""
        ...


def next_session_start(
    rng: random.Random,
    after: float,
    sessions_per_day: float,
    weight: Weight = diurnal_weight,
    peak: float = MAX_WEIGHT,
) -> float:
    """The next session start after ``after``, following ``weight`` (thinning).

    ``peak`` bounds ``weight``; with the defaults this is the diurnal curve alone.
    """
    mean_gap = 86_400.0 / (sessions_per_day * peak)
    t, draw, log = after, rng.random, math.log
    while True:
        t -= log(1.0 - draw()) * mean_gap  # exponential gap, as rng.expovariate draws it
        if draw() * peak <= weight(t):
            return t


def _geometric(rng: random.Random, mean: float) -> int:
    """At least 1, with the given mean.

    Drawn by inversion (one random number) rather than one coin flip per count: same
    distribution, and the planner calls it for every session and every cart.
    """
    if mean <= 1.0:
        return 1
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / mean))


class SessionPlanner:
    """Plans sessions for users of a catalog; keeps the running order counter."""

    def __init__(
        self,
        rng: random.Random,
        catalog: Catalog,
        incidents: SessionIncidents | None = None,
        order_prefix: str = "o-",
    ) -> None:
        self._rng = rng
        self._catalog = catalog
        self._orders = 0
        self._incidents = incidents
        self._order_prefix = order_prefix

    def plan(
        self, user: SimUser, start: float, first: bool, landing: str | None = None
    ) -> list[Step]:
        """The steps of one session starting at ``start``; ``landing`` is its first page."""
        rng, persona = self._rng, user.persona
        steps: list[Step] = []
        t = start
        mean_gap = persona.mean_gap_s

        draw, log = rng.random, math.log

        def think() -> float:
            # exponential think time (as rng.expovariate draws it), capped; written out
            # without helper calls because it runs once per event
            gap = -log(1.0 - draw()) * mean_gap
            return (gap if gap < MAX_THINK_S else MAX_THINK_S) + 0.05

        referrer = rng.choice(REFERRERS)
        if first and user.is_new:
            steps.append((t, "signup", "/signup", referrer, {"method": rng.choice(AUTH_METHODS)}))
            t += think()
        elif not persona.is_bot and rng.random() < 0.25:
            steps.append((t, "login", "/login", referrer, {"method": rng.choice(AUTH_METHODS)}))
            t += think()
        p_click, p_search, p_video = persona.p_click, persona.p_search, persona.p_video
        videos = self._catalog.videos
        # the per-page draws use draw() and index by it rather than rng.choice/randrange:
        # this loop makes most of the events, and those helpers cost a Python call each
        for _ in range(_geometric(rng, persona.pages_per_session)):
            page = landing or self._browse_page()
            landing = None
            steps.append((t, "page_view", page, referrer, None))
            referrer = None
            t += think()
            if draw() < p_click:
                props: dict[str, Any] = {"element_id": f"btn-{int(draw() * 40)}"}
                steps.append((t, "click", "/", None, props))
                t += think()
            if draw() < p_search:
                term = SEARCH_TERMS[int(draw() * len(SEARCH_TERMS))]
                props = {"query": term, "results_count": int(draw() * 120)}
                steps.append((t, "search", "/search", None, props))
                t += think()
            if draw() < p_video:
                video = videos[int(draw() * len(videos))]
                props = {"video_id": video, "duration_s": float(15 + int(draw() * 885))}
                steps.append((t, "video_play", f"/video/{video}", None, props))
                t += think()
        p_cart = persona.p_cart
        if self._incidents is not None:
            p_cart *= self._incidents.cart_factor(t)
        if rng.random() < p_cart:
            t = self._funnel(user, steps, t, think)
        if not persona.is_bot and rng.random() < 0.15:
            steps.append((t, "logout", steps[-1][2], None, {"reason": "user"}))
        return steps

    def _browse_page(self) -> str:
        draw = self._rng.random
        roll = draw()
        if roll < 0.25:
            return "/"
        if roll < 0.5:
            return f"/category/{CATEGORIES[int(draw() * len(CATEGORIES))]}"
        products = self._catalog.product_ids
        return f"/product/{products[int(draw() * len(products))]}"

    def _funnel(
        self, user: SimUser, steps: list[Step], t: float, think: Callable[[], float]
    ) -> float:
        """add_to_cart, then maybe checkout_started, then maybe purchase."""
        rng, catalog, persona = self._rng, self._catalog, user.persona
        cart: dict[int, int] = {}
        for _ in range(_geometric(rng, 1.5)):
            index = catalog.pick(rng, persona.expensive_taste)
            quantity = 1 if rng.random() < 0.8 else rng.randrange(2, 5)
            product = catalog.product_ids[index]
            steps.append((t, "page_view", f"/product/{product}", None, None))
            t += think()
            props = {
                "product_id": product,
                "price": catalog.prices[index],
                "quantity": quantity,
                "currency": SHOP_CURRENCY,
            }
            steps.append((t, "add_to_cart", f"/product/{product}", None, props))
            t += think()
            cart[index] = cart.get(index, 0) + quantity
        if len(cart) > 1 and rng.random() < 0.15:
            index = next(iter(cart))
            props = {"product_id": catalog.product_ids[index], "quantity": cart.pop(index)}
            steps.append((t, "remove_from_cart", "/cart", None, props))
            t += think()
        if rng.random() >= persona.p_checkout:
            return t
        items = [
            {"product_id": catalog.product_ids[i], "price": catalog.prices[i], "quantity": q}
            for i, q in cart.items()
        ]
        amount = round(sum(item["price"] * item["quantity"] for item in items), 2)  # type: ignore[operator]
        checkout = {
            "cart_value": amount,
            "item_count": sum(cart.values()),
            "currency": SHOP_CURRENCY,
        }
        steps.append((t, "checkout_started", "/checkout", None, checkout))
        t += think()
        if rng.random() >= persona.p_purchase:
            return t
        incidents = self._incidents
        if incidents is not None and incidents.checkout_fails(t):
            # the payment step is broken: some try again (and fail again), then leave
            for _ in range(incidents.retries()):
                steps.append((t, "page_view", "/cart", None, None))
                t += think()
                steps.append((t, "checkout_started", "/checkout", None, checkout))
                t += think()
            return t
        self._orders += 1
        purchase = {
            "order_id": f"{self._order_prefix}{self._orders:09d}",
            "items": items,
            "amount": amount,
            "currency": SHOP_CURRENCY,
        }
        steps.append((t, "purchase", "/checkout/done", None, purchase))
        return t + think()

    def next_order_id(self) -> str:
        """A fresh order id (anomalies place orders outside sessions too)."""
        self._orders += 1
        return f"{self._order_prefix}{self._orders:09d}"
