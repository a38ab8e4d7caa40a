"""LinkedIn's XML job feed: the rendered <job>, the feed's own readiness rules, and the streamed feed."""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.channels import linkedin, linkedin_feed
from syndicate.core.description import build_description
from syndicate.core.model import Location, Organization, Posting, Salary
from tests import factories
from tests.factories import CHICAGO
from tests.strategies import HOSTILE_TEXT

NOW = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
TORONTO = Location("CA", "Toronto", "ON")
DESCRIPTION = (
    "Join our 24-bed ICU at Lakeshore General.\n\n"
    "You will:\n- care for critically ill adults\n- work three 12-hour nights a week\n\n"
    "#LI-Onsite"
)


make_posting = partial(
    factories.make_posting,
    requisition_id="REQ-2207",
    description=build_description(DESCRIPTION),
    hiring_organization=Organization(
        "Lakeshore General Hospital", "https://lakeshore.example.org", linkedin_organization_id="1337"
    ),
    employment_types=("FULL_TIME", "PART_TIME"),
    salary=Salary("USD", "YEAR", min=Decimal("90000"), max=Decimal("120000")),
    contact_email="icu-recruiting@lakeshore.example.org",
    experience_level="mid_senior",
)


def feed_bytes(jobs: Any) -> bytes:
    out = io.BytesIO()
    linkedin_feed.write_feed(jobs, out, last_build=NOW)
    return out.getvalue()


def element_pairs(element: ET.Element) -> list[tuple[str, Any]]:
    """A parsed element's children as (tag, text or child pairs), in document order."""
    return [(child.tag, element_pairs(child) if len(child) else (child.text or "")) for child in element]


def job_pairs(job: Mapping[str, Any], text: Any = lambda s: s) -> list[tuple[str, Any]]:
    """A rendered job in the same shape: a list value is the element repeated, None is left out."""
    pairs: list[tuple[str, Any]] = []
    for name, value in job.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            pairs.append((name, job_pairs(item, text) if isinstance(item, Mapping) else text(item)))
    return pairs


def xml_representable(text: str) -> str:
    """What an XML 1.0 reader can get back: forbidden characters gone, line ends normalized.

    Written independently of the module: the set is XML 1.0's `Char` production."""
    kept = "".join(
        c
        for c in text
        if c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or 0x10000 <= ord(c) <= 0x10FFFF
    )
    return kept.replace("\r\n", "\n").replace("\r", "\n")


def codes(posting: Posting) -> list[tuple[str, str]]:
    return [(problem.pointer, problem.code) for problem in linkedin_feed.readiness(posting, NOW)]


# --- the job ----------------------------------------------------------------------------------


def test_golden_job_for_a_complete_posting() -> None:
    posting = make_posting()
    assert linkedin_feed.readiness(posting, NOW) == []
    job = linkedin_feed.render_job(posting, NOW)
    assert job == {
        "partnerJobId": "RN-ICU-2207",
        "company": "Lakeshore General Hospital",
        "title": "Registered Nurse, Intensive Care (Nights)",
        "description": (
            "<p>Join our 24-bed ICU at Lakeshore General.</p><p>You will:</p>"
            "<ul><li>care for critically ill adults</li><li>work three 12-hour nights a week</li></ul>"
            "<p>#LI-Onsite</p>"
        ),
        "applyUrl": "https://lakeshore.example.org/careers/2207/apply",
        "companyId": "1337",
        "location": "Chicago, Illinois",
        "city": "Chicago",
        "state": "Illinois",
        "country": "US",
        "postalCode": "60611",
        "workplaceTypes": "On-site",
        "experienceLevel": "MID_SENIOR_LEVEL",
        "jobtype": "FULL_TIME",
        "salaries": {
            "salary": [
                {
                    "highEnd": {"amount": "120000", "currencyCode": "USD"},
                    "lowEnd": {"amount": "90000", "currencyCode": "USD"},
                    "period": "YEARLY",
                    "type": "BASE_SALARY",
                }
            ]
        },
        "listDate": "Fri, 20 Nov 2026 15:00:00 GMT",
        "expirationDate": "Thu, 31 Dec 2026 23:59:59 GMT",
        "posterEmail": "icu-recruiting@lakeshore.example.org",
    }
    assert list(job) == [name for name in linkedin_feed.ELEMENTS if name in job]


