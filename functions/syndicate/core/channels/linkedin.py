"""LinkedIn Job Posting API: a posting as one `simpleJobPostings` job, and the batch request bodies.

Every field rule, with the LinkedIn page or SDK class it comes from and the decisions where they
disagree, is in docs/channels/linkedin.md.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from syndicate.core import htmltree, iso_codes, sanitize
from syndicate.core.channels.base import extension_fields, not_selected
from syndicate.core.model import Channel, Location, Posting, Salary
from syndicate.core.problems import Problem

CHANNEL: Channel = "linkedin"

MAX_JOBS_PER_REQUEST = 100
MAX_ALTERNATE_LOCATIONS = 7
MAX_LOCATIONS = 1 + MAX_ALTERNATE_LOCATIONS
MAX_EXTERNAL_ID = 75
MAX_TITLE = 200
MIN_DESCRIPTION = 100
MAX_DESCRIPTION = 25_000
MAX_SKILLS_DESCRIPTION = 4_000
# LinkedIn refuses an expiry less than a day ahead; the stricter of its two documented maxima.
MIN_EXPIRY_AHEAD = timedelta(hours=24)
MAX_EXPIRY_AHEAD = timedelta(days=180)

ALLOWED_TAGS: frozenset[str] = sanitize.LINKEDIN.tags

OPERATIONS = ("CREATE", "UPDATE", "RENEW", "CLOSE")
WORKPLACE_TYPES = {"on_site": "On-site", "hybrid": "Hybrid", "remote": "Remote"}
# PER_DIEM and OTHER have no LinkedIn value (the newest schema dropped OTHER): the field is left out.
EMPLOYMENT_STATUS = {
    "FULL_TIME": "FULL_TIME",
    "PART_TIME": "PART_TIME",
    "CONTRACTOR": "CONTRACT",
    "TEMPORARY": "TEMPORARY",
    "INTERN": "INTERNSHIP",
    "VOLUNTEER": "VOLUNTEER",
}
EXPERIENCE_LEVEL = {
    "internship": "INTERNSHIP",
    "entry_level": "ENTRY_LEVEL",
    "associate": "ASSOCIATE",
    "mid_senior": "MID_SENIOR_LEVEL",
    "director": "DIRECTOR",
    "executive": "EXECUTIVE",
    "not_applicable": "NOT_APPLICABLE",
}
PERIODS = {"HOUR": "HOURLY", "DAY": "DAILY", "WEEK": "WEEKLY", "MONTH": "MONTHLY", "YEAR": "YEARLY"}
COMPENSATION_PERIODS = frozenset(
    {"YEARLY", "MONTHLY", "SEMIMONTHLY", "BIWEEKLY", "WEEKLY", "DAILY", "HOURLY"}
)
COMPENSATION_TYPES = frozenset(
    {"BASE_SALARY", "TIPS", "COMMISSION", "PROFIT_SHARING", "STOCK_OPTIONS", "STOCK", "BONUS",
     "SIGN_ON_BONUS", "OVER_TIME", "OTHER"}
)  # fmt: skip

# ISO names with a comma would read as extra parts of a "City, Region, Country" string.
_COUNTRY_NAMES = {
    "BQ": "Caribbean Netherlands",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "SH": "Saint Helena",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}
_ORGANIZATION_URN = re.compile(r"urn:li:organization:[0-9]+")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Where each job field comes from in the canonical posting, for problem pointers.
_POINTERS = {
    "externalJobPostingId": "/id",
    "jobPostingOperationType": "/status",
    "title": "/title",
    "description": "/description",
    "companyApplyUrl": "/apply_url",
    "listedAt": "/date_posted",
    "workplaceTypes": "/workplace",
    "employmentStatus": "/employment_types",
    "experienceLevel": "/experience_level",
    "integrationContext": "/hiring_organization/linkedin_organization_id",
    "companyName": "/hiring_organization/name",
    "companyPageUrl": "/hiring_organization/url",
    "expireAt": "/valid_through",
    "posterEmail": "/contact_email",
    "skillsDescription": "/skills",
    "compensation": "/salary",
    "companyJobCode": "/requisition_id",
}
_LABELS = {
    "externalJobPostingId": "the job's id",
    "jobPostingOperationType": "an operation (CREATE, UPDATE, RENEW or CLOSE)",
    "title": "a title",
    "description": "a description",
    "companyApplyUrl": "an apply URL",
    "listedAt": "the date the job was posted",
    "location": "a location",
    "companyName": "the hiring organization's name or its LinkedIn organization id",
    "posterEmail": "the poster's email (contact_email) for every job since June 2025",
}
_REQUIRED_TEXT = (
    "externalJobPostingId",
    "jobPostingOperationType",
    "title",
    "description",
    "companyApplyUrl",
    "location",
    "posterEmail",
)


def readiness(posting: Posting, now: datetime) -> list[Problem]:
    """Why this posting cannot go to LinkedIn as it is; empty when it can."""
    skipped = not_selected(posting, CHANNEL)
    if skipped:
        return skipped
    overlay = extension_fields(posting, CHANNEL)
    job = render_job(posting, now)
    problems: list[Problem] = []
    if "description" in overlay:
        visible = htmltree.visible_text(htmltree.parse(str(job.get("description", ""))))
    else:
        visible = posting.description.text
    too_short = len(visible) < MIN_DESCRIPTION
    if too_short:
        pointer = _pointer_for("description", posting, overlay)
        problems.append(
            Problem(
                pointer,
                "description_too_short",
                f"LinkedIn needs a description of at least {MIN_DESCRIPTION} characters of text; "
                f"this one has {len(visible)}.",
            )
        )
    if "location" not in overlay and "alternateLocations" not in overlay:
        problems.extend(_location_problems(posting))
    # Our own description and skills are built from LinkedIn's tag set; only overlays need the tag check.
    for violation in _check_job(job, now, check_tags={"description", "skillsDescription"} & set(overlay)):
        if too_short and (violation.key, violation.code) == ("description", "required"):
            continue  # already said, more precisely
        problems.append(
            Problem(_pointer_for(violation.key, posting, overlay), violation.code, violation.message)
        )
    return problems


_last_render: tuple[Posting, datetime, str | None, dict[str, Any]] | None = None


def render_job(posting: Posting, now: datetime, operation: str | None = None) -> dict[str, Any]:
    """One element of `POST /rest/simpleJobPostings` (batch_create), extension overlay included.

    The last result is remembered (by identity of the posting) because readiness checks the very
    job that is rendered next; each call gets its own top-level dict.
    """
    global _last_render  # noqa: PLW0603 - a one-entry memo, not shared state
    if _last_render is not None:
        cached_posting, cached_now, cached_operation, cached_job = _last_render
        if cached_posting is posting and cached_now == now and cached_operation == operation:
            return dict(cached_job)
    job = _render_job(posting, now, operation)
    _last_render = (posting, now, operation, job)
    return dict(job)


def _render_job(posting: Posting, now: datetime, operation: str | None) -> dict[str, Any]:
    if operation is None:
        operation = default_operation(posting, now)
    if operation not in OPERATIONS:
        raise ValueError(f"unknown LinkedIn operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
    job = _base_job(posting, now, operation)
    for key, value in extension_fields(posting, CHANNEL).items():
        # A null in the overlay removes a field this renderer would send.
        if value is None:
            job.pop(key, None)
        else:
            job[key] = copy.deepcopy(value)
    return job


def default_operation(posting: Posting, now: datetime) -> str:
    """CLOSE for a closed job, and for one whose end date has passed (closed everywhere then)."""
    expired = posting.valid_through is not None and posting.valid_through <= now
    return "CLOSE" if not posting.is_open or expired else "CREATE"


def render_request(jobs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The body of one batch_create call; refuses what LinkedIn would refuse."""
    elements = list(jobs)
    if len(elements) > MAX_JOBS_PER_REQUEST:
        raise ValueError(f"LinkedIn takes at most {MAX_JOBS_PER_REQUEST} jobs a call, got {len(elements)}")
    ids = [job.get("externalJobPostingId") for job in elements]
    if len(set(ids)) != len(ids):
        raise ValueError("two jobs with the same externalJobPostingId in one LinkedIn call")
    return {"elements": elements}


