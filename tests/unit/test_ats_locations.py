"""The location reader on location texts as Greenhouse and Lever boards carry them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.connectors.locations import country_code, parse_location, region_code

US_TX_AUSTIN = {"country": "US", "region": "TX", "locality": "Austin"}

# text -> (locations, remote, applicant countries)
PLACES = [
    ("Austin, TX", [US_TX_AUSTIN], False, []),
    ("Austin, Texas", [US_TX_AUSTIN], False, []),
    ("Austin, TX, United States", [US_TX_AUSTIN], False, []),
    ("Austin, TX, USA", [US_TX_AUSTIN], False, []),
    ("New York, NY, United States", [{"country": "US", "region": "NY", "locality": "New York"}], False, []),
    ("Washington, DC", [{"country": "US", "region": "DC", "locality": "Washington"}], False, []),
    ("Toronto, ON", [{"country": "CA", "region": "ON", "locality": "Toronto"}], False, []),
    ("Montréal, Québec", [{"country": "CA", "region": "QC", "locality": "Montréal"}], False, []),
    (
        "Vancouver, British Columbia, Canada",
        [{"country": "CA", "region": "BC", "locality": "Vancouver"}],
        False,
        [],
    ),
    ("Berlin, Germany", [{"country": "DE", "locality": "Berlin"}], False, []),
    ("Munich, Bavaria, Germany", [{"country": "DE", "region": "Bavaria", "locality": "Munich"}], False, []),
    ("São Paulo, Brazil", [{"country": "BR", "locality": "São Paulo"}], False, []),
    ("London, UK", [{"country": "GB", "locality": "London"}], False, []),
    ("London, England", [{"country": "GB", "locality": "London"}], False, []),
    ("Amsterdam, The Netherlands", [{"country": "NL", "locality": "Amsterdam"}], False, []),
    ("Germany", [{"country": "DE"}], False, []),
    ("DEU", [{"country": "DE"}], False, []),
    ("Texas", [{"country": "US", "region": "TX"}], False, []),
    ("Bosnia and Herzegovina", [{"country": "BA"}], False, []),
    (
        "San Francisco, CA; New York, NY",
        [
            {"country": "US", "region": "CA", "locality": "San Francisco"},
            {"country": "US", "region": "NY", "locality": "New York"},
        ],
        False,
        [],
    ),
    ("Berlin | Munich, Germany", [{"country": "DE", "locality": "Munich"}], False, []),
    ("Remote", [], True, []),
    ("Anywhere", [], True, []),
    ("Remote - Canada", [], True, ["CA"]),
    ("Remote (US)", [], True, ["US"]),
    ("US Remote", [], True, ["US"]),
    ("Remote, USA", [], True, ["US"]),
    ("Canada (Remote)", [], True, ["CA"]),
    ("Remote in Germany", [], True, ["DE"]),
    ("Remote - US/Canada", [], True, ["US", "CA"]),
    ("Remote - US & Canada", [], True, ["US", "CA"]),
    ("Remote (US) / Remote (Canada)", [], True, ["US", "CA"]),
    ("Fully Remote - United Kingdom", [], True, ["GB"]),
    ("Remote - Austin, TX", [], True, ["US"]),
    ("Remote - EMEA", [], True, []),
]


@pytest.mark.parametrize(("text", "locations", "remote", "countries"), PLACES)
def test_real_world_location_texts(
    text: str, locations: list[dict[str, str]], remote: bool, countries: list[str]
):
    place = parse_location(text)
    assert list(place.locations) == locations
    assert place.remote is remote
    assert list(place.applicant_countries) == countries


@pytest.mark.parametrize(
    "text",
    ["NYC", "San Francisco", "London", "Bay Area", "Atlanta, Georgia", "Tbilisi, Georgia", "Springfield, XY"],
)
def test_ambiguous_texts_name_no_place_and_say_why(text: str) -> None:
    place = parse_location(text)
    assert place.locations == () and not place.remote
    assert place.unresolved, "the reason must be kept for the posting's notes"


def test_a_state_that_is_also_a_country_is_never_guessed() -> None:
    assert "both a country and a US state" in parse_location("Atlanta, Georgia").unresolved[0]


def test_remote_as_an_alternative_to_a_site_keeps_the_site_and_says_so() -> None:
    place = parse_location("Austin, TX or Remote")
    assert list(place.locations) == [US_TX_AUSTIN]
    assert not place.remote and place.also_remote


def test_hybrid_keeps_the_places() -> None:
    place = parse_location("Hybrid - Toronto, ON")
    assert place.hybrid and list(place.locations) == [
        {"country": "CA", "region": "ON", "locality": "Toronto"}
    ]


def test_part_of_a_list_unread_is_reported_and_the_rest_kept() -> None:
    place = parse_location("Austin, TX; Bay Area")
    assert list(place.locations) == [US_TX_AUSTIN]
    assert place.unresolved == ("'Bay Area' names no country",)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_no_text_no_place_no_complaint(text: str | None) -> None:
    assert parse_location(text) == parse_location("")
    assert parse_location(text).unresolved == ()


def test_country_and_region_codes() -> None:
    assert country_code("United States of America") == "US"
    assert country_code("U.K.") == "GB"
    assert country_code("840") is None  # numeric codes are not how people write a location
    assert region_code("TX") == ("US", "TX")
    assert region_code("tx") is None  # codes are upper case; "tx" is no name either
    assert region_code("Ontario", "US") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_reads_without_error_into_real_iso_codes(text: str) -> None:
    place = parse_location(text)
    for location in place.locations:
        assert country_code(location["country"]) == location["country"]
    for country in place.applicant_countries:
        assert country_code(country) == country
    assert not (place.remote and place.locations)