def test_golden_feed_bytes() -> None:
    job = linkedin_feed.render_job(make_posting(), NOW)
    data = feed_bytes([job])
    assert data.startswith(
        b'<?xml version="1.0" encoding="utf-8"?>\n<source>\n'
        b"  <lastBuildDate><![CDATA[Sat, 21 Nov 2026 06:30:00 GMT]]></lastBuildDate>\n"
        b"  <job>\n    <partnerJobId><![CDATA[RN-ICU-2207]]></partnerJobId>\n"
    )
    assert (
        b"    <salaries>\n      <salary>\n        <highEnd>\n"
        b"          <amount><![CDATA[120000]]></amount>\n"
        b"          <currencyCode><![CDATA[USD]]></currencyCode>\n        </highEnd>\n"
        b"        <lowEnd>\n          <amount><![CDATA[90000]]></amount>\n"
        b"          <currencyCode><![CDATA[USD]]></currencyCode>\n        </lowEnd>\n"
        b"        <period><![CDATA[YEARLY]]></period>\n"
        b"        <type><![CDATA[BASE_SALARY]]></type>\n      </salary>\n    </salaries>\n"
    ) in data
    assert data.endswith(b"</posterEmail>\n  </job>\n</source>\n")
    root = ET.fromstring(data)
    assert [child.tag for child in root] == ["lastBuildDate", "job"]
    assert element_pairs(root.find("job")) == job_pairs(job)  # type: ignore[arg-type]


def test_company_id_is_written_where_the_organization_id_is_known() -> None:
    """LinkedIn's XML feed guide (https://learn.microsoft.com/en-us/linkedin/talent/job-postings/
    xml-feeds-development-guide) lists "LinkedIn Company ID [Mandatory for Applicant Tracking
    Systems (ATSs)]" among the mandatory fields: `companyId`, the organization id itself (digits),
    whenever the posting knows it (docs/channels/linkedin.md, "XML feed")."""
    job = linkedin_feed.render_job(make_posting(), NOW)
    assert job["companyId"] == "1337"
    data = feed_bytes([job])
    assert b"<companyId><![CDATA[1337]]></companyId>" in data
    unknown = make_posting(hiring_organization=Organization("Lakeshore General Hospital"))
    assert "companyId" not in linkedin_feed.render_job(unknown, NOW)


def test_optional_elements_without_a_value_are_left_out() -> None:
    posting = make_posting(
        hiring_organization=Organization("Lakeshore General Hospital"),
        locations=(Location("US", "Chicago"),),
        employment_types=(),
        experience_level=None,
        salary=None,
        valid_through=None,
        contact_email=None,
    )
    job = linkedin_feed.render_job(posting, NOW)
    assert set(job) == {
        "partnerJobId", "company", "title", "description", "applyUrl", "location", "city",
        "country", "workplaceTypes", "listDate",
    }  # fmt: skip
    assert job["location"] == "Chicago, United States"


def test_a_remote_job_is_placed_in_its_applicant_country() -> None:
    job = linkedin_feed.render_job(
        make_posting(workplace="remote", locations=(), applicant_countries=("DE",)), NOW
    )
    assert (job["location"], job["country"], job["workplaceTypes"]) == ("Germany", "DE", "Remote")
    assert "city" not in job


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (("FULL_TIME",), "FULL_TIME"),
        (("CONTRACTOR", "FULL_TIME"), "CONTRACT"),
        (("INTERN",), "INTERNSHIP"),
        (("VOLUNTEER",), "VOLUNTEER"),
        (("TEMPORARY",), None),  # not in the feed's list, though the API has it
        (("PER_DIEM", "FULL_TIME"), None),
        (("OTHER",), None),
    ],
)
def test_jobtype(types: tuple[Any, ...], expected: str | None) -> None:
    job = linkedin_feed.render_job(make_posting(employment_types=types), NOW)
    assert job.get("jobtype") == expected


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        (Salary("USD", "YEAR", value=Decimal("95000")), ("95000", "95000", "YEARLY")),
        (Salary("eur", "MONTH", min=Decimal("4000"), max=Decimal("5000.00")), ("5000", "4000", "MONTHLY")),
        (Salary("USD", "HOUR", min=Decimal("42"), max=Decimal("58")), ("58", "42", "HOURLY")),
        (Salary("USD", "HOUR", min=Decimal("42.50"), max=Decimal("58")), None),  # amounts are Integer
        (Salary("USD", "YEAR", min=Decimal("90000")), None),  # a range needs both ends
        (Salary("USD", "YEAR", max=Decimal("90000")), None),
        (None, None),
    ],
)
def test_salaries(salary: Salary | None, expected: tuple[str, str, str] | None) -> None:
    job = linkedin_feed.render_job(make_posting(salary=salary), NOW)
    if expected is None:
        assert "salaries" not in job
        return
    (entry,) = job["salaries"]["salary"]
    assert (entry["highEnd"]["amount"], entry["lowEnd"]["amount"], entry["period"]) == expected
    assert entry["highEnd"]["currencyCode"] == entry["lowEnd"]["currencyCode"] == salary.currency.upper()  # type: ignore[union-attr]
    assert entry["type"] == "BASE_SALARY"