def batch_requests(jobs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Request bodies of at most 100 jobs, never two for one id; the jobs keep their order, so a
    later duplicate (an UPDATE after its CREATE) lands in a later body. Send them in sequence."""
    batch: list[dict[str, Any]] = []
    ids: set[Any] = set()
    for job in jobs:
        job_id = job.get("externalJobPostingId")
        if len(batch) == MAX_JOBS_PER_REQUEST or job_id in ids:
            yield render_request(batch)
            batch, ids = [], set()
        batch.append(job)
        ids.add(job_id)
    if batch:
        yield render_request(batch)


# Rendering -------------------------------------------------------------------------------------


def _base_job(posting: Posting, now: datetime, operation: str) -> dict[str, Any]:
    organization = posting.hiring_organization
    job: dict[str, Any] = {
        "externalJobPostingId": posting.id,
        "jobPostingOperationType": operation,
        "title": posting.title,
        "description": description_html(posting),
        "companyApplyUrl": posting.apply_url,
        # LinkedIn rejects a listedAt in the future; the contract allows a day ahead.
        "listedAt": _epoch_ms(min(posting.date_posted, now)),
    }
    places = place_strings(posting)
    if places:
        job["location"] = places[0]
        if len(places) > 1:
            job["alternateLocations"] = places[1:MAX_LOCATIONS]
    job["workplaceTypes"] = [WORKPLACE_TYPES[posting.workplace]]
    if posting.employment_types and posting.employment_types[0] in EMPLOYMENT_STATUS:
        job["employmentStatus"] = EMPLOYMENT_STATUS[posting.employment_types[0]]
    if posting.experience_level in EXPERIENCE_LEVEL:
        job["experienceLevel"] = EXPERIENCE_LEVEL[posting.experience_level]
    if organization.linkedin_organization_id:
        job["integrationContext"] = f"urn:li:organization:{organization.linkedin_organization_id}"
    else:
        # LinkedIn: companyName only when the organization id is unknown.
        job["companyName"] = organization.name
        if organization.url:
            job["companyPageUrl"] = organization.url
    if posting.valid_through is not None and _expiry_accepted(posting.valid_through, now):
        # Outside LinkedIn's window the field is left out (never moved): LinkedIn then applies
        # its default expiry, and the job is closed when its end date passes.
        job["expireAt"] = _epoch_ms(posting.valid_through)
    if posting.contact_email:
        job["posterEmail"] = posting.contact_email
    skills = skills_html(posting.skills)
    if skills:
        job["skillsDescription"] = skills
    compensation = compensation_field(posting.salary)
    if compensation is not None:
        job["compensation"] = compensation
    if posting.requisition_id and posting.requisition_id != posting.id:
        # Documented for an id that differs from the job's own; LinkedIn links duplicates by it.
        job["companyJobCode"] = posting.requisition_id
    return job


def description_html(posting: Posting) -> str:
    """The description in LinkedIn's tag set, its LinkedIn hashtags back as a last paragraph."""
    html = posting.description.by_channel.get(CHANNEL) or sanitize.LINKEDIN.render(posting.description.html)
    if not posting.description.hashtags:
        return html
    return html + htmltree.serialize(htmltree.Element("p", [], [" ".join(posting.description.hashtags)]))


def skills_html(skills: Sequence[str]) -> str | None:
    """The skills as a list, as many whole skills as fit in LinkedIn's 4,000 characters."""
    items: list[htmltree.Node] = []
    size = len(htmltree.serialize(htmltree.Element("ul")))
    for skill in skills:
        item = htmltree.Element("li", [], [skill])
        item_size = len(htmltree.serialize(item))
        if size + item_size > MAX_SKILLS_DESCRIPTION:
            break
        items.append(item)
        size += item_size
    if not items:
        return None
    return htmltree.serialize(htmltree.Element("ul", [], items))


def place_strings(posting: Posting) -> list[str]:
    """Every distinct LinkedIn location of the job, in order; a remote job without locations is
    located in its applicant countries."""
    if posting.locations:
        places = [location_string(location) for location in posting.locations]
    elif posting.is_remote:
        places = [country_name(code) for code in posting.applicant_countries]
    else:
        places = []
    return list(dict.fromkeys(place for place in places if place))


def location_string(location: Location) -> str:
    """The place in one of the forms LinkedIn documents: "City, State" or "City, Province" when
    the region is known (LinkedIn's own example: "Sunnyvale, California"), "City, Country" when it
    is not, "Postal code, CC" when only a postal code is known, and the bare country name (fit for
    remote jobs only, LinkedIn's example "India"). Never three parts: no documented form has them."""
    locality = (location.locality or "").strip()
    if locality:
        region = region_name(location.country, location.region)
        if region.casefold() == locality.casefold():  # "Berlin, Berlin" says less than "Berlin, Germany"
            region = ""
        return f"{locality}, {region or country_name(location.country)}"
    postal_code = (location.postal_code or "").strip()
    if postal_code:
        return f"{postal_code}, {location.country.strip().upper()}"
    return country_name(location.country)


def is_locatable(location: Location) -> bool:
    """Whether the place has a documented LinkedIn form other than a bare country (a city or a
    postal code); a region alone has none."""
    return bool((location.locality or "").strip() or (location.postal_code or "").strip())


def country_name(code: str) -> str:
    code = code.strip().upper()
    if code in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[code]
    country = iso_codes.country(code)
    if country is None:
        return code
    return str(country.get("common_name") or country["name"])


def region_name(country: str, region: str | None) -> str:
    """A region code such as "BY" spelled out ("Bayern"): a bare code is easy to misread
    (BY is also Belarus). Names, and codes that are not ISO 3166-2, stay as written."""
    region = (region or "").strip()
    if not region or len(region) > 3:
        return region
    name = _subdivision_names().get(f"{country.strip().upper()}-{region.upper()}", "")
    return name if name and "," not in name else region


@cache
def _subdivision_names() -> dict[str, str]:
    """ISO 3166-2 code to name, from pycountry's own database file. pycountry builds an object for
    each of its 5,000 subdivisions on first use (60 ms of every cold start that meets a region
    code); the same file read as JSON costs a fraction of that."""
    entries = json.loads(iso_codes.database_file("iso3166-2.json").read_text("utf-8"))["3166-2"]
    return {str(entry["code"]).upper(): str(entry["name"]) for entry in entries}


def compensation_field(salary: Salary | None) -> dict[str, Any] | None:
    """LinkedIn's compensation; None for a minimum without a maximum, which a LinkedIn range (it
    needs both ends) cannot say without inventing a figure."""
    if salary is None:
        return None
    if salary.value is not None:
        value: dict[str, Any] = {"exactAmount": _money(salary.value, salary.currency)}
    elif salary.min is not None and salary.max is not None:
        value = {
            "range": {
                "start": _money(salary.min, salary.currency),
                "end": _money(salary.max, salary.currency),
            }
        }
    else:
        return None
    return {"compensations": [{"value": value, "period": PERIODS[salary.unit], "type": "BASE_SALARY"}]}


def amount_string(amount: Decimal) -> str:
    """A decimal as LinkedIn's amount string: "50000", "42.50", "12.345"; never an exponent."""
    if amount == amount.to_integral_value():
        # Not quantize(): it fails beyond the context's 28 digits; the contract bounds amounts
        # (schemas/posting.schema.json), and this stays exact whatever reaches it.
        return format(amount, ".0f")
    text = format(amount.normalize(), "f")
    decimals = len(text.partition(".")[2])
    return text + "0" * max(0, 2 - decimals)


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": amount_string(amount), "currencyCode": currency.upper()}


def _epoch_ms(moment: datetime) -> int:
    # Integer arithmetic: float timestamps lose milliseconds far from 1970.
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _expiry_accepted(moment: datetime, now: datetime) -> bool:
    return now + MIN_EXPIRY_AHEAD < moment <= now + MAX_EXPIRY_AHEAD


# Readiness -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Violation:
    key: str  # the job field at fault
    code: str
    message: str


_Report = Callable[[str, str, str], None]  # bad(key, code, message)
_MONEY_ERROR = 'An amount is {"amount": "<positive number as text>", "currencyCode": "<ISO 4217 code>"}.'


def _location_problems(posting: Posting) -> list[Problem]:
    problems: list[Problem] = []
    if not posting.is_remote:
        problems += vague_location_problems(posting)
    count = len(place_strings(posting))
    if count > MAX_LOCATIONS:
        problems.append(
            Problem(
                _places_pointer(posting),
                "too_many_locations",
                f"LinkedIn takes at most {MAX_LOCATIONS} places for one job (a main location and "
                f"{MAX_ALTERNATE_LOCATIONS} others); this one has {count}. Split it into several postings.",
            )
        )
    return problems


def vague_location_problems(posting: Posting) -> list[Problem]:
    """Locations of a job that is not fully remote that LinkedIn cannot place (see location_string)."""
    return [
        Problem(
            f"/locations/{index}",
            "location_too_vague",
            'LinkedIn places a job by its city ("City, State" or "City, Country") or by its postal '
            "code; a bare country or region is only for remote jobs. Add the city or the postal code.",
        )
        for index, location in enumerate(posting.locations)
        if not is_locatable(location)
    ]


def _places_pointer(posting: Posting) -> str:
    if not posting.locations and posting.is_remote:
        return "/applicant_countries"
    return "/locations"


def _pointer_for(key: str, posting: Posting, overlay: Mapping[str, Any]) -> str:
    if key in overlay:
        return "/extensions/linkedin/" + key.replace("~", "~0").replace("/", "~1")
    if key in ("location", "alternateLocations"):
        return _places_pointer(posting)
    return _POINTERS.get(key, "")


def _check_job(
    job: Mapping[str, Any], now: datetime, check_tags: Collection[str] = ("description", "skillsDescription")
) -> list[_Violation]:
    """LinkedIn's rules over a finished job, overlay included."""
    found: list[_Violation] = []

    def bad(key: str, code: str, message: str) -> None:
        found.append(_Violation(key, code, message))

    for key in _REQUIRED_TEXT:
        value = job.get(key)
        if not isinstance(value, str) or not value.strip():
            bad(key, "required", f"LinkedIn requires {_LABELS[key]}.")
    companies = (job.get("integrationContext"), job.get("companyName"))
    if not any(isinstance(company, str) and company.strip() for company in companies):
        bad("companyName", "required", f"LinkedIn requires {_LABELS['companyName']}.")
    for key, limit in (
        ("externalJobPostingId", MAX_EXTERNAL_ID),
        ("title", MAX_TITLE),
        ("description", MAX_DESCRIPTION),
        ("skillsDescription", MAX_SKILLS_DESCRIPTION),
    ):
        value = job.get(key)
        if isinstance(value, str) and len(value) > limit:
            bad(key, "max_length", f"LinkedIn takes at most {limit:,} characters; this has {len(value):,}.")
    for key in ("description", "skillsDescription"):
        value = job.get(key)
        if key in job and not isinstance(value, str):
            bad(key, "type", "LinkedIn needs text here.")
        elif isinstance(value, str) and key in check_tags:
            stray = _tags_used(value) - ALLOWED_TAGS
            if stray:
                bad(
                    key,
                    "html_tags",
                    f"LinkedIn shows only the tags {', '.join(sorted(ALLOWED_TAGS))}; it would show "
                    f"{', '.join(sorted(stray))} as raw text.",
                )
    if "jobPostingOperationType" in job and job["jobPostingOperationType"] not in OPERATIONS:
        bad("jobPostingOperationType", "enum", f"LinkedIn's operations are {', '.join(OPERATIONS)}.")
    _check_times(job, now, bad)
    for key in ("companyApplyUrl", "companyPageUrl"):
        value = job.get(key)
        if isinstance(value, str) and value.strip() and not _is_web_url(value):
            bad(key, "format", "LinkedIn needs an absolute http or https URL here.")
    _check_places(job, bad)
    _check_enums(job, bad)
    integration = job.get("integrationContext")
    if "integrationContext" in job and not (
        isinstance(integration, str) and _ORGANIZATION_URN.fullmatch(integration)
    ):
        bad("integrationContext", "format", "LinkedIn needs urn:li:organization:<digits> here.")
    if "compensation" in job:
        for message in _compensation_errors(job["compensation"]):
            bad("compensation", "format", message)
    return found


def _check_times(job: Mapping[str, Any], now: datetime, bad: _Report) -> None:
    listed_at = job.get("listedAt")
    if not _is_int(listed_at) or listed_at <= 0:
        bad("listedAt", "required", f"LinkedIn requires {_LABELS['listedAt']} as epoch milliseconds.")
    elif listed_at > _epoch_ms(now):
        bad("listedAt", "future_date", "LinkedIn refuses a posting date in the future.")
    if "expireAt" in job:
        expire_at = job["expireAt"]
        low, high = _epoch_ms(now + MIN_EXPIRY_AHEAD), _epoch_ms(now + MAX_EXPIRY_AHEAD)
        if not _is_int(expire_at) or not low < expire_at <= high:
            bad(
                "expireAt",
                "expire_window",
                "LinkedIn takes an end date (epoch milliseconds) more than 24 hours and at most "
                "180 days ahead.",
            )


def _check_places(job: Mapping[str, Any], bad: _Report) -> None:
    if "alternateLocations" in job:
        alternates = job["alternateLocations"]
        if not isinstance(alternates, list) or not all(isinstance(p, str) and p.strip() for p in alternates):
            bad("alternateLocations", "type", "LinkedIn needs the other locations as a list of place names.")
        elif len(alternates) > MAX_ALTERNATE_LOCATIONS:
            bad(
                "alternateLocations",
                "max_items",
                f"LinkedIn takes at most {MAX_ALTERNATE_LOCATIONS} locations besides the main one.",
            )
    if "workplaceTypes" in job:
        kinds = job["workplaceTypes"]
        allowed = sorted(WORKPLACE_TYPES.values())
        if not (isinstance(kinds, list) and len(kinds) == 1 and kinds[0] in allowed):
            bad("workplaceTypes", "enum", f"LinkedIn needs exactly one of {', '.join(allowed)}.")


def _check_enums(job: Mapping[str, Any], bad: _Report) -> None:
    for key, values in (
        ("employmentStatus", sorted(EMPLOYMENT_STATUS.values())),
        ("experienceLevel", sorted(EXPERIENCE_LEVEL.values())),
    ):
        if key in job and job[key] not in values:
            bad(key, "enum", f"LinkedIn's values here are {', '.join(values)}.")


def _compensation_errors(compensation: Any) -> list[str]:
    entries = compensation.get("compensations") if isinstance(compensation, Mapping) else None
    if not isinstance(entries, list) or not entries:
        return ['LinkedIn needs compensation as {"compensations": [...]} with at least one entry.']
    errors: list[str] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            errors.append("Each compensation entry must be an object.")
            continue
        if entry.get("period") not in COMPENSATION_PERIODS:
            errors.append(f"A compensation period must be one of {', '.join(sorted(COMPENSATION_PERIODS))}.")
        if entry.get("type") not in COMPENSATION_TYPES:
            errors.append(f"A compensation type must be one of {', '.join(sorted(COMPENSATION_TYPES))}.")
        errors.extend(_compensation_value_errors(entry.get("value")))
    return errors


def _compensation_value_errors(value: Any) -> list[str]:
    if not isinstance(value, Mapping) or len({"range", "exactAmount"} & set(value)) != 1:
        return ["A compensation value needs either a range or an exactAmount."]
    if "exactAmount" in value:
        return [] if _amount_of(value["exactAmount"]) is not None else [_MONEY_ERROR]
    span = value["range"]
    if not isinstance(span, Mapping):
        return ["A compensation range needs a start and an end."]
    start, end = _amount_of(span.get("start")), _amount_of(span.get("end"))
    if start is None or end is None:
        return ["A compensation range needs a start and an end. " + _MONEY_ERROR]
    if start[1] != end[1]:
        return ["Both ends of a compensation range must be in the same currency."]
    if start[0] > end[0]:
        return ["A compensation range must not start above its end."]
    return []


def _amount_of(money: Any) -> tuple[Decimal, str] | None:
    if not isinstance(money, Mapping):
        return None
    amount, currency = money.get("amount"), money.get("currencyCode")
    if not isinstance(amount, str) or not isinstance(currency, str) or not _CURRENCY_CODE.fullmatch(currency):
        return None
    try:
        number = Decimal(amount)
    except InvalidOperation:
        return None
    if not number.is_finite() or number <= 0:
        return None
    return number, currency


def _tags_used(html: str) -> set[str]:
    tags: set[str] = set()
    stack: list[htmltree.Node] = [htmltree.parse(html)]
    while stack:
        node = stack.pop()
        if isinstance(node, htmltree.Element):
            if node.tag != "#root":
                tags.add(node.tag)
            stack.extend(node.children)
    return tags


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)
