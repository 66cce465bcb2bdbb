"""Country names, as Amplitude's and Google Analytics' exports write them, to ISO codes.

Amplitude and GA4 give a country's English name ("United States", "Russia", "Hong Kong",
"Bosnia & Herzegovina"), not its code. Two well-kept tables together know nearly every
spelling those tools use: Unicode CLDR's English names through Babel (the names Google
writes: "Russia", "Myanmar (Burma)", "Congo - Kinshasa", "St. Lucia") and ISO 3166's
names, official names and common names through pycountry ("Hong Kong", "Macao",
"Czech Republic", "Korea, Republic of"). Neither is loaded until a name is asked for.
"""

from __future__ import annotations

import unicodedata
from functools import cache


def country_named(value: object) -> str | None:
    """The ISO 3166-1 alpha-2 code of an English country name, or None for an unknown
    name (``(not set)``, a region, a typo)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _codes().get(_key(value))


def _key(name: str) -> str:
    """Case, accents' composition and apostrophes' style do not matter."""
    folded = unicodedata.normalize("NFC", name).strip().casefold()
    return folded.replace("\u2019", "'")


@cache
def _codes() -> dict[str, str]:
    from babel import Locale  # their data load on first use only
    from pycountry import countries

    codes: dict[str, str] = {}
    for country in countries:
        for field in ("name", "official_name", "common_name"):
            name = getattr(country, field, None)
            if isinstance(name, str):
                codes.setdefault(_key(name), country.alpha_2)
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha():  # not the numeric regions ("Americas")
            codes.setdefault(_key(name), code)
    return codes
