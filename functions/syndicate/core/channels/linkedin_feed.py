"""LinkedIn's XML job feed, the LinkedIn mode for employers outside the API partner program:
readiness, one `<job>` per posting, the feed written as a stream.

A closed or expired job is left out (LinkedIn closes what leaves the feed). Sources and the
decisions taken where the guide is unclear: docs/channels/linkedin.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from syndicate.core import xmlfeed
from syndicate.core.channels import linkedin
from syndicate.core.channels.base import not_selected
from syndicate.core.model import Channel, Location, Posting, Salary
from syndicate.core.problems import Problem

CHANNEL: Channel = "linkedin"

MAX_PARTNER_JOB_ID = 40
MIN_DESCRIPTION = 100
MAX_DESCRIPTION = linkedin.MAX_DESCRIPTION
MAX_TITLE = linkedin.MAX_TITLE
MAX_JOBS = 500_000

# The element order of every <job>, as in the guide's table; absent optional elements are left out.
ELEMENTS: tuple[str, ...] = (
    "partnerJobId", "company", "title", "description", "applyUrl", "companyId", "location", "city",
    "state", "country", "postalCode", "workplaceTypes", "experienceLevel", "jobtype", "salaries",
    "listDate", "expirationDate", "posterEmail",
)  # fmt: skip

# The feed guide lists no TEMPORARY (the API has it): such a job is sent without a job type.
JOB_TYPES = frozenset({"FULL_TIME", "PART_TIME", "CONTRACT", "INTERNSHIP", "VOLUNTEER"})
SALARY_PERIODS = frozenset(
    {"YEARLY", "MONTHLY", "SEMIMONTHLY", "BIWEEKLY", "WEEKLY", "DAILY", "HOURLY", "ONCE"}
)

_ROOT = "source"  # the feed's root element


# ---------------------------------------------------------------------------------------------
# Readiness


def readiness(posting: Posting, now: datetime) -> list[Problem]:
    """Why this posting cannot go into LinkedIn's XML feed; empty when it can.

    A closed or expired posting is not a problem here: it is simply left out (`feed_jobs`).
    `now` is taken for the same shape as every channel's readiness; no rule here depends on it yet.
    """
    skipped = not_selected(posting, CHANNEL)
    if skipped:
        return skipped
    problems = _id_problems(posting.id)
    problems += _text_problems(posting)
    if not _is_https_url(posting.apply_url):
        problems.append(
            Problem(
                "/apply_url",
                "apply_url_not_https",
                "LinkedIn's XML feed needs an apply URL starting with https://.",
            )
        )
    if not (posting.contact_email or "").strip():
        problems.append(
            Problem(
                "/contact_email",
                "required",
                "LinkedIn's XML feed needs the job poster's email (contact_email) for every job.",
            )
        )
    problems += _location_problems(posting)
    return problems


def _id_problems(posting_id: str) -> list[Problem]:
    if not posting_id.strip():
        return [Problem("/id", "required", "LinkedIn's XML feed needs the job's id (partnerJobId).")]
    if len(posting_id) > MAX_PARTNER_JOB_ID:
        return [
            Problem(
                "/id",
                "partner_job_id_too_long",
                f"LinkedIn's XML feed takes a job id (partnerJobId) of at most {MAX_PARTNER_JOB_ID} "
                f"characters; this one has {len(posting_id)}. LinkedIn knows the job by this id, so "
                "it is never shortened here: give the posting a shorter id.",
            )
        ]
    return []


def _text_problems(posting: Posting) -> list[Problem]:
    problems: list[Problem] = []
    if not posting.title.strip():
        problems.append(Problem("/title", "required", "LinkedIn's XML feed needs a job title."))
    elif len(posting.title) > MAX_TITLE:
        problems.append(
            Problem(
                "/title",
                "max_length",
                f"LinkedIn takes a title of at most {MAX_TITLE} characters; this one has "
                f"{len(posting.title)}.",
            )
        )
    if not posting.hiring_organization.name.strip():
        problems.append(
            Problem("/hiring_organization/name", "required", "LinkedIn's XML feed needs the company name.")
        )
    # Counted on the visible text (hashtags excluded): markup does not make a description longer.
    visible = len(posting.description.text)
    if visible < MIN_DESCRIPTION:
        problems.append(
            Problem(
                "/description",
                "description_too_short",
                f"LinkedIn's XML feed needs a description of at least {MIN_DESCRIPTION} characters of "
                f"text; this one has {visible}.",
            )
        )
    else:
        size = len(linkedin.description_html(posting))
        if size > MAX_DESCRIPTION:
            problems.append(
                Problem(
                    "/description",
                    "max_length",
                    f"LinkedIn takes a description of at most {MAX_DESCRIPTION:,} characters; this "
                    f"one has {size:,}.",
                )
            )
    return problems


def _location_problems(posting: Posting) -> list[Problem]:
    places = linkedin.place_strings(posting)
    pointer = "/applicant_countries" if posting.is_remote and not posting.locations else "/locations"
    if not places:
        return [Problem(pointer, "missing_location", "LinkedIn's XML feed needs a location for the job.")]
    problems: list[Problem] = []
    if len(places) > 1:
        problems.append(
            Problem(
                pointer,
                "too_many_locations",
                f"LinkedIn's XML feed takes one location per job (a separate job for each city); "
                f"this posting has {len(places)}: {'; '.join(places)}. Split it into one posting "
                "per location.",
            )
        )
    if not posting.is_remote:
        problems += linkedin.vague_location_problems(posting)
    return problems


def _is_https_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and bool(parts.netloc)


# ---------------------------------------------------------------------------------------------
# Jobs


def render_job(posting: Posting, now: datetime) -> dict[str, Any]:
    """The posting's `<job>`: element name -> text, or -> a dict of child elements, or -> a list
    (the element repeated). Keys follow `ELEMENTS`; optional elements without a value are absent.

    A posting with several places (a readiness problem) is rendered with its first one.
    """
    organization = posting.hiring_organization
    job: dict[str, Any] = {
        "partnerJobId": posting.id,
        "company": organization.name,
        "title": posting.title,
        "description": linkedin.description_html(posting),
        "applyUrl": posting.apply_url,
    }
    if organization.linkedin_organization_id:
        job["companyId"] = organization.linkedin_organization_id
    job.update(_place_elements(posting))
    job["workplaceTypes"] = linkedin.WORKPLACE_TYPES[posting.workplace]
    if posting.experience_level in linkedin.EXPERIENCE_LEVEL:
        job["experienceLevel"] = linkedin.EXPERIENCE_LEVEL[posting.experience_level]
    job_type = _job_type(posting)
    if job_type:
        job["jobtype"] = job_type
    salary = salary_element(posting.salary)
    if salary is not None:
        job["salaries"] = {"salary": [salary]}
    # LinkedIn's API refuses a posting date in the future; the contract allows one a day ahead.
    job["listDate"] = feed_date(min(posting.date_posted, now))
    if posting.valid_through is not None:
        job["expirationDate"] = feed_date(posting.valid_through)
    if posting.contact_email:
        job["posterEmail"] = posting.contact_email
    return job


def _place_elements(posting: Posting) -> dict[str, str]:
    places = linkedin.place_strings(posting)
    if not places:
        return {}
    elements = {"location": places[0]}
    if posting.locations:
        # place_strings keeps order, so the first place is the first location's.
        location: Location = posting.locations[0]
        parts = {
            "city": (location.locality or "").strip(),
            "state": linkedin.region_name(location.country, location.region),
            "country": location.country.strip().upper(),
            "postalCode": (location.postal_code or "").strip(),
        }
    else:  # a remote job placed in its applicant country
        parts = {"country": posting.applicant_countries[0].strip().upper()}
    elements.update({name: value for name, value in parts.items() if value})
    return elements


def _job_type(posting: Posting) -> str | None:
    """From the first employment type, as the API mode does; None when the feed has no value for it."""
    if not posting.employment_types:
        return None
    status = linkedin.EMPLOYMENT_STATUS.get(posting.employment_types[0])
    return status if status in JOB_TYPES else None


def salary_element(salary: Salary | None) -> dict[str, Any] | None:
    """One `<salary>`: both ends of the range (an exact amount is both ends), period and type.

    None when an end is missing or an amount is not a whole number (the guide types it Integer).
    """
    if salary is None:
        return None
    if salary.value is not None:
        low = high = salary.value
    elif salary.min is not None and salary.max is not None:
        low, high = salary.min, salary.max
    else:
        return None
    if not (_is_whole(low) and _is_whole(high)):
        return None
    currency = salary.currency.strip().upper()
    return {
        "highEnd": {"amount": linkedin.amount_string(high), "currencyCode": currency},
        "lowEnd": {"amount": linkedin.amount_string(low), "currencyCode": currency},
        "period": linkedin.PERIODS[salary.unit],
        "type": "BASE_SALARY",
    }


def _is_whole(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.to_integral_value()


def feed_date(moment: datetime) -> str:
    """RFC 1123 in GMT ("Thu, 11 Sep 2014 19:39:59 GMT"), the guide's one example of a feed date."""
    if moment.tzinfo is None:
        raise ValueError("LinkedIn feed dates need an aware datetime")
    # email.utils writes English day and month names whatever the process locale.
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def feed_jobs(postings: Iterable[Posting], now: datetime) -> Iterator[dict[str, Any]]:
    """The `<job>` of every open, unexpired and feed-ready posting, lazily, in input order.

    Closed postings and those whose `valid_through` has passed are absent: LinkedIn closes a job
    that leaves the feed. Unready postings are absent too; `readiness` says why.
    """
    for posting in postings:
        if not posting.is_open:
            continue
        if posting.valid_through is not None and posting.valid_through <= now:
            continue
        if readiness(posting, now):
            continue
        yield render_job(posting, now)


