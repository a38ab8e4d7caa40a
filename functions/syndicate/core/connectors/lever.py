"""Lever postings API postings (`GET /v0/postings/{site}?mode=json`) as raw postings.

The description is Lever's own order: `description` (opening and body), then each of `lists` as a
heading and its list, then `additional`. Rules and sources: docs/connectors.md.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from syndicate.core.connectors import (
    Mapped,
    employment_type,
    location_fields,
    text_of,
    unique_texts,
)
from syndicate.core.connectors.locations import REMOTE_WORDS, country_code

ID_PREFIX = "lever-"
WORKPLACES = {"on-site": "on_site", "remote": "remote", "hybrid": "hybrid"}  # "unspecified": the text decides
# salaryRange.interval as the API returns it; "one-time" has no unit of ours.
SALARY_INTERVALS = {
    "per-hour-wage": "HOUR",
    "per-day-wage": "DAY",
    "per-week-salary": "WEEK",
    "per-month-salary": "MONTH",
    "per-year-salary": "YEAR",
}


def posting_id(lever_id: Any) -> str:
    return f"{ID_PREFIX}{lever_id}"


def map_posting(job: Mapping[str, Any]) -> Mapped:
    notes: list[str] = []
    given = job.get("categories")
    categories: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    posting: dict[str, Any] = {"id": posting_id(job.get("id"))}
    for field, value in (
        ("title", text_of(job.get("text"))),
        ("apply_url", text_of(job.get("applyUrl"))),
        ("url", text_of(job.get("hostedUrl"))),
        ("date_posted", _created_at(job.get("createdAt"))),
    ):
        if value is not None:
            posting[field] = value
    description = _description(job)
    if description:
        posting["description"] = description
        posting["description_format"] = "html"
    commitment = text_of(categories.get("commitment"))
    kind = employment_type(commitment)
    if kind is not None:
        posting["employment_types"] = [kind]
    elif commitment is not None:
        notes.append(f"commitment {commitment!r} is none of our employment types; left out")
    teams = unique_texts([categories.get("team"), categories.get("department")])
    if teams:
        posting["categories"] = teams
    fields, location_notes = _where(job, categories)
    posting.update(fields)
    notes.extend(location_notes)
    salary, salary_note = _salary(job.get("salaryRange"))
    if salary is not None:
        posting["salary"] = salary
    if salary_note is not None:
        notes.append(salary_note)
    return Mapped(posting, tuple(notes))


def _created_at(value: Any) -> str | None:
    """Lever's createdAt (milliseconds since the epoch) as RFC 3339 UTC."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # beyond the years a datetime holds: no date
        return None


def _description(job: Mapping[str, Any]) -> str:
    parts = [text_of(job.get("description")) or ""]
    lists = job.get("lists")
    for item in lists if isinstance(lists, list) else []:
        if not isinstance(item, Mapping):
            continue
        heading, content = text_of(item.get("text")), text_of(item.get("content"))
        if heading:
            parts.append(f"<h3>{html.escape(heading, quote=False)}</h3>")
        if content:
            parts.append(f"<ul>{content}</ul>")
    parts.append(text_of(job.get("additional")) or "")
    return "".join(part for part in parts if part)


def _where(job: Mapping[str, Any], categories: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Places from `categories.allLocations` (or `location`); `workplaceType` decides the workplace when it
    is not "unspecified"; Lever's `country` completes a text that names only a city ("San Francisco")."""
    listed = categories.get("allLocations")
    texts = unique_texts(listed if isinstance(listed, list) and listed else [categories.get("location")])
    country = country_code(text_of(job.get("country")) or "")
    workplace = WORKPLACES.get(str(job.get("workplaceType") or "").casefold())
    fields, notes = location_fields(texts)
    places = fields.get("locations", [])
    if workplace == "remote" or (workplace is None and fields.get("workplace") == "remote"):
        countries = fields.get("applicant_countries") or sorted({place["country"] for place in places})
        countries = countries or ([country] if country else [])
        if not countries:
            return {"workplace": "remote"}, [
                f"remote posting: {texts!r} names no country applicants may live in"
            ]
        return {"workplace": "remote", "applicant_countries": countries}, []
    if not places and country is not None and texts and all("," not in text for text in texts):
        places = [{"country": country, "locality": text} for text in texts if not REMOTE_WORDS.search(text)]
        notes = [] if places else notes
    if not places and fields.get("applicant_countries"):
        places = [{"country": code} for code in fields["applicant_countries"]]
    located: dict[str, Any] = {"locations": places} if places else {}
    chosen = workplace or fields.get("workplace")
    return {**located, **({"workplace": chosen} if chosen else {})}, notes


def _salary(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    interval = str(value.get("interval") or "")
    unit = SALARY_INTERVALS.get(interval)
    currency = text_of(value.get("currency"))
    low, high = _amount(value.get("min")), _amount(value.get("max"))
    if unit is None or currency is None or (low is None and high is None):
        return None, f"salaryRange {dict(value)!r} has no unit, currency or amount of ours; left out"
    salary: dict[str, Any] = {"currency": currency.upper(), "unit": unit}
    if low is None or high is None or low == high:
        salary["value"] = low if low is not None else high
    else:
        salary["min"], salary["max"] = low, high
    return salary, None


def _amount(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return value
