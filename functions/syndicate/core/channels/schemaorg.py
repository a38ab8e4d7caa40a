"""schema.org `JobPosting` for Google: the JSON-LD, its safe `<script>` embedding, and the job's page.

Sources relied on (gathered in docs/channels/google.md):
- developers.google.com/search/docs/appearance/structured-data/job-posting: required `title`,
  `description`, `datePosted`, `hiringOrganization`, `jobLocation`; a 100% remote job carries
  `jobLocationType: "TELECOMMUTE"` with `applicantLocationRequirements` and then needs no
  `jobLocation`; `TELECOMMUTE` only for fully remote jobs; `baseSalary` is a `MonetaryAmount` whose
  `value` is a `QuantitativeValue` (`value`, or `minValue`/`maxValue`, and `unitText` HOUR, DAY,
  WEEK, MONTH or YEAR); `identifier` is a `PropertyValue`; `credentialCategory` values; markup only
  on the job's own page and everything in it visible there.
- github.com/garmeeh/next-seo/issues/548 and github.com/Automattic/WP-Job-Manager/issues/2305:
  Search Console reports `TELECOMMUTE` without `applicantLocationRequirements` as a critical error.
- schema.org vocabulary 30.0 (tests/vocab, checked by tests/unit/test_schemaorg_vocabulary.py):
  every emitted property exists for its type. `occupationalCategory` says a literal "may be assumed
  to be from O*NET-SOC", so the contract's free-text `categories` are shown on the page but not
  emitted; an employer with real codes can set it through the extension overlay.
- HTML Living Standard, "restrictions for contents of script elements": `</script` ends the element
  and `<!--` changes how the end is found, so `<`, `>` and `&` are written as JSON `\\u` escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from html import escape
from math import isfinite
from typing import Any
from urllib.parse import urlsplit

import pycountry

from syndicate.core import htmltree, sanitize
from syndicate.core.channels.base import extension_fields, not_selected
from syndicate.core.model import Channel, Location, Organization, Posting, Salary
from syndicate.core.problems import Problem

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

# Every current (not superseded) property schema.org 30.0 allows on JobPosting, its own and those
# of Intangible and Thing. The vocabulary test keeps this set equal to the vocabulary file, so an
# overlay key outside it is an unknown property (e.g. a typo), reported by `readiness`.
JOBPOSTING_PROPERTIES = frozenset(
    {
        "additionalType", "alternateName", "applicantLocationRequirements", "applicationContact",
        "baseSalary", "datePosted", "description", "directApply", "disambiguatingDescription",
        "educationRequirements", "eligibilityToWorkRequirement", "employerOverview", "employmentType",
        "employmentUnit", "estimatedSalary", "experienceInPlaceOfEducation", "experienceRequirements",
        "hiringOrganization", "identifier", "image", "incentiveCompensation", "industry",
        "jobBenefits", "jobDuration", "jobImmediateStart", "jobLocation", "jobLocationType",
        "jobStartDate", "mainEntityOfPage", "name", "occupationalCategory", "owner",
        "physicalRequirement", "potentialAction", "qualifications", "relevantOccupation",
        "responsibilities", "salaryCurrency", "sameAs", "securityClearanceRequirement",
        "sensoryRequirement", "skills", "specialCommitments", "subjectOf", "title",
        "totalJobOpenings", "url", "validThrough", "workHours",
    }
)  # fmt: skip
_KEYWORDS = frozenset({"@context", "@type", "@id"})

# Where a property of the output comes from in the canonical posting, for problem pointers.
_SOURCE_POINTERS: Mapping[str, str] = {
    "title": "/title",
    "description": "/description",
    "datePosted": "/date_posted",
    "validThrough": "/valid_through",
    "hiringOrganization": "/hiring_organization",
    "jobLocation": "/locations",
    "jobLocationType": "/workplace",
    "applicantLocationRequirements": "/applicant_countries",
    "employmentType": "/employment_types",
    "baseSalary": "/salary",
    "educationRequirements": "/education",
    "experienceRequirements": "/experience_months",
    "directApply": "/direct_apply",
    "url": "/url",
    "identifier": "/id",
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


# ---------------------------------------------------------------------------------------------
# Readiness


def readiness(posting: Posting) -> list[Problem]:
    """Why this posting cannot be published as Google JobPosting markup; empty when it can.

    The rules are checked on the rendered output, so an extension overlay is judged by what it
    produces; a problem caused by an overlaid key points at `/extensions/schemaorg/<key>`.
    A closed posting is not "not ready": its page is removed by the publisher.
    """
    unselected = not_selected(posting, CHANNEL)
    if unselected:
        return unselected
    overlay = {str(k): v for k, v in extension_fields(posting, CHANNEL).items()}
    checker = _Checker(overlay)
    checker.check(render(posting), posting)
    return checker.problems


class _Checker:
    def __init__(self, overlay: Mapping[str, Any]) -> None:
        self.overlay = overlay
        self.problems: list[Problem] = []

    def add(self, prop: str, code: str, message: str) -> None:
        if prop in self.overlay:
            pointer = "/extensions/schemaorg/" + prop.replace("~", "~0").replace("/", "~1")
        else:
            pointer = _SOURCE_POINTERS.get(prop, "")
        problem = Problem(pointer, code, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def check(self, doc: Mapping[str, Any], posting: Posting) -> None:
        self._check_overlay_keys()
        self._check_required(doc, posting)
        self._check_location(doc, posting)
        self._check_values(doc)

    def _check_overlay_keys(self) -> None:
        fixed = {"@context": CONTEXT, "@type": "JobPosting"}
        for key, value in self.overlay.items():
            if key in fixed:
                if value != fixed[key]:
                    self.add(key, "invalid_value", f"JobPosting markup must keep {key} {fixed[key]}.")
            elif key not in _KEYWORDS and key not in JOBPOSTING_PROPERTIES:
                self.add(key, "unknown_property", f"'{key}' is not a schema.org JobPosting property.")
            if not _finite(value):
                self.add(key, "invalid_value", f"'{key}' holds a number JSON cannot carry.")

    def _check_required(self, doc: Mapping[str, Any], posting: Posting) -> None:
        if not _nonblank(doc.get("title")):
            self.add("title", "required", "Google requires a title.")
        description = doc.get("description")
        if "description" in self.overlay:
            visible = (
                htmltree.visible_text(htmltree.parse(description)) if isinstance(description, str) else ""
            )
        else:
            visible = posting.description.text  # the rendered description is this text, narrowed
        if not visible.strip():
            code = "required" if "description" in self.overlay else "description_empty"
            self.add("description", code, "Google requires a description; it has no text after sanitizing.")
        posted = _parse_moment(doc.get("datePosted"))
        if posted is None:
            self.add("datePosted", "required", "Google requires datePosted as an ISO 8601 date or date-time.")
        if "validThrough" in doc:
            through = _parse_moment(doc.get("validThrough"), end_of_day=True)
            if through is None:
                self.add(
                    "validThrough", "invalid_value", "validThrough must be an ISO 8601 date or date-time."
                )
            elif posted is not None and through <= posted:
                self.add("validThrough", "invalid_value", "validThrough must be after datePosted.")
        org = doc.get("hiringOrganization")
        if not isinstance(org, Mapping) or not _nonblank(org.get("name")):
            self.add("hiringOrganization", "required", "Google requires hiringOrganization with a name.")

    def _check_location(self, doc: Mapping[str, Any], posting: Posting) -> None:
        location_type = doc.get("jobLocationType")
        telecommute = location_type == "TELECOMMUTE"
        if location_type is not None and not telecommute:
            self.add("jobLocationType", "invalid_value", "Google only knows jobLocationType TELECOMMUTE.")
        requirements = _items(doc.get("applicantLocationRequirements"))
        if telecommute and not (requirements and all(_named(r) for r in requirements)):
            # Blame the overlay key that broke the pair; without an overlay, the missing countries.
            culprit = "applicantLocationRequirements"
            if culprit not in self.overlay and "jobLocationType" in self.overlay:
                culprit = "jobLocationType"
            self.add(
                culprit,
                "telecommute_without_applicant_location",
                "A TELECOMMUTE job needs applicantLocationRequirements: where applicants may live.",
            )
        if posting.is_remote and not telecommute:
            self.add("jobLocationType", "required", "A fully remote job needs jobLocationType TELECOMMUTE.")
        if telecommute and not posting.is_remote:
            self.add(
                "jobLocationType",
                "telecommute_not_remote",
                "TELECOMMUTE is for 100% remote jobs only; this posting's workplace is not remote.",
            )
        places = _items(doc.get("jobLocation"))
        if not places and not telecommute:
            self.add("jobLocation", "required", "Google requires jobLocation unless the job is fully remote.")
        for place in places:
            address = place.get("address") if isinstance(place, Mapping) else None
            country = address.get("addressCountry") if isinstance(address, Mapping) else None
            if not _nonblank(country):
                self.add(
                    "jobLocation", "invalid_value", "Every jobLocation needs an address with addressCountry."
                )

    def _check_values(self, doc: Mapping[str, Any]) -> None:
        if "employmentType" in doc and not all(v in EMPLOYMENT_TYPES for v in _items(doc["employmentType"])):
            allowed = ", ".join(sorted(EMPLOYMENT_TYPES))
            self.add("employmentType", "invalid_value", f"employmentType values must be among {allowed}.")
        if "baseSalary" in doc and not _valid_salary(doc["baseSalary"]):
            self.add(
                "baseSalary",
                "invalid_value",
                "baseSalary must be a MonetaryAmount with a currency and a QuantitativeValue holding "
                "value or minValue (maxValue not below it) and unitText HOUR, DAY, WEEK, MONTH or YEAR.",
            )
        education = doc.get("educationRequirements")
        if isinstance(education, Mapping) and education.get("credentialCategory") not in set(
            CREDENTIAL_CATEGORIES.values()
        ):
            self.add("educationRequirements", "invalid_value", "credentialCategory is not one Google knows.")
        if "directApply" in doc and not isinstance(doc["directApply"], bool):
            self.add("directApply", "invalid_value", "directApply must be true or false.")


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _nonblank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _named(value: Any) -> bool:
    return isinstance(value, Mapping) and _nonblank(value.get("name"))


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, Mapping):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value) and value > 0


def _valid_salary(value: Any) -> bool:
    if not isinstance(value, Mapping) or not _nonblank(value.get("currency")):
        return False
    quantity = value.get("value")
    if not isinstance(quantity, Mapping) or quantity.get("unitText") not in SALARY_UNITS:
        return False
    if "value" in quantity:
        return _is_number(quantity["value"])
    low, high = quantity.get("minValue"), quantity.get("maxValue")
    if not _is_number(low):
        return False
    return high is None or (_is_number(high) and high >= low)


def _parse_moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
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
    # character up in a dict (some 100 µs for a job page's JSON-LD).
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


# ---------------------------------------------------------------------------------------------
# The job's page

_EMPLOYMENT_LABELS: Mapping[str, str] = {
    "FULL_TIME": "Full-time",
    "PART_TIME": "Part-time",
    "CONTRACTOR": "Contractor",
    "TEMPORARY": "Temporary",
    "INTERN": "Internship",
    "VOLUNTEER": "Volunteer",
    "PER_DIEM": "Per diem",
    "OTHER": "Other",
}
_UNIT_LABELS: Mapping[str, str] = {
    "HOUR": "per hour",
    "DAY": "per day",
    "WEEK": "per week",
    "MONTH": "per month",
    "YEAR": "per year",
}
_WORKPLACE_LABELS: Mapping[str, str] = {"on_site": "On-site", "hybrid": "Hybrid", "remote": "Remote"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Properties the page shows in their own place; any other (from the overlay) goes to "More details".
_SHOWN = frozenset(
    {
        "@context", "@type", "@id", "title", "description", "datePosted", "validThrough",
        "hiringOrganization", "jobLocation", "jobLocationType", "applicantLocationRequirements",
        "employmentType", "baseSalary", "educationRequirements", "experienceRequirements",
        "responsibilities", "qualifications", "skills", "identifier", "directApply", "url",
    }
)  # fmt: skip

_CSS = (
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;"
    "background:#fff}main{max-width:42rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem;"
    "line-height:1.25;margin:.25rem 0 1rem}.org{margin:0;color:#555;display:flex;gap:.5rem;"
    "align-items:center}.org img{max-height:2.5rem;max-width:8rem}dl{display:grid;"
    "grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}dt{font-weight:600}"
    "dd{margin:0}dd ul{margin:0;padding-left:1.1rem}.apply{display:inline-block;padding:.7rem 1.4rem;"
    "background:#1a56db;color:#fff;border-radius:.4rem;text-decoration:none;font-weight:600}"
    "section{margin:1.5rem 0}footer{color:#555;font-size:.875rem;border-top:1px solid #ddd;"
    "padding-top:1rem}@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}}"
)


def page_facts(posting: Posting) -> dict[str, Any]:
    """What the job page shows besides the JSON-LD: small and JSON-safe, so the page can be
    rendered where it is published (`render_page`) rather than travel through the queue."""
    return {
        "title": posting.title,
        "organization": posting.hiring_organization.name,
        "url": posting.url,
        "workplace": posting.workplace,
        "categories": list(posting.categories),
        "apply_url": posting.apply_url,
    }


def job_page(posting: Posting, jsonld: Mapping[str, Any], page_url: str | None = None) -> str:
    """The job's own HTML5 page, carrying `jsonld` in <head> and showing everything it states."""
    return render_page(jsonld, page_facts(posting), page_url)


