"""Free-text job locations ("Austin, TX", "Berlin, Germany", "Remote - Canada") read into structured places.

Only what the text says unambiguously becomes a place; anything else is reported in
`Place.unresolved`, so validation names the missing field. The rules: docs/connectors.md, "Locations".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pycountry

# Everyday names ISO spells otherwise (pycountry's lookup already knows names, official names, common
# names, alpha-2 and alpha-3 codes). Keys are compared case-insensitively, dots removed.
COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "us": "US",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "russia": "RU",
    "turkey": "TR",
    "the netherlands": "NL",
    "holland": "NL",
    "ivory coast": "CI",
    "macedonia": "MK",
    "brunei": "BN",
    "uae": "AE",
}
# Subdivisions whose codes are read as a region ("Austin, TX"): US states and DC, Canadian provinces and
# territories. US outlying areas (PR, GU, ...) have ISO country codes of their own and are left to those.
REGION_COUNTRIES = ("US", "CA")
_REGION_TYPES = frozenset({"State", "District", "Province", "Territory"})
REMOTE_WORDS = re.compile(
    r"\b(?:fully\s+)?remote\b|\banywhere\b|\bwork\s+from\s+home\b|\bwfh\b", re.IGNORECASE
)
_HYBRID = re.compile(r"\bhybrid\b", re.IGNORECASE)
# Alternatives in one text: "SF; NYC", "Berlin | Munich", "US / Canada", "Austin or Remote".
_ALTERNATIVES = re.compile(r"\s*(?:;|\||/|\bor\b)\s*", re.IGNORECASE)
_ALSO = re.compile(r"\s*(?:&|\band\b|\+)\s*", re.IGNORECASE)
# Glue left around a place once the workplace word is taken out: "Remote - Canada", "Remote (US)".
_GLUE = re.compile(
    r"^(?:[\s\-–—:(),]|\bin\b|\bbased\b|\bonly\b|\bfrom\b)+|(?:[\s\-–—:(),]|\bonly\b|\bbased\b)+$"
)
_GLUE_WORDS = re.compile(r"^(?:in|based|only|from)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Place:
    """What a location text says: places, whether the job is remote or hybrid, and what was not read."""

    locations: tuple[dict[str, str], ...] = ()
    remote: bool = False
    hybrid: bool = False
    applicant_countries: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # why parts of the text named no place
    also_remote: bool = False  # an on-site job the text also offers remote ("Austin, TX or Remote")


def _key(text: str) -> str:
    return " ".join(text.replace(".", "").split()).casefold()


@cache
def _regions() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """(code -> (country, code), casefolded name -> (country, code)) for the US and Canada."""
    by_code: dict[str, tuple[str, str]] = {}
    by_name: dict[str, tuple[str, str]] = {}
    for subdivision in pycountry.subdivisions:
        country = str(subdivision.country_code)
        if country not in REGION_COUNTRIES or subdivision.type not in _REGION_TYPES:
            continue
        code = str(subdivision.code).split("-", 1)[1]
        by_code[code] = (country, code)
        by_name[_key(str(subdivision.name))] = (country, code)
    by_name[_key("Québec")] = ("CA", "QC")
    by_name[_key("Washington DC")] = ("US", "DC")
    by_name[_key("Washington, DC")] = ("US", "DC")
    return by_code, by_name


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a country name or code stands for, or None."""
    key = _key(text)
    if not key or key.isdigit():
        return None
    alias = COUNTRY_ALIASES.get(key)
    if alias is not None:
        return alias
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        return None


def region_code(text: str, country: str | None = None) -> tuple[str, str] | None:
    """(country, region code) of a US state or Canadian province code or name, or None."""
    by_code, by_name = _regions()
    found = by_code.get(text.strip()) if text.strip().isupper() else None
    found = found or by_name.get(_key(text))
    if found is None or (country is not None and found[0] != country):
        return None
    return found