# ---------------------------------------------------------------------------------------------
# The feed as a stream


def _writer(out: BinaryIO) -> xmlfeed.FeedWriter:
    return xmlfeed.FeedWriter(out, feed="LinkedIn", is_name=xmlfeed.is_element_name)


def write_feed(jobs: Iterable[Mapping[str, Any]], out: BinaryIO, *, last_build: datetime) -> int:
    """Write the whole feed to `out` job by job; return the number of jobs written.

    Each job's elements are written in the job's own key order (text in CDATA, dicts as nested
    elements, lists as a repeated element, None left out). Memory holds one job at most.
    Raises ValueError past `MAX_JOBS` jobs (LinkedIn's limit for one feed): the output is then
    incomplete and must not be published, since LinkedIn would close every job left out.
    """
    writer = _writer(out)
    with writer.document(_ROOT):
        _write_header(writer, last_build)
        return _write_jobs(writer, jobs, MAX_JOBS)


def write_jobs(jobs: Iterable[Mapping[str, Any]], out: BinaryIO) -> int:
    """Write only the `<job>` elements (one shard's jobs); returns the count."""
    return _write_jobs(_writer(out), jobs, MAX_JOBS)


def write_feed_of_fragments(fragments: Iterable[BinaryIO], out: BinaryIO, *, last_build: datetime) -> None:
    """Write one feed file around fragments made by `write_jobs`, copied as they are. The caller
    keeps each file at `MAX_JOBS` jobs or fewer (`split_by_jobs`)."""
    writer = _writer(out)
    with writer.document(_ROOT):
        _write_header(writer, last_build)
        xmlfeed.copy_fragments(fragments, out)


def split_by_jobs(counts: Sequence[int], limit: int = MAX_JOBS) -> list[range]:
    """Cut a run of fragments (their job counts, in order) into consecutive groups of at most
    `limit` jobs each, as few as the order allows: one feed file per group."""
    groups: list[range] = []
    start, total = 0, 0
    for position, count in enumerate(counts):
        if count > limit:
            raise ValueError(f"one fragment holds {count:,} jobs, over LinkedIn's {limit:,} per feed")
        if total + count > limit:
            groups.append(range(start, position))
            start, total = position, 0
        total += count
    groups.append(range(start, len(counts)))
    return groups


def _write_header(writer: xmlfeed.FeedWriter, last_build: datetime) -> None:
    writer.element("lastBuildDate", feed_date(last_build), 1)


def _write_jobs(writer: xmlfeed.FeedWriter, jobs: Iterable[Mapping[str, Any]], limit: int) -> int:
    count = 0
    for job in jobs:
        if count == limit:
            raise ValueError(f"LinkedIn takes at most {limit:,} jobs in one feed; split the feed")
        writer.element("job", job, 1)
        count += 1
    return count
