"""schema.org `JobPosting` for Google as JSON-LD, and its safe `<script>` embedding.

Readiness is in `schemaorg_readiness`, the job's page in `schemaorg_page`; sources and decisions:
docs/channels/google.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from syndicate.core import sanitize
from syndicate.core.channels.base import extension_fields
from syndicate.core.model import Channel, Location, Organization, Posting, Salary
from syndicate.core.wellformed import has_lone_surrogate

CHANNEL: Channel = "schemaorg"
CONTEXT = "https://schema.org"

EMPLOYMENT_TYPES = frozenset(
    {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"}
)
SALARY_UNITS = frozenset({"HOUR", "DAY", "WEEK", "MONTH", "YEAR"})
CREDENTIAL_CATEGORIES: Mapping[str, str] = {
    "high_school": "high school",
    "associate_degree": "associate degree",
    "bachelor_degree": "bachelor degree",
    "professional_certificate": "professional certificate",
    "postgraduate_degree": "postgraduate degree",
}


# ---------------------------------------------------------------------------------------------
# JSON-LD


_last_render: tuple[Posting, dict[str, Any]] | None = None


def render(posting: Posting) -> dict[str, Any]:
    """`_render`, remembering the last result by the posting's identity: readiness checks the
    very document that is rendered next. Each call gets its own top-level dict."""
    global _last_render  # noqa: PLW0603 - a one-entry memo, not shared state
    if _last_render is not None and _last_render[0] is posting:
        return dict(_last_render[1])
    doc = _render(posting)
    _last_render = (posting, doc)
    return dict(doc)


def _render(posting: Posting) -> dict[str, Any]:
    """The posting as a Google-valid JSON-LD `JobPosting` (JSON-safe: no Decimal, no datetime).

    A closed posting renders exactly like an open one: this function does not decide
    publication. Publishers must not serve markup for a closed or expired job; they remove its
    page (404/410) and notify Google with `URL_DELETED` instead of calling `render`.

    The `extensions.schemaorg` overlay is laid over last, key by key (shallow); a `null` value
    removes the property. An overlaid `description` is sanitized like the canonical one.
    `readiness` reports an overlay that breaks Google's rules.
    """
    org = posting.hiring_organization
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "JobPosting",
        "title": posting.title,
        "description": posting.description.by_channel.get(CHANNEL)
        or sanitize.SCHEMAORG.render(posting.description.html),
        "datePosted": _iso(posting.date_posted),
    }
    if posting.valid_through is not None:  # never invented: an unknown end stays unknown
        doc["validThrough"] = _iso(posting.valid_through)
    doc["hiringOrganization"] = _organization(org)
    if posting.locations:
        doc["jobLocation"] = _one_or_many([_place(location) for location in posting.locations])
    if posting.is_remote:  # hybrid is not TELECOMMUTE: Google wants it for 100% remote jobs only
        doc["jobLocationType"] = "TELECOMMUTE"
        if posting.applicant_countries:
            countries = [{"@type": "Country", "name": code} for code in posting.applicant_countries]
            doc["applicantLocationRequirements"] = _one_or_many(countries)
    if posting.employment_types:
        doc["employmentType"] = _one_or_many(list(posting.employment_types))
    if posting.salary is not None:
        doc["baseSalary"] = _base_salary(posting.salary)
    category = CREDENTIAL_CATEGORIES.get(posting.education or "")
    if category is not None:
        doc["educationRequirements"] = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": category,
        }
    if posting.experience_months is not None:
        doc["experienceRequirements"] = {
            "@type": "OccupationalExperienceRequirements",
            "monthsOfExperience": posting.experience_months,
        }
    for name, values in (
        ("responsibilities", posting.responsibilities),
        ("qualifications", posting.qualifications),
        ("skills", posting.skills),
    ):
        if values:
            doc[name] = _one_or_many(list(values))
    if posting.direct_apply is not None:
        doc["directApply"] = posting.direct_apply
    doc["identifier"] = {"@type": "PropertyValue", "name": org.name, "value": posting.id}
    doc["url"] = posting.url
    # contact_email is not emitted (applicationContact): the page is public, the address is the
    # recruiter's own; experience_level has no schema.org property.
    for key, value in extension_fields(posting, CHANNEL).items():
        name = str(key)
        if value is None:
            doc.pop(name, None)
        elif name == "description" and isinstance(value, str):
            doc[name] = sanitize.SCHEMAORG.render(sanitize.canonical(value))
        else:
            doc[name] = _json_safe(value)
    return doc


def _iso(moment: datetime) -> str:
    """ISO 8601 with an explicit offset (the model holds UTC; a naive value is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _number(value: Decimal) -> int | float:
    """A JSON number: integral amounts as int (50000, not 50000.0), others as float."""
    if value.is_finite() and value == value.to_integral_value():
        return int(value)
    return float(value)


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _organization(org: Organization) -> dict[str, Any]:
    result: dict[str, Any] = {"@type": "Organization", "name": org.name}
    if org.url:
        result["sameAs"] = org.url
    if org.logo_url:
        result["logo"] = org.logo_url
    return result


def _place(location: Location) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress"}
    for prop, value in (
        ("streetAddress", location.street_address),
        ("addressLocality", location.locality),
        ("addressRegion", location.region),
        ("postalCode", location.postal_code),
    ):
        if value:
            address[prop] = value
    address["addressCountry"] = location.country
    return {"@type": "Place", "address": address}


def _base_salary(salary: Salary) -> dict[str, Any]:
    quantity: dict[str, Any] = {"@type": "QuantitativeValue"}
    if salary.value is not None:
        quantity["value"] = _number(salary.value)
    else:
        if salary.min is not None:
            quantity["minValue"] = _number(salary.min)
        if salary.max is not None:
            quantity["maxValue"] = _number(salary.max)
    quantity["unitText"] = salary.unit
    return {"@type": "MonetaryAmount", "currency": salary.currency, "value": quantity}


def _json_safe(value: Any) -> Any:
    """Overlay values as JSON types (Decimal from JSON intake, dates from YAML front matter)."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value that may be one item or a list, as a list (none for a missing value)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def parse_moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime; a date is 00:00 UTC that day, or
    23:59:59 UTC for an end (the contract's reading of date-only values)."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            clock = time(23, 59, 59) if end_of_day else time(0, 0)
            return datetime.combine(date.fromisoformat(value), clock, UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # Google wants the offset


# ---------------------------------------------------------------------------------------------
# Serialization

# Inside <script>, `</script` ends the element and `<!--` starts an escaped state; `&` is escaped
# too so the text means the same whether read as HTML or XHTML. U+2028/2029 are line terminators
# in older JavaScript. Lone surrogates cannot be encoded as UTF-8; JSON escapes keep them.
_SCRIPT_SAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped_surrogates(text: str) -> str:
    # A regular expression, not `str.translate` with a 2,048-entry table: that looks every
    # character up in a dict (some 100 µs for a job page's JSON-LD). The regex walks every
    # character too, so it runs only where the native UTF-8 encoder finds a surrogate.
    if not has_lone_surrogate(text):
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _script_safe(text: str) -> str:
    for character, escaped in _SCRIPT_SAFE:
        text = text.replace(character, escaped)
    return _escaped_surrogates(text)


def jsonld_script(obj: Mapping[str, Any]) -> str:
    """The `<script type="application/ld+json">` element; no value can end it or open a comment.

    Raises ValueError for a non-finite number (JSON has none; `readiness` reports them).
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    return '<script type="application/ld+json">' + _script_safe(text) + "</script>"


def jsonld_document(obj: Mapping[str, Any]) -> str:
    """The JSON-LD as a standalone, indented JSON file."""
    return _escaped_surrogates(json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=2)) + "\n"
