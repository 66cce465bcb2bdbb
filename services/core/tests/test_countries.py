"""Country names as Amplitude's and GA4's exports write them, to ISO codes."""

from __future__ import annotations

import pytest

from eventtide.core.events.contracts.countries import country_named

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States", "US"), ("united kingdom", "GB"), ("Russia", "RU"),
        ("Russian Federation", "RU"), ("South Korea", "KR"), ("Hong Kong", "HK"),
        ("Türkiye", "TR"), ("Czech Republic", "CZ"), ("Czechia", "CZ"),
        ("Myanmar (Burma)", "MM"), ("Bosnia & Herzegovina", "BA"), ("Congo - Kinshasa", "CD"),
        ("C\u00f4te d\u2019Ivoire", "CI"), ("Côte d'Ivoire", "CI"), ("Niger", "NE"),
        ("Nigeria", "NG"), (" Germany ", "DE"),
        # CLDR's alternative names, MaxMind's GeoIP names, and spellings without accents
        ("Turkey", "TR"), ("Ivory Coast", "CI"), ("UK", "GB"), ("DR Congo", "CD"),
        ("Congo Republic", "CG"), ("Åland", "AX"), ("Hashemite Kingdom of Jordan", "JO"),
        ("Curacao", "CW"), ("Reunion", "RE"), ("Sao Tome and Principe", "ST"),
        ("The Bahamas", "BS"), ("St Kitts and Nevis", "KN"), ("Guinea-Bissau", "GW"),
        ("Bonaire, Sint Eustatius, and Saba", "BQ"), ("Virgin Islands, U.S.", "VI"),
        ("Dominica", "DM"), ("Dominican Republic", "DO"), ("Sudan", "SD"),
    ],
)  # fmt: skip
def test_english_names_in_the_spellings_tools_write_are_known(name: str, code: str) -> None:
    assert country_named(name) == code


@pytest.mark.parametrize(
    "value", ["(not set)", "", "  ", "Americas", "Atlantis", "Korea", "The", None, 840]
)
def test_what_is_no_country_name_has_no_code(value: object) -> None:
    assert country_named(value) is None
