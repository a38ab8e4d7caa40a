"""Postings for tests: a valid minimal raw posting, and a normalized one, changed field by field."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from syndicate.core.description import build_description
from syndicate.core.model import Location, Organization, Posting, Salary

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

MINIMAL: dict[str, Any] = {
    "id": "JOB-1",
    "title": "Line Cook",
    "description": (
        "Cook breakfast and lunch for a busy diner, prep ingredients, keep the line clean "
        "and help train new cooks on our menu."
    ),
    "hiring_organization": {"name": "Sunny Side Diner"},
    "locations": [{"locality": "Denver", "region": "CO", "country": "US"}],
    "date_posted": "2026-11-20",
    "apply_url": "https://sunnyside.example.com/jobs/1",
    "contact_email": "jobs@sunnyside.example.com",
}


def raw_posting(**changes: Any) -> dict[str, Any]:
    """MINIMAL with `changes` applied; a value of `...` (Ellipsis) removes the field."""
    posting = copy.deepcopy(MINIMAL)
    for name, value in changes.items():
        if value is ...:
            posting.pop(name, None)
        else:
            posting[name] = value
    return posting


CHICAGO = Location("US", "Chicago", "IL", "60611", "600 N Lake Shore Dr")
POSTED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def make_posting(**changes: Any) -> Posting:
    """A normalized posting (a night-shift ICU nurse in Chicago) with `changes` applied.

    A test module that needs other defaults binds them once: `partial(make_posting, skills=(...))`.
    """
    base = Posting(
        id="RN-ICU-2207",
        requisition_id="RN-ICU-2207",
        status="open",
        updated_at=None,
        title="Registered Nurse, Intensive Care (Nights)",
        description=build_description("Join our 24-bed ICU.\n\n- care for adults\n- three night shifts"),
        hiring_organization=Organization("Lakeshore General Hospital", "https://lakeshore.example.org"),
        employment_types=("FULL_TIME",),
        workplace="on_site",
        locations=(CHICAGO,),
        applicant_countries=(),
        salary=Salary("USD", "HOUR", min=Decimal("42.5"), max=Decimal("58")),
        date_posted=POSTED,
        valid_through=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        apply_url="https://lakeshore.example.org/careers/2207/apply",
        url="https://lakeshore.example.org/careers/2207",
    )
    return dataclasses.replace(base, **changes)
