"""Injected anomalies: bursts that an anomaly detector should flag.

- bot click burst: one user clicks hundreds of times within a minute or two;
- fraud-like purchase burst: one account places many expensive orders within minutes,
  from several countries, without browsing first.
"""

from __future__ import annotations

import random
from typing import Final

from eventtide.producer.generator.catalog import COUNTRIES, SHOP_CURRENCY, Catalog
from eventtide.producer.generator.sessions import SessionPlanner, Step

BOT_BURST_CLICKS: Final = (200, 600)
FRAUD_BURST_ORDERS: Final = (5, 15)


def bot_click_burst(rng: random.Random, start: float) -> list[Step]:
    """Hundreds of clicks, about 0.15 s apart, on a few buttons of one page."""
    steps: list[Step] = []
    t = start
    page = "/product/p-00001"
    for _ in range(rng.randint(*BOT_BURST_CLICKS)):
        steps.append((t, "click", page, None, {"element_id": f"btn-{rng.randrange(3)}"}))
        t += rng.uniform(0.05, 0.25)
    return steps


def fraud_purchase_burst(
    rng: random.Random, start: float, catalog: Catalog, planner: SessionPlanner
) -> list[tuple[Step, str]]:
    """Many pricey orders in minutes, each with the country it claims to come from."""
    steps: list[tuple[Step, str]] = []
    t = start
    top = len(catalog.prices)
    for _ in range(rng.randint(*FRAUD_BURST_ORDERS)):
        index = rng.randrange(int(top * 0.9), top)
        quantity = rng.randint(1, 3)
        price = catalog.prices[index]
        props = {
            "order_id": planner.next_order_id(),
            "items": [
                {"product_id": catalog.product_ids[index], "price": price, "quantity": quantity}
            ],
            "amount": round(price * quantity, 2),
            "currency": SHOP_CURRENCY,
        }
        steps.append(((t, "purchase", "/checkout/done", None, props), rng.choice(COUNTRIES)))
        t += rng.uniform(5.0, 60.0)
    return steps
