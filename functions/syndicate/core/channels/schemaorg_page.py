"""The job's own HTML5 page: the JSON-LD in its <head>, everything it states shown in the body.

Sources and decisions: docs/channels/google.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from syndicate.core import iso_codes, sanitize
from syndicate.core.channels.schemaorg import as_list, jsonld_script, parse_moment
from syndicate.core.model import Posting

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
    for item in as_list(value):
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
    locations += [_address_text(place) for place in as_list(jsonld.get("jobLocation"))]
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
        country = iso_codes.country(code)
        if country is not None:
            return str(country["name"])
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
    moment = parse_moment(value)
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