def render_page(jsonld: Mapping[str, Any], facts: Mapping[str, Any], page_url: str | None = None) -> str:
    """The job page from its JSON-LD and `page_facts`; `page_url` is where it is published.

    Values are read from `jsonld` (so an overlay's changes are visible too), falling back to the
    facts; every text is escaped, links are kept only with http(s) URLs, and the description
    goes through the schema.org sanitizer again because `jsonld` may come from anywhere. The page's
    canonical link is the page itself (`page_url`), never the employer's site or application form:
    a canonical elsewhere would tell Google to index that instead. Without `page_url` (a preview)
    there is none.
    """
    title = _text(jsonld.get("title")) or _text(facts.get("title"))
    org = jsonld.get("hiringOrganization")
    org_map: Mapping[str, Any] = org if isinstance(org, Mapping) else {}
    org_name = _text(org_map.get("name")) or _text(facts.get("organization"))
    canonical = _http_url(page_url)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} – {_e(org_name)}</title>",
    ]
    if canonical:
        head.append(f'<link rel="canonical" href="{_e(canonical)}">')
    head += [f"<style>{_CSS}</style>", jsonld_script(jsonld), "</head>"]
    body = ["<body>", "<main>", "<article>", "<header>", _org_line(org_map, org_name)]
    apply_link = _apply_link(facts.get("apply_url"))
    body += [f"<h1>{_e(title)}</h1>", _facts(facts, jsonld), apply_link, "</header>"]
    description = jsonld.get("description")
    if isinstance(description, str) and description.strip():
        cleaned = sanitize.SCHEMAORG.render(sanitize.canonical(description))
        body.append(f'<section class="description">{cleaned}</section>')
    for prop, heading in (
        ("responsibilities", "Responsibilities"),
        ("qualifications", "Qualifications"),
        ("skills", "Skills"),
    ):
        body.append(_list_section(heading, _texts(jsonld.get(prop))))
    body.append(_list_section("Categories", _texts(facts.get("categories"))))
    body.append(_more_details(jsonld))
    body += [apply_link, _footer(jsonld, org_name), "</article>", "</main>", "</body>"]
    return "\n".join(part for part in [*head, *body, "</html>"] if part) + "\n"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def _texts(value: Any) -> list[str]:
    """Displayable strings of a JSON-LD value: scalars, lists, and objects by name/value."""
    found: list[str] = []
    for item in _items(value):
        if isinstance(item, Mapping):
            named = _text(item.get("name")) or _text(item.get("value"))
            found.append(
                named or ", ".join(filter(None, (_text(v) for k, v in item.items() if k != "@type")))
            )
        elif isinstance(item, list):
            found.extend(_texts(item))
        else:
            found.append(_text(item))
    return [text for text in found if text]


