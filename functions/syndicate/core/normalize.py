"""Build the normalized `Posting` from a raw posting that passed validation.

Defaults come from the contract (`status` open, `employment_types` FULL_TIME, `workplace`
on_site, every channel, `requisition_id` = `id`, `url` = `apply_url`); text is cleaned of
characters no channel can carry; dates become aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from syndicate.core.dates import parse_instant
from syndicate.core.description import build_description
from syndicate.core.model import (
    CHANNELS,
    Channel,
    EmploymentType,
    Location,
    Organization,
    Posting,
    Salary,
    SalaryUnit,
    Status,
    Workplace,
)
from syndicate.core.text import single_line


def normalize(raw: Mapping[str, Any]) -> Posting:
    """The normalized posting. `raw` must have passed `validation.validate` without errors."""
    apply_url = raw["apply_url"]
    updated_at = raw.get("updated_at")
    valid_through = raw.get("valid_through")
    return Posting(
        id=raw["id"],
        requisition_id=single_line(raw.get("requisition_id") or raw["id"]),
        status=cast(Status, raw.get("status", "open")),
        updated_at=parse_instant(updated_at) if updated_at else None,
        title=single_line(raw["title"]),
        description=build_description(raw["description"], raw.get("description_format", "text")),
        hiring_organization=_organization(raw["hiring_organization"]),
        employment_types=cast(
            tuple[EmploymentType, ...], tuple(raw.get("employment_types") or ("FULL_TIME",))
        ),
        workplace=cast(Workplace, raw.get("workplace", "on_site")),
        locations=tuple(_location(item) for item in raw.get("locations", ())),
        applicant_countries=tuple(raw.get("applicant_countries", ())),
        salary=_salary(raw["salary"]) if "salary" in raw else None,
        date_posted=parse_instant(raw["date_posted"]),
        valid_through=parse_instant(valid_through, end_of_day=True) if valid_through else None,
        apply_url=apply_url,
        url=raw.get("url") or apply_url,
        contact_email=raw.get("contact_email"),
        responsibilities=_texts(raw.get("responsibilities")),
        qualifications=_texts(raw.get("qualifications")),
        skills=_texts(raw.get("skills")),
        experience_level=raw.get("experience_level"),
        experience_months=raw.get("experience_months"),
        education=raw.get("education"),
        categories=_texts(raw.get("categories")),
        direct_apply=raw.get("direct_apply"),
        channels=cast(tuple[Channel, ...], tuple(c for c in CHANNELS if c in raw.get("channels", CHANNELS))),
        extensions={name: dict(fields) for name, fields in raw.get("extensions", {}).items()},
    )


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(single_line(v) for v in values or ())


def _optional_line(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return single_line(value) if isinstance(value, str) and value.strip() else None


def _organization(raw: Mapping[str, Any]) -> Organization:
    return Organization(
        name=single_line(raw["name"]),
        url=raw.get("url"),
        logo_url=raw.get("logo_url"),
        linkedin_organization_id=raw.get("linkedin_organization_id"),
    )


def _location(raw: Mapping[str, Any]) -> Location:
    return Location(
        country=raw["country"],
        locality=_optional_line(raw, "locality"),
        region=_optional_line(raw, "region"),
        postal_code=_optional_line(raw, "postal_code"),
        street_address=_optional_line(raw, "street_address"),
    )


def _amount(value: Any) -> Decimal | None:
    # str() of a float is its shortest round-trip form, so 42.5 stays 42.5, not 42.499999...
    return None if value is None else Decimal(str(value))


def _salary(raw: Mapping[str, Any]) -> Salary:
    return Salary(
        currency=raw["currency"],
        unit=cast(SalaryUnit, raw["unit"]),
        value=_amount(raw.get("value")),
        min=_amount(raw.get("min")),
        max=_amount(raw.get("max")),
    )