def _place(text: str) -> tuple[dict[str, str] | None, str | None]:
    """One place ("Austin, TX", "Berlin, Germany", "Canada"), or why the text is not one."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) == 1:
        (only,) = parts
        country = country_code(only)
        if country is not None:
            return {"country": country}, None
        region = region_code(only) if not only.isupper() else None
        if region is not None:
            return {"country": region[0], "region": region[1]}, None
        return None, f"{text!r} names no country"
    if len(parts) == 2:
        first, last = parts
        if re.fullmatch(r"[A-Z]{2}", last) and (region := region_code(last)) is not None:
            return {"country": region[0], "region": region[1], "locality": first}, None
        country = country_code(last)
        region = region_code(last) if not last.isupper() else None
        if country is not None and region is not None:
            return None, f"{last!r} is both a country and a US state or Canadian province"
        if region is not None:
            return {"country": region[0], "region": region[1], "locality": first}, None
        if country is not None:
            inside = region_code(first, country)
            if inside is not None:
                return {"country": country, "region": inside[1]}, None
            return {"country": country, "locality": first}, None
        return None, f"{text!r} names no country, US state or Canadian province"
    if len(parts) == 3:
        locality, middle, last = parts
        country = country_code(last)
        if country is None:
            return None, f"{last!r} (in {text!r}) is not a country"
        if country in REGION_COUNTRIES:
            region = region_code(middle, country)
            if region is None:
                return None, f"{middle!r} (in {text!r}) is no region of {country}"
            return {"country": country, "region": region[1], "locality": locality}, None
        return {"country": country, "region": middle, "locality": locality}, None
    return None, f"{text!r} has more parts than city, region, country"


def _places(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """The places of a text that may list several ("US & Canada"); each unread part's reason."""
    place, why = _place(text)
    if place is not None:
        return [place], []
    pieces = [piece for piece in _ALSO.split(text) if piece.strip()]
    if len(pieces) < 2:
        return [], [why or f"{text!r} names no place"]
    found: list[dict[str, str]] = []
    reasons: list[str] = []
    for piece in pieces:
        more, unread = _places(piece.strip())
        found.extend(more)
        reasons.extend(unread)
    return found, reasons


def _strip_glue(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _GLUE.sub("", text).strip()
    return "" if _GLUE_WORDS.fullmatch(text) else text


def _unique(items: Iterable[dict[str, str]]) -> tuple[dict[str, str], ...]:
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for item in items:
        seen.setdefault(tuple(sorted(item.items())), item)
    return tuple(seen.values())


def parse_location(text: str | None) -> Place:
    """Read a free-text location; see the module docstring and docs/connectors.md for the rules.

    A remote word anywhere makes every place in the text a country applicants may live in ("Remote -
    US/Canada"), unless the remote word stands alone as one alternative beside places ("Austin, TX or
    Remote"): then the job is on site there and `also_remote` says what the locations cannot.
    """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        return Place()
    places: list[dict[str, str]] = []
    unresolved: list[str] = []
    remote = hybrid = bare_remote = False
    for alternative in (alt for alt in _ALTERNATIVES.split(cleaned) if alt.strip()):
        is_remote = bool(REMOTE_WORDS.search(alternative))
        is_hybrid = bool(_HYBRID.search(alternative))
        rest = _strip_glue(_HYBRID.sub(" ", REMOTE_WORDS.sub(" ", alternative)))
        remote, hybrid = remote or is_remote, hybrid or is_hybrid
        if not rest:
            bare_remote = bare_remote or is_remote
            if not (is_remote or is_hybrid):
                unresolved.append(f"{alternative!r} names no place")
            continue
        found, reasons = _places(rest)
        places.extend(found)
        unresolved.extend(reasons)
    if remote and not (bare_remote and places):
        countries = tuple(dict.fromkeys(place["country"] for place in places))
        return Place(remote=True, applicant_countries=countries, unresolved=tuple(unresolved))
    return Place(locations=_unique(places), hybrid=hybrid, unresolved=tuple(unresolved), also_remote=remote)
