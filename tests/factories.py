"""Raw postings for tests: a valid minimal posting, changed field by field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

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
