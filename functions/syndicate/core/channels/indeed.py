"""The Indeed XML job feed: readiness, one `<job>` per location, the whole feed written as a stream.

A closed job is left out (Indeed removes what leaves the feed). What Indeed documents and the
decisions taken where it is silent: docs/channels/indeed.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from html.entities import html5 as html5_entities
from typing import Any, BinaryIO
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from syndicate.core import sanitize, xmlfeed
from syndicate.core.canonical_html import split_at_tags, unescape_text
from syndicate.core.channels import base
from syndicate.core.model import Channel, Location, Posting, Salary
from syndicate.core.problems import Problem

CHANNEL: Channel = "indeed"

_ROOT = "source"  # the feed's root element

# The fixed element order of every <job>; every one is written on every job.
ELEMENTS: tuple[str, ...] = (
    "title", "date", "referencenumber", "requisitionid", "url", "company", "sourcename",
    "city", "state", "country", "postalcode", "streetaddress", "email", "description",
    "salary", "education", "jobtype", "category", "experience", "expirationdate", "remotetype",
)  # fmt: skip

REMOTE_TYPES = {"remote": "Fully remote", "hybrid": "Hybrid remote", "on_site": ""}
# Indeed's location for a fully remote job: the city "Remote", no state, no postal code.
REMOTE_CITY = "Remote"

JOB_TYPES = {
    "FULL_TIME": "fulltime",
    "PART_TIME": "parttime",
    "CONTRACTOR": "contract",
    "TEMPORARY": "temporary",
    "INTERN": "internship",
    "VOLUNTEER": "volunteer",
    "PER_DIEM": "per diem",
    # OTHER has no Indeed value: it is left out rather than guessed.
}

EDUCATION = {
    "high_school": "High school diploma",
    "associate_degree": "Associate's degree",
    "bachelor_degree": "Bachelor's degree",
    "professional_certificate": "Professional certificate",
    "postgraduate_degree": "Postgraduate degree",
}

EXPERIENCE_LEVELS = {
    "internship": "Internship",
    "entry_level": "Entry level",
    "associate": "Associate",
    "mid_senior": "Mid-senior level",
    "director": "Director",
    "executive": "Executive",
    "not_applicable": "",
}

SALARY_UNITS = {
    "HOUR": "per hour",
    "DAY": "per day",
    "WEEK": "per week",
    "MONTH": "per month",
    "YEAR": "per year",
}

# A symbol only where it is unambiguous to a reader; any other currency is shown by its code.
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}

_REFERENCE_HASH_CHARS = 12  # 48 bits: no collision among a posting's (at most 50) locations

_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# ---------------------------------------------------------------------------------------------
# Readiness


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _extension_problems(posting: Posting, job_count: int) -> list[Problem]:
    fields = base.extension_fields(posting, CHANNEL)
    if not isinstance(fields, Mapping):
        return [Problem("/extensions/indeed", "extension_not_object", "Indeed extensions must be an object.")]
    problems: list[Problem] = []
    for key, value in fields.items():
        pointer = f"/extensions/indeed/{_pointer_token(str(key))}"
        if not isinstance(key, str) or not xmlfeed.is_element_name(key):
            problems.append(
                Problem(
                    pointer,
                    "extension_invalid_name",
                    f"'{key}' cannot be an Indeed feed element name: use letters, digits, '_', '-' "
                    "or '.', starting with a letter or '_'.",
                )
            )
            continue
        text = _extension_text(value)
        if text is None:
            problems.append(
                Problem(
                    pointer,
                    "extension_invalid_value",
                    f"The Indeed field '{key}' must be text, a number, true/false or null.",
                )
            )
        elif key == "remotetype" and text not in ("", "Fully remote", "Hybrid remote"):
            problems.append(
                Problem(
                    pointer,
                    "extension_invalid_value",
                    "Indeed's remotetype must be exactly 'Fully remote', 'Hybrid remote' or empty.",
                )
            )
        elif key == "referencenumber" and job_count > 1:
            problems.append(
                Problem(
                    pointer,
                    "extension_reference_reused",
                    "A fixed Indeed reference number would be shared by all locations of this job; "
                    "Indeed shows only the first job with a given reference number.",
                )
            )
    return problems


def _location_problems(posting: Posting) -> list[Problem]:
    problems: list[Problem] = []
    if not posting.locations and not (posting.is_remote and posting.applicant_countries):
        problems.append(
            Problem("/locations", "missing_location", "Indeed needs at least one location for this job.")
        )
    seen: set[str] = set()
    for index, location in enumerate(posting.locations):
        if not posting.is_remote and not (location.locality or "").strip():
            problems.append(
                Problem(
                    f"/locations/{index}/locality",
                    "required",
                    "Indeed needs a city for every location of a job that is not fully remote.",
                )
            )
        if not posting.is_remote and not (location.region or "").strip():
            problems.append(
                Problem(
                    f"/locations/{index}/region",
                    "required",
                    "Indeed needs the state, province or region (its required <state>) for every "
                    "location of a job that is not fully remote.",
                )
            )
        key = location.key()
        if key in seen:
            problems.append(
                Problem(
                    f"/locations/{index}",
                    "duplicate_location",
                    "This location appears twice; Indeed would show only one of the two jobs.",
                )
            )
        seen.add(key)
    return problems


def readiness(posting: Posting) -> list[Problem]:
    """Why this posting cannot go into the Indeed feed; empty when it can.

    A closed posting is not a problem here: it is simply left out of the feed (`feed_jobs`).
    """
    problems = base.not_selected(posting, CHANNEL)
    if not (posting.contact_email or "").strip():
        problems.append(Problem("/contact_email", "required", "Indeed needs a contact email for the job."))
    if not posting.description.text.strip():
        problems.append(
            Problem(
                "/description", "empty_description", "The description has no visible text left for Indeed."
            )
        )
    problems += _location_problems(posting)
    problems += _extension_problems(posting, len(_places(posting)))
    return problems


# ---------------------------------------------------------------------------------------------
# Jobs


def _places(posting: Posting) -> tuple[Location, ...]:
    """One place per Indeed job: the locations; for a fully remote job one per country (of its
    locations, or else where its applicants may live), since Indeed locates it only as "Remote"."""
    if not posting.is_remote:
        return posting.locations
    countries = [location.country for location in posting.locations] or list(posting.applicant_countries)
    return tuple(Location(country=country.strip().upper()) for country in dict.fromkeys(countries))


def reference_number(posting_id: str, location: Location) -> str:
    """Stable under reordering (from the location's identity, not its position) and unique:
    the posting id is never reused, and the fixed-length suffix keeps the id readable back."""
    digest = hashlib.sha256(location.key().encode("utf-8", "surrogatepass")).hexdigest()
    return f"{posting_id}-{digest[:_REFERENCE_HASH_CHARS]}"


def tracking_url(url: str) -> str:
    """The url with `source=Indeed`, other parameters and the fragment kept byte for byte."""
    parts = urlsplit(url)
    params = parts.query.split("&") if parts.query else []
    for index, param in enumerate(params):
        name, _, value = param.partition("=")
        if unquote_plus(name) == "source":
            if unquote_plus(value) == "Indeed":
                return url
            # The employer's own `source` value would credit the wrong channel.
            params[index] = "source=Indeed"
            break
    else:
        params.append("source=Indeed")
    return urlunsplit(parts._replace(query="&".join(params)))


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        raise ValueError("Indeed dates need an aware datetime")
    return moment.astimezone(UTC).strftime(_DATE_FORMAT)


def _decimal_places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _money(amount: Decimal, currency: str, places: int) -> str:
    number = format(amount, f",.{places}f")
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"


def salary_text(salary: Salary | None) -> str:
    """Indeed's salary text: "$50,000 per year", "$42.50 - $58.00 per hour", "CHF 90,000 per year"."""
    if salary is None:
        return ""
    amounts = [a for a in (salary.value, salary.min, salary.max) if a is not None]
    if not amounts or not all(a.is_finite() for a in amounts):
        return ""
    # Cents on one end of a range mean cents on both: "$42.50 - $58.00".
    fraction = max(_decimal_places(a) for a in amounts)
    places = max(2, fraction) if fraction else 0
    unit = SALARY_UNITS[salary.unit]
    currency = salary.currency.upper()
    if salary.value is not None:
        return f"{_money(salary.value, currency, places)} {unit}"
    if salary.min is not None and salary.max is not None and salary.max != salary.min:
        return f"{_money(salary.min, currency, places)} - {_money(salary.max, currency, places)} {unit}"
    if salary.min is not None:
        prefix = "" if salary.max is not None else "From "
        return f"{prefix}{_money(salary.min, currency, places)} {unit}"
    assert salary.max is not None
    return f"Up to {_money(salary.max, currency, places)} {unit}"


def job_type_text(posting: Posting) -> str:
    values = [JOB_TYPES[t] for t in posting.employment_types if t in JOB_TYPES]
    return ", ".join(dict.fromkeys(values))


def education_text(posting: Posting) -> str:
    if not posting.education:
        return ""
    return EDUCATION.get(posting.education, posting.education.replace("_", " ").capitalize())


def experience_text(posting: Posting) -> str:
    parts: list[str] = []
    if posting.experience_level:
        level = posting.experience_level
        parts.append(EXPERIENCE_LEVELS.get(level, level.replace("_", " ").capitalize()))
    months = posting.experience_months
    if months is not None:
        if months == 0:
            parts.append("No experience required")
        elif months % 12 == 0:
            years = months // 12
            parts.append(f"{years}+ year{'s' if years > 1 else ''}")
        else:
            parts.append(f"{months}+ month{'s' if months > 1 else ''}")
    return ", ".join(part for part in parts if part)


def category_text(posting: Posting) -> str:
    return ", ".join(dict.fromkeys(c.strip() for c in posting.categories if c.strip()))


def description_html(posting: Posting) -> str:
    html = posting.description.by_channel.get(CHANNEL) or sanitize.INDEED.render(posting.description.html)
    return literal_html(html)


# Indeed's feed reference: "Indeed does not support HTML entities ... use < instead of the HTML
# &lt; entity". So the sanitized description's text is written with its characters themselves.
# A literal `<` or `&` is plain text to an HTML reader unless what follows makes it markup: `<`
# before a letter, `/`, `!` or `?` opens a tag; `&` before `#` or the name of a character
# reference ("amp;", or a legacy name such as "copy" even without its `;`) is decoded. Only
# there, a U+2060 WORD JOINER (invisible, and not an entity) goes between the two, so "a<b" and
# "&copy" stay the text the employer wrote while "R&D", "AT&T" and "5 < 7" are left untouched.
# `]]>` needs nothing here: the feed writer splits it across two CDATA sections.
_WORD_JOINER = "\u2060"
_MARKUP_STARTS = re.compile("[<&]")
_TAG_OPENERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/!?")
_REFERENCE_NAMES = frozenset(html5_entities)
_LONGEST_REFERENCE = max(map(len, _REFERENCE_NAMES))


def _opens_markup(text: str, position: int) -> bool:
    """Whether the `<` or `&` at `position` would be read as the start of markup."""
    after = position + 1
    if text[position] == "<":
        return text[after : after + 1] in _TAG_OPENERS  # "" (the end of the text) is not one
    if text.startswith("#", after):
        return True
    longest = min(len(text) - after, _LONGEST_REFERENCE)
    return any(text[after : after + length] in _REFERENCE_NAMES for length in range(1, longest + 1))


def _guard_markup_lookalikes(text: str) -> str:
    out: list[str] = []
    start = 0
    for found in _MARKUP_STARTS.finditer(text):
        position = found.start()
        if _opens_markup(text, position):
            out += (text[start : position + 1], _WORD_JOINER)
            start = position + 1
    return "".join(out) + text[start:] if out else text


def literal_html(html: str) -> str:
    """`html` (a channel's sanitized HTML, as nh3 writes it) with no entity left in it: every
    character of its text written as itself, tags as they are."""
    if "&" not in html:
        return html  # the serializer writes an entity only with an `&`: nothing to undo
    pieces = split_at_tags(html)
    # Only text with an `&` holds an entity, and only an entity gives a `<` or `&` to guard.
    pieces[0::2] = [
        _guard_markup_lookalikes(unescape_text(text)) if "&" in text else text for text in pieces[0::2]
    ]
    return "".join(pieces)


def _extension_text(value: Any) -> str | None:
    """The text of an extension value, or None when the value is not allowed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    return None


def _extension_overlay(posting: Posting) -> dict[str, str]:
    """The valid extension fields as text; invalid ones are reported by `readiness`."""
    fields = base.extension_fields(posting, CHANNEL)
    if not isinstance(fields, Mapping):
        return {}
    overlay: dict[str, str] = {}
    for key, value in fields.items():
        if isinstance(key, str) and xmlfeed.is_element_name(key):
            text = _extension_text(value)
            if text is not None:
                overlay[key] = text
    return overlay


def render_jobs(posting: Posting) -> list[dict[str, str]]:
    """One Indeed `<job>` per location (or per applicant country of a remote job without one).

    Every element of `ELEMENTS` is present, in that order, empty when unknown; extension
    fields are laid over last (new element names after the fixed ones).
    """
    organization = posting.hiring_organization.name
    shared = {
        "title": posting.title,
        "date": _date(posting.date_posted),
        "requisitionid": posting.requisition_id,
        "url": tracking_url(posting.url),
        "company": organization,
        "sourcename": organization,
        "email": posting.contact_email or "",
        "description": description_html(posting),
        "salary": salary_text(posting.salary),
        "education": education_text(posting),
        "jobtype": job_type_text(posting),
        "category": category_text(posting),
        "experience": experience_text(posting),
        "expirationdate": _date(posting.valid_through),
        "remotetype": REMOTE_TYPES[posting.workplace],
    }
    overlay = _extension_overlay(posting)
    jobs: list[dict[str, str]] = []
    for place in _places(posting):
        per_place = {
            "referencenumber": reference_number(posting.id, place),
            # A fully remote place is a bare country (see _places): city "Remote", the rest empty.
            "city": REMOTE_CITY if posting.is_remote else place.locality or "",
            "state": place.region or "",
            "country": place.country,
            "postalcode": place.postal_code or "",
            "streetaddress": place.street_address or "",
        }
        values = shared | per_place
        job = {name: values[name] for name in ELEMENTS}
        job.update(overlay)
        jobs.append(job)
    return jobs


def feed_jobs(postings: Iterable[Posting], *, now: datetime | None = None) -> Iterator[dict[str, str]]:
    """The jobs of every open and Indeed-ready posting, lazily; closed postings are absent.

    With `now`, a posting whose `valid_through` has passed counts as closed too.
    """
    for posting in postings:
        if not posting.is_open:
            continue
        if now is not None and posting.valid_through is not None and posting.valid_through <= now:
            continue
        if readiness(posting):
            continue
        yield from render_jobs(posting)


# ---------------------------------------------------------------------------------------------
# The feed as a stream


def _writer(out: BinaryIO) -> xmlfeed.FeedWriter:
    return xmlfeed.FeedWriter(out, feed="Indeed", is_name=xmlfeed.is_element_name)


def write_feed(
    jobs: Iterable[Mapping[str, str]],
    out: BinaryIO,
    *,
    publisher: str,
    publisher_url: str,
    last_build: datetime,
) -> int:
    """Write the whole Indeed feed to `out` job by job; return the number of jobs written.

    Each job is written with every element of `ELEMENTS` (missing ones empty), then any other
    element it carries. Nothing but the current job is held in memory.
    """
    writer = _writer(out)
    with writer.document(_ROOT):
        _write_header(writer, publisher=publisher, publisher_url=publisher_url, last_build=last_build)
        return _write_jobs(writer, jobs)


def write_jobs(jobs: Iterable[Mapping[str, str]], out: BinaryIO) -> int:
    """Write only the `<job>` elements (a fragment of a feed, e.g. one shard's jobs); returns the
    count. `write_feed_of_fragments` puts fragments in a feed."""
    return _write_jobs(_writer(out), jobs)


def write_feed_of_fragments(
    fragments: Iterable[BinaryIO],
    out: BinaryIO,
    *,
    publisher: str,
    publisher_url: str,
    last_build: datetime,
) -> None:
    """Write the feed around fragments made by `write_jobs`, copied as they are, in order (the
    feed builder assembles the shards' fragments this way without parsing them again)."""
    writer = _writer(out)
    with writer.document(_ROOT):
        _write_header(writer, publisher=publisher, publisher_url=publisher_url, last_build=last_build)
        xmlfeed.copy_fragments(fragments, out)


def _write_header(
    writer: xmlfeed.FeedWriter, *, publisher: str, publisher_url: str, last_build: datetime
) -> None:
    writer.element("publisher", publisher, 1)
    writer.element("publisherurl", publisher_url, 1)
    writer.element("lastBuildDate", _date(last_build), 1)


def _write_jobs(writer: xmlfeed.FeedWriter, jobs: Iterable[Mapping[str, str]]) -> int:
    count = 0
    for job in jobs:
        # Every element of ELEMENTS in its order (an empty one for a missing text), then the rest.
        elements = {name: job.get(name) or "" for name in ELEMENTS}
        elements.update((name, text or "") for name, text in job.items() if name not in elements)
        writer.element("job", elements, 1)
        count += 1
    return count
