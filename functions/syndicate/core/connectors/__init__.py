"""ATS connectors, pure: a job as Greenhouse's or Lever's public API sends it becomes a raw posting.

Each ATS module maps one job to a `Mapped` (the posting dict in our format, and notes naming what the
ATS said that the posting does not carry, or what was left out because the text was ambiguous). No
I/O here: reading the boards is adapters/ats_boards.py. Field-by-field rules: docs/connectors.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.core.connectors.locations import Place, parse_location

ATS_NAMES = ("greenhouse", "lever")
# Posting fields an ATS never sets, so `--defaults` may not either: the id is the ATS's own.
NOT_DEFAULTABLE = frozenset({"id"})
_EMPLOYMENT_TYPES = {
    "full time": "FULL_TIME",
    "fulltime": "FULL_TIME",
    "full-time": "FULL_TIME",
    "permanent": "FULL_TIME",
    "part time": "PART_TIME",
    "part-time": "PART_TIME",
    "parttime": "PART_TIME",
    "contract": "CONTRACTOR",
    "contractor": "CONTRACTOR",
    "freelance": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "temp": "TEMPORARY",
    "fixed term": "TEMPORARY",
    "fixed-term": "TEMPORARY",
    "intern": "INTERN",
    "internship": "INTERN",
    "volunteer": "VOLUNTEER",
    "per diem": "PER_DIEM",
    "per-diem": "PER_DIEM",
}


@dataclass(frozen=True, slots=True)
class Mapped:
    posting: dict[str, Any]
    notes: tuple[str, ...] = ()  # what the ATS said that the posting does not carry, and why


def text_of(value: Any) -> str | None:
    """A non-blank string with surrounding whitespace removed, or None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def employment_type(value: Any) -> str | None:
    """Our employment type for an ATS's commitment text ("Full-time", "Contract"...), or None."""
    text = text_of(value)
    return _EMPLOYMENT_TYPES.get(" ".join(text.casefold().split())) if text else None


def place_fields(place: Place, source: str) -> tuple[dict[str, Any], list[str]]:
    """The posting fields a parsed location gives, and notes for what it could not."""
    fields: dict[str, Any] = {}
    notes = [f"location {source}: {reason}; left out" for reason in place.unresolved]
    if place.remote:
        fields["workplace"] = "remote"
        if place.applicant_countries:
            fields["applicant_countries"] = list(place.applicant_countries)
        else:
            notes.append(f"location {source}: remote, but names no country applicants may live in")
        return fields, notes
    if place.locations:
        fields["locations"] = [dict(location) for location in place.locations]
    if place.hybrid:
        fields["workplace"] = "hybrid"
    if place.also_remote:
        notes.append(f"location {source} also offers remote work; the posting is on site at its locations")
    return fields, notes


def location_fields(texts: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The fields of several location texts read together (Lever's allLocations, for one)."""
    merged = parse_location(" ; ".join(texts)) if texts else Place()
    return place_fields(merged, " ; ".join(repr(text) for text in texts))


def with_defaults(defaults: Mapping[str, Any], posting: Mapping[str, Any]) -> dict[str, Any]:
    """`posting` laid over `defaults`: the ATS's value wins; objects (hiring_organization) merge by key."""
    merged: dict[str, Any] = {key: value for key, value in defaults.items() if key not in NOT_DEFAULTABLE}
    for key, value in posting.items():
        below = merged.get(key)
        merged[key] = {**below, **value} if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


def unique_texts(values: Iterable[Any]) -> list[str]:
    """The non-blank strings among `values`, trimmed, each once, in order."""
    found = [text for value in values if (text := text_of(value)) is not None]
    return list(dict.fromkeys(found))