def test_salary_periods_are_the_feeds() -> None:
    assert set(linkedin.PERIODS.values()) <= linkedin_feed.SALARY_PERIODS


def test_dates_are_rfc_1123_gmt_and_list_date_is_never_in_the_future() -> None:
    berlin = timezone(timedelta(hours=1))
    posting = make_posting(
        date_posted=NOW + timedelta(hours=5), valid_through=datetime(2027, 1, 15, 0, 30, tzinfo=berlin)
    )
    job = linkedin_feed.render_job(posting, NOW)
    assert job["listDate"] == "Sat, 21 Nov 2026 06:30:00 GMT"
    assert job["expirationDate"] == "Thu, 14 Jan 2027 23:30:00 GMT"
    with pytest.raises(ValueError, match="aware"):
        linkedin_feed.feed_date(datetime(2026, 1, 1))  # naive on purpose


def test_hostile_html_never_reaches_the_description() -> None:
    posting = make_posting(
        description=build_description(
            "<h2>About</h2><script>alert(1)</script><p onclick='x()'>" + "Care for patients. " * 8 + "</p>",
            "html",
        )
    )
    description = linkedin_feed.render_job(posting, NOW)["description"]
    assert "<script" not in description
    assert "onclick" not in description
    assert "<h2" not in description


# --- readiness --------------------------------------------------------------------------------


def test_partner_job_id_of_at_most_40_characters() -> None:
    assert codes(make_posting(id="A" * 40)) == []
    problems = linkedin_feed.readiness(make_posting(id="A" * 41), NOW)
    assert [(p.pointer, p.code) for p in problems] == [("/id", "partner_job_id_too_long")]
    assert "40" in problems[0].message
    assert "41" in problems[0].message
    assert list(linkedin_feed.feed_jobs([make_posting(id="A" * 41)], NOW)) == []


def test_description_of_at_least_100_characters_of_text() -> None:
    exactly = build_description("x" * 100)
    assert len(exactly.text) == 100
    assert codes(make_posting(description=exactly)) == []
    short = make_posting(description=build_description("<p><b>" + "x" * 99 + "</b></p>", "html"))
    problems = linkedin_feed.readiness(short, NOW)
    assert [(p.pointer, p.code) for p in problems] == [("/description", "description_too_short")]
    assert "100" in problems[0].message
    assert "99" in problems[0].message


def test_hashtags_do_not_count_towards_the_description_minimum() -> None:
    posting = make_posting(description=build_description("x" * 90 + " #LI-Remote #LI-AB1"))
    assert posting.description.hashtags
    assert ("/description", "description_too_short") in codes(posting)


def test_a_description_longer_than_linkedin_takes() -> None:
    posting = make_posting(description=build_description("word " * 6_000))
    assert codes(posting) == [("/description", "max_length")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"contact_email": None}, ("/contact_email", "required")),
        ({"contact_email": "  "}, ("/contact_email", "required")),
        ({"title": " "}, ("/title", "required")),
        ({"title": "T" * 201}, ("/title", "max_length")),
        ({"hiring_organization": Organization(" ")}, ("/hiring_organization/name", "required")),
        ({"apply_url": "http://lakeshore.example.org/apply"}, ("/apply_url", "apply_url_not_https")),
        ({"apply_url": "https:///no-host"}, ("/apply_url", "apply_url_not_https")),
        ({"id": " "}, ("/id", "required")),
    ],
)
def test_required_fields(overrides: dict[str, Any], expected: tuple[str, str]) -> None:
    assert codes(make_posting(**overrides)) == [expected]


def test_an_https_apply_url_without_www_is_accepted() -> None:
    assert codes(make_posting(apply_url="https://jobs.example.com/apply/1")) == []


def test_one_location_per_job() -> None:
    two_cities = make_posting(locations=(CHICAGO, TORONTO))
    problems = linkedin_feed.readiness(two_cities, NOW)
    assert [(p.pointer, p.code) for p in problems] == [("/locations", "too_many_locations")]
    assert "Toronto" in problems[0].message
    # The same city at two addresses is one LinkedIn location.
    assert codes(make_posting(locations=(CHICAGO, Location("US", "Chicago", "IL")))) == []
    remote = make_posting(workplace="remote", locations=(), applicant_countries=("US", "MX"))
    assert codes(remote) == [("/applicant_countries", "too_many_locations")]


