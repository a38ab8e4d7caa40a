"""Greenhouse Job Board API jobs (`GET /v1/boards/{token}/jobs?content=true`) as raw postings.

`content` arrives entity-escaped ("&lt;p&gt;"): it is unescaped exactly once here and then sanitized
like any HTML description by the pipeline. Rules and sources: docs/connectors.md.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from syndicate.core.connectors import Mapped, employment_type, place_fields, text_of, unique_texts
from syndicate.core.connectors.locations import parse_location

ID_PREFIX = "greenhouse-"
EMPLOYMENT_TYPE_FIELD = "employment type"  # the job custom field Greenhouse ships, when exposed


def posting_id(job_post_id: Any) -> str:
    return f"{ID_PREFIX}{job_post_id}"


def map_job(job: Mapping[str, Any]) -> Mapped:
    notes: list[str] = []
    posting: dict[str, Any] = {"id": posting_id(job.get("id"))}
    for field, value in (
        ("requisition_id", text_of(job.get("requisition_id"))),
        ("title", text_of(job.get("title"))),
        ("apply_url", text_of(job.get("absolute_url"))),
        ("url", text_of(job.get("absolute_url"))),
        ("updated_at", text_of(job.get("updated_at"))),
        ("date_posted", text_of(job.get("first_published")) or text_of(job.get("updated_at"))),
    ):
        if value is not None:
            posting[field] = value
    content = text_of(job.get("content"))
    if content is not None:
        posting["description"] = html.unescape(content)
        posting["description_format"] = "html"
    company = text_of(job.get("company_name"))
    if company is not None:
        posting["hiring_organization"] = {"name": company}
    categories = unique_texts(department.get("name") for department in _objects(job.get("departments")))
    if categories:
        posting["categories"] = categories
    fields, location_notes = _location(job)
    posting.update(fields)
    notes.extend(location_notes)
    kind, kind_note = _employment_type(job.get("metadata"))
    if kind is not None:
        posting["employment_types"] = [kind]
    if kind_note is not None:
        notes.append(kind_note)
    return Mapped(posting, tuple(notes))


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _location(job: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The job's `location.name`; when it names no place, the locations of the job's own offices
    (the most specific ones: offices that are no other listed office's parent)."""
    location = job.get("location")
    name = text_of(location.get("name")) if isinstance(location, Mapping) else None
    place = parse_location(name)
    fields, notes = place_fields(place, repr(name))
    if place.locations or place.remote:
        return fields, notes
    offices = _objects(job.get("offices"))
    parents = [office.get("parent_id") for office in offices]
    texts = [text for o in offices if o.get("id") not in parents and (text := text_of(o.get("location")))]
    if texts:
        from_offices = parse_location(" ; ".join(texts))
        if from_offices.locations and not from_offices.unresolved:
            office_fields, _ = place_fields(from_offices, repr(texts))
            return {**fields, **office_fields}, []
    return fields, notes


def _employment_type(metadata: Any) -> tuple[str | None, str | None]:
    for field in _objects(metadata):
        if str(field.get("name", "")).strip().casefold() != EMPLOYMENT_TYPE_FIELD:
            continue
        value = field.get("value")
        value = value[0] if isinstance(value, list) and len(value) == 1 else value
        kind = employment_type(value)
        if kind is None and value not in (None, "", []):
            return None, f"employment type {value!r} is none of ours; left out"
        return kind, None
    return None, None
