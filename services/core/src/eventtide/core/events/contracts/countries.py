"""Country names, as Amplitude's and Google Analytics' exports write them, to ISO codes.

Amplitude and GA4 give a country's English name ("United States", "Russia", "Hong Kong",
"Bosnia & Herzegovina"), not its code. Two well-kept tables together know nearly every
spelling those tools use: Unicode CLDR's English names through Babel (the names Google
writes: "Russia", "Myanmar (Burma)", "Congo - Kinshasa", "St. Lucia") and ISO 3166's
names, official names and common names through pycountry ("Hong Kong", "Macao",
"Czech Republic", "Korea, Republic of"). Neither is loaded until a name is asked for.

Neither holds the short and former names CLDR lists as alternatives (its ``alt``
entries, which Babel's data leaves out: "Turkey", "Ivory Coast", "Swaziland", "UK") nor
the few MaxMind's GeoIP names write otherwise (Amplitude's geolocation: "DR Congo",
"Congo Republic"): :data:`ALSO_CALLED` adds them. Names are compared without case,
accents, punctuation, a leading "the", and with "St" and "&" read as "Saint" and "and"
("Curacao", "The Bahamas", "St Kitts and Nevis").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Final

ALSO_CALLED: Final = {
    "Turkey": "TR", "Ivory Coast": "CI", "Swaziland": "SZ", "East Timor": "TL",
    "Burma": "MM", "Macedonia": "MK", "Palestine": "PS", "UK": "GB", "Great Britain": "GB",
    "Bosnia": "BA", "Keeling Islands": "CC", "Congo (DRC)": "CD", "Congo (Republic)": "CG",
    "US": "US", "DR Congo": "CD", "Congo Republic": "CG", "Åland": "AX",
}  # fmt: skip
"""English names for a country that neither table holds: CLDR's alternative and short
names, and MaxMind's GeoIP names where they differ."""
PUNCTUATION: Final = re.compile(r"[.,()'\u2019\-]+")


def country_named(value: object) -> str | None:
    """The ISO 3166-1 alpha-2 code of an English country name, or None for an unknown
    name (``(not set)``, a region, a typo)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _codes().get(_key(value))


def _key(name: str) -> str:
    """The words of a name without case, accents, punctuation or a leading "the",
    "St" and "&" as "saint" and "and"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = PUNCTUATION.sub(" ", plain.replace("&", " and ")).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join("saint" if word == "st" else word for word in words)


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
    for name, code in ALSO_CALLED.items():
        codes.setdefault(_key(name), code)
    return codes
