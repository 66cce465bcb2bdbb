"""The simulated world's fixed vocabulary: products, pages, places and agents."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

COUNTRIES: Final = ("US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "NL", "ES", "PL", "SE")
COUNTRY_WEIGHTS: Final = (30, 12, 10, 8, 9, 7, 6, 5, 4, 4, 3, 2)

PLATFORMS: Final = (
    # platform, device, user agent, weight
    ("web", "desktop", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", 40),
    ("web", "mobile", "Mozilla/5.0 (Linux; Android 14) Mobile Chrome/126.0", 20),
    ("web", "tablet", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Safari/604.1", 5),
    ("ios", "mobile", "eventtide-shop/4.2 (iPhone; iOS 17.5)", 20),
    ("android", "mobile", "eventtide-shop/4.2 (Android 14; Pixel 8)", 15),
)
BOT_AGENT: Final = ("web", "bot", "python-requests/2.32.3")

REFERRERS: Final = (
    None, None, None, "https://www.google.com/", "https://duckduckgo.com/",
    "https://t.co/", "https://www.facebook.com/", "https://news.ycombinator.com/",
)  # fmt: skip
SEARCH_TERMS: Final = (
    "shoes", "running shoes", "jacket", "rain jacket", "backpack", "headphones",
    "coffee", "desk lamp", "gift", "sale", "socks", "watch", "tent", "yoga mat",
)  # fmt: skip
CATEGORIES: Final = ("shoes", "outdoor", "audio", "home", "kitchen", "sports", "gifts")
AUTH_METHODS: Final = ("email", "email", "google", "apple", "facebook")
SHOP_CURRENCY: Final = "USD"


@dataclass(frozen=True)
class Catalog:
    """Products sorted by price, cheapest first; prices are heavy-tailed (log-normal)."""

    product_ids: tuple[str, ...]
    prices: tuple[float, ...]
    videos: tuple[str, ...]

    def pick(self, rng: random.Random, expensive_taste: float) -> int:
        """A product index; ``expensive_taste`` near 1 leans towards the expensive end."""
        u = rng.random()
        if expensive_taste > 0:
            u = u ** (1.0 - 0.8 * expensive_taste)
        return min(int(u * len(self.prices)), len(self.prices) - 1)


def build_catalog(rng: random.Random, products: int = 2_000) -> Catalog:
    """A catalog with median price about 30 and a long tail into the thousands."""
    prices = sorted(
        round(math.exp(rng.gauss(math.log(30.0), 1.1)), 2) + 0.99 for _ in range(products)
    )
    return Catalog(
        product_ids=tuple(f"p-{i:05d}" for i in range(products)),
        prices=tuple(round(p, 2) for p in prices),
        videos=tuple(f"v-{i:04d}" for i in range(200)),
    )