def _http_url(value: Any) -> str:
    """The URL if it is absolute http(s), else "": an overlay could hold `javascript:`."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme.lower() in {"http", "https"} and parts.netloc else ""


def _org_line(org: Mapping[str, Any], name: str) -> str:
    logo = _http_url(org.get("logo"))
    image = f'<img src="{_e(logo)}" alt="{_e(name)} logo">' if logo else ""
    site = _http_url(org.get("sameAs"))
    label = f'<a href="{_e(site)}" rel="noopener">{_e(name)}</a>' if site else _e(name)
    return f'<p class="org">{image}<span>{label}</span></p>'


def _facts(facts: Mapping[str, Any], jsonld: Mapping[str, Any]) -> str:
    telecommute = jsonld.get("jobLocationType") == "TELECOMMUTE"
    workplace = "Remote" if telecommute else _WORKPLACE_LABELS.get(str(facts.get("workplace")), "")
    locations: list[str] = []
    if telecommute:
        countries = [_country_name(c) for c in _texts(jsonld.get("applicantLocationRequirements"))]
        locations.append(f"Remote ({', '.join(countries)})" if countries else "Remote")
    locations += [_address_text(place) for place in _items(jsonld.get("jobLocation"))]
    employment = [_EMPLOYMENT_LABELS.get(t, t) for t in _texts(jsonld.get("employmentType"))]
    rows: list[tuple[str, str]] = [
        ("Workplace", _e(workplace) if workplace else ""),
        ("Location" if len(locations) < 2 else "Locations", _html_list([t for t in locations if t])),
        ("Salary", _e(_salary_text(jsonld.get("baseSalary")))),
        ("Employment type", _e(", ".join(employment))),
        ("Posted", _time(jsonld.get("datePosted"))),
        ("Apply by", _time(jsonld.get("validThrough"))),
        ("Education", _e(_education_text(jsonld.get("educationRequirements")))),
        ("Experience", _e(_experience_text(jsonld.get("experienceRequirements")))),
    ]
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows if value)
    return f'<dl class="facts">{items}</dl>'


def _html_list(texts: list[str]) -> str:
    if len(texts) <= 1:
        return _e(texts[0]) if texts else ""
    return "<ul>" + "".join(f"<li>{_e(t)}</li>" for t in texts) + "</ul>"


def _country_name(code: str) -> str:
    if len(code) == 2 and code.isalpha():
        country = pycountry.countries.get(alpha_2=code.upper())
        if country is not None:
            return str(country.name)
    return code


def _address_text(place: Any) -> str:
    if not isinstance(place, Mapping):
        return _text(place)
    address = place.get("address")
    if not isinstance(address, Mapping):
        return _text(address) or _text(place.get("name"))
    region_postal = " ".join(filter(None, (_text(address.get(k)) for k in ("addressRegion", "postalCode"))))
    parts = [
        _text(address.get("streetAddress")),
        _text(address.get("addressLocality")),
        region_postal,
        _country_name(_text(address.get("addressCountry"))),
    ]
    return ", ".join(part for part in parts if part)


def _amount(value: Any, decimals: bool) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return _text(value)
    return f"{value:,.2f}" if decimals else f"{value:,.0f}"


def _salary_text(salary: Any) -> str:
    if not isinstance(salary, Mapping):
        return _text(salary)
    quantity = salary.get("value")
    currency = _text(salary.get("currency"))
    if not isinstance(quantity, Mapping):
        return " ".join(filter(None, (currency, _text(quantity))))
    numbers = [quantity.get(k) for k in ("value", "minValue", "maxValue") if k in quantity]
    decimals = any(isinstance(n, float) and not n.is_integer() for n in numbers)
    if "value" in quantity:
        amount = _amount(quantity["value"], decimals)
    elif "maxValue" in quantity:
        amount = f"{_amount(quantity.get('minValue'), decimals)}–{_amount(quantity['maxValue'], decimals)}"
    else:
        amount = f"from {_amount(quantity.get('minValue'), decimals)}"
    unit = _text(quantity.get("unitText"))
    return " ".join(filter(None, (currency, amount, _UNIT_LABELS.get(unit, unit))))


def _time(value: Any) -> str:
    moment = _parse_moment(value)
    if moment is None:
        return _e(_text(value))
    label = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    return f'<time datetime="{_e(str(value))}">{label}</time>'


def _education_text(value: Any) -> str:
    if isinstance(value, Mapping):
        category = _text(value.get("credentialCategory"))
        return category[:1].upper() + category[1:] if category else ", ".join(_texts(value))
    return ", ".join(_texts(value))


def _experience_text(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ", ".join(_texts(value))
    months = value.get("monthsOfExperience")
    if not isinstance(months, int | float) or isinstance(months, bool):
        return ", ".join(_texts(value))
    if months <= 0:
        return "No experience required"
    if months % 12 == 0:
        years = int(months // 12)
        return f"At least {years} year{'s' if years != 1 else ''}"
    return f"At least {months:g} month{'s' if months != 1 else ''}"


def _apply_link(apply_url: Any) -> str:
    target = _http_url(apply_url)
    if not target:
        return ""
    return f'<p><a class="apply" href="{_e(target)}" rel="noopener">Apply for this job</a></p>'


def _list_section(heading: str, texts: Iterable[str]) -> str:
    items = "".join(f"<li>{_e(text)}</li>" for text in texts if text)
    return f"<section><h2>{heading}</h2><ul>{items}</ul></section>" if items else ""


def _label(prop: str) -> str:
    """`workHours` -> `Work hours`: readable names for properties the page has no place for."""
    words: list[str] = []
    for char in prop.lstrip("@"):
        if char.isupper() and words:
            words.append(" ")
        words.append(char.lower())
    text = "".join(words)
    return text[:1].upper() + text[1:]


def _more_details(jsonld: Mapping[str, Any]) -> str:
    rows = []
    for key, value in jsonld.items():
        if str(key) in _SHOWN:
            continue
        texts = _texts(value)
        if texts:
            rows.append(f"<dt>{_e(_label(str(key)))}</dt><dd>{_html_list(texts)}</dd>")
    return f"<section><h2>More details</h2><dl>{''.join(rows)}</dl></section>" if rows else ""


def _footer(jsonld: Mapping[str, Any], org_name: str) -> str:
    identifier = jsonld.get("identifier")
    reference = _text(identifier.get("value")) if isinstance(identifier, Mapping) else _text(identifier)
    parts = [f"Hiring organization: {_e(org_name)}"]
    if reference:
        parts.append(f"Reference: {_e(reference)}")
    return "<footer><p>" + " · ".join(parts) + "</p></footer>"