def test_a_location_is_required_and_a_bare_country_only_for_remote_jobs() -> None:
    assert codes(make_posting(workplace="remote", locations=(), applicant_countries=())) == [
        ("/applicant_countries", "missing_location")
    ]
    assert codes(make_posting(locations=(Location("US"),))) == [("/locations/0", "location_too_vague")]
    assert codes(make_posting(workplace="remote", locations=(Location("US"),))) == []


def test_not_selected() -> None:
    assert codes(make_posting(channels=("indeed",))) == [("/channels", "channel_not_selected")]


def test_closed_or_expired_postings_are_not_readiness_problems() -> None:
    assert codes(make_posting(status="closed")) == []
    assert codes(make_posting(valid_through=NOW - timedelta(days=1))) == []


def test_api_extensions_do_not_change_the_feed() -> None:
    posting = make_posting(extensions={"linkedin": {"title": "Overlay", "externalJobPostingId": "X"}})
    assert linkedin_feed.render_job(posting, NOW) == linkedin_feed.render_job(make_posting(), NOW)


# --- the feed ---------------------------------------------------------------------------------


def test_closed_expired_and_unready_postings_are_absent_from_the_feed() -> None:
    postings = [
        make_posting(id="OPEN"),
        make_posting(id="CLOSED", status="closed"),
        make_posting(id="EXPIRED", valid_through=NOW - timedelta(seconds=1)),
        make_posting(id="ENDS-NOW", valid_through=NOW),
        make_posting(id="NO-EMAIL", contact_email=None),
        make_posting(id="NO-END", valid_through=None),
    ]
    jobs = list(linkedin_feed.feed_jobs(postings, NOW))
    assert [job["partnerJobId"] for job in jobs] == ["OPEN", "NO-END"]
    root = ET.fromstring(feed_bytes(jobs))
    assert [job.findtext("partnerJobId") for job in root.findall("job")] == ["OPEN", "NO-END"]


def test_round_trip_of_awkward_text() -> None:
    posting = make_posting(
        id="P1",
        title='Nurse "A" & <B> ]]> café 👩\u200d⚕️ مرحبا',
        hiring_organization=Organization("Ærø & Søn <AS> ]]>"),
        locations=(Location("IL", "תל אביב"),),
    )
    jobs = list(linkedin_feed.feed_jobs([posting], NOW))
    data = feed_bytes(iter(jobs))
    root = ET.fromstring(data)
    assert element_pairs(root.find("job")) == job_pairs(jobs[0])  # type: ignore[arg-type]
    assert "👩\u200d⚕️ مرحبا".encode() in data
    assert "<company><![CDATA[Ærø & Søn <AS> ]]]]><![CDATA[>]]></company>".encode() in data


def test_cdata_end_marker_in_text_is_split() -> None:
    job = {"title": "a]]>b]]]>c]]>", "salaries": {"salary": [{"period": "]]>"}]}}
    data = feed_bytes([job])
    assert b"<title><![CDATA[a]]]]><![CDATA[>b]]]]]><![CDATA[>c]]]]><![CDATA[>]]></title>" in data
    parsed = ET.fromstring(data).find("job")
    assert parsed is not None
    assert parsed.findtext("title") == "a]]>b]]]>c]]>"
    assert parsed.findtext("salaries/salary/period") == "]]>"


def test_characters_xml_forbids_are_removed_and_line_ends_normalized() -> None:
    dirty = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j\udfffk\tl\r\nm\rn"
    parsed = ET.fromstring(feed_bytes([{"title": dirty, "description": dirty}])).find("job")
    assert parsed is not None
    assert parsed.findtext("title") == parsed.findtext("description") == "abcdefghijk\tl\nm\nn"


def test_element_names_are_checked_and_values_typed() -> None:
    with pytest.raises(ValueError, match="element name"):
        feed_bytes([{"title": "x", "evil><script": "y"}])
    with pytest.raises(ValueError, match="element name"):
        feed_bytes([{"salaries": {"bad name": {"amount": "1"}}}])
    with pytest.raises(TypeError, match="title"):
        feed_bytes([{"title": 12}])


def test_none_is_left_out_and_lists_repeat_the_element() -> None:
    job = {"title": "T", "companyId": None, "industryCodes": {"industryCode": ["4", "14"]}}
    parsed = ET.fromstring(feed_bytes([job])).find("job")
    assert parsed is not None
    assert element_pairs(parsed) == [
        ("title", "T"),
        ("industryCodes", [("industryCode", "4"), ("industryCode", "14")]),
    ]


