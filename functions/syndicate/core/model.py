"""The normalized posting: what every channel renderer reads.

A `Posting` is built once from a valid canonical posting (see `normalize.py`): dates are aware
datetimes in UTC, defaults from the contract are filled in, and the description is sanitized
HTML with LinkedIn hashtags taken out. Renderers never look at the raw JSON again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

Channel = Literal["linkedin", "indeed", "schemaorg"]
CHANNELS: tuple[Channel, ...] = ("linkedin", "indeed", "schemaorg")

Status = Literal["open", "closed"]
Workplace = Literal["on_site", "hybrid", "remote"]
SalaryUnit = Literal["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]
EmploymentType = Literal[
    "FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"
]


@dataclass(frozen=True, slots=True)
class Location:
    country: str  # ISO 3166-1 alpha-2, upper case
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    street_address: str | None = None

    def key(self) -> str:
        """A stable identity for this place, independent of its position in the list."""
        parts = (self.country, self.region, self.locality, self.postal_code, self.street_address)
        return "|".join((p or "").strip().casefold() for p in parts)


@dataclass(frozen=True, slots=True)
class Salary:
    currency: str  # ISO 4217, upper case
    unit: SalaryUnit
    value: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    url: str | None = None
    logo_url: str | None = None
    linkedin_organization_id: str | None = None


@dataclass(frozen=True, slots=True)
class Description:
    """The job description, converted from its source format and sanitized once.

    `html` is the canonical, sanitized HTML (a broad but safe tag set, no attributes except
    `href` on links); channel renderers narrow it to their own tag set. `hashtags` holds the
    LinkedIn hashtags (`#LI-Remote`, `#LI-MM1`) that were removed from `html`; only the LinkedIn
    renderer puts them back.
    """

    html: str
    text: str  # the visible text of `html`, whitespace collapsed
    hashtags: tuple[str, ...] = ()
    # Each channel's HTML (its own tag set), computed once from the one parse of `html`.
    by_channel: Mapping[Channel, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Posting:
    id: str
    requisition_id: str
    status: Status
    updated_at: datetime | None
    title: str
    description: Description
    hiring_organization: Organization
    employment_types: tuple[EmploymentType, ...]
    workplace: Workplace
    locations: tuple[Location, ...]
    applicant_countries: tuple[str, ...]
    salary: Salary | None
    date_posted: datetime
    valid_through: datetime | None
    apply_url: str
    url: str
    contact_email: str | None = None
    responsibilities: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    experience_level: str | None = None
    experience_months: int | None = None
    education: str | None = None
    categories: tuple[str, ...] = ()
    direct_apply: bool | None = None
    channels: tuple[Channel, ...] = CHANNELS
    extensions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_remote(self) -> bool:
        return self.workplace == "remote"