def test_an_empty_feed_is_well_formed() -> None:
    root = ET.fromstring(feed_bytes([]))
    assert root.tag == "source"
    assert [child.tag for child in root] == ["lastBuildDate"]


def test_a_feed_over_linkedins_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linkedin_feed, "MAX_JOBS", 2)
    assert linkedin_feed.write_feed([{"title": "1"}, {"title": "2"}], io.BytesIO(), last_build=NOW) == 2
    with pytest.raises(ValueError, match="at most 2 jobs"):
        linkedin_feed.write_feed(
            [{"title": "1"}, {"title": "2"}, {"title": "3"}], io.BytesIO(), last_build=NOW
        )


def test_write_feed_streams_job_by_job() -> None:
    out = io.BytesIO()
    written_before_request: list[int] = []

    def jobs() -> Iterator[dict[str, Any]]:
        for number in range(4):
            data = out.getvalue()
            assert b"<lastBuildDate>" in data  # the header is out before the first job is asked for
            written_before_request.append(data.count(b"</job>"))
            yield {"partnerJobId": f"job-{number}", "salaries": {"salary": [{"period": "YEARLY"}]}}

    assert linkedin_feed.write_feed(jobs(), out, last_build=NOW) == 4
    assert written_before_request == [0, 1, 2, 3]
    assert len(ET.fromstring(out.getvalue()).findall("job")) == 4


def test_feed_jobs_is_lazy() -> None:
    def postings() -> Iterator[Posting]:
        yield make_posting(id="FIRST")
        raise AssertionError("read past the first posting")

    first = next(itertools.islice(linkedin_feed.feed_jobs(postings(), NOW), 1))
    assert first["partnerJobId"] == "FIRST"


# --- properties -------------------------------------------------------------------------------

TEXT = HOSTILE_TEXT


@settings(max_examples=200, deadline=None)
@given(title=TEXT, description=TEXT, company=TEXT, amount=TEXT)
def test_arbitrary_text_never_breaks_the_feed(
    title: str, description: str, company: str, amount: str
) -> None:
    job = {
        "title": title,
        "description": description,
        "company": company,
        "salaries": {"salary": [{"highEnd": {"amount": amount, "currencyCode": "USD"}}]},
    }
    root = ET.fromstring(feed_bytes([job, job]))
    assert [child.tag for child in root] == ["lastBuildDate", "job", "job"]
    for element in root.findall("job"):
        # Same structure (no text became markup) and the same text, minus what XML cannot carry.
        assert element_pairs(element) == job_pairs(job, xml_representable)


_PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(title=TEXT, description=TEXT, company=_PRINTABLE, city=_PRINTABLE)
def test_arbitrary_postings_render_to_a_well_formed_feed(
    title: str, description: str, company: str, city: str
) -> None:
    posting = make_posting(
        title=title,
        description=build_description(description),
        hiring_organization=Organization(company),
        locations=(Location("US", city),),
    )
    job = linkedin_feed.render_job(posting, NOW)
    parsed = ET.fromstring(feed_bytes([job])).find("job")
    assert parsed is not None
    assert element_pairs(parsed) == job_pairs(job, xml_representable)
    assert "&nbsp;" not in (parsed.findtext("description") or "")


def test_fragments_are_grouped_into_feeds_of_at_most_the_limit() -> None:
    assert linkedin_feed.split_by_jobs([2, 2, 1, 3, 0, 4], limit=4) == [range(0, 2), range(2, 5), range(5, 6)]
    assert linkedin_feed.split_by_jobs([], limit=4) == [range(0, 0)]
    with pytest.raises(ValueError, match="over LinkedIn's"):
        linkedin_feed.split_by_jobs([5], limit=4)


def test_a_feed_of_fragments_is_the_feed_of_their_jobs() -> None:
    jobs = [{"partnerJobId": f"J{n}", "title": "Cook & <chef>"} for n in range(5)]
    fragments = []
    for part in (jobs[:2], jobs[2:]):
        fragment = io.BytesIO()
        assert linkedin_feed.write_jobs(part, fragment) == len(part)
        fragments.append(io.BytesIO(fragment.getvalue()))
    assembled, whole = io.BytesIO(), io.BytesIO()
    linkedin_feed.write_feed_of_fragments(fragments, assembled, last_build=NOW)
    linkedin_feed.write_feed(jobs, whole, last_build=NOW)
    assert assembled.getvalue() == whole.getvalue()
