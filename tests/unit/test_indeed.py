"""The Indeed XML feed: jobs per location, readiness, and the streamed feed's well-formedness."""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from html import escape
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core import htmltree
from syndicate.core.channels import indeed
from syndicate.core.description import build_description
from syndicate.core.model import Location, Organization, Posting, Salary
from tests import factories
from tests.factories import CHICAGO
from tests.strategies import HOSTILE_TEXT

BUILT = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
EVANSTON = Location("US", "Evanston", "IL", "60201")
TORONTO = Location("CA", "Toronto", "ON")


make_posting = partial(
    factories.make_posting,
    requisition_id="REQ-2207",
    description=build_description(
        "Join our 24-bed ICU.\n\nYou will:\n- care for critically ill adults\n- work nights"
    ),
    contact_email="icu-recruiting@lakeshore.example.org",
)


def feed_bytes(jobs: Any) -> bytes:
    out = io.BytesIO()
    indeed.write_feed(
        jobs, out, publisher="Syndicate", publisher_url="https://syndicate.example", last_build=BUILT
    )
    return out.getvalue()


def parse_jobs(data: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(data)
    assert root.tag == "source"
    return [{child.tag: child.text or "" for child in job} for job in root.findall("job")]


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


# --- jobs -----------------------------------------------------------------------------------


def test_every_element_on_every_job_in_the_fixed_order() -> None:
    postings = [
        make_posting(locations=(CHICAGO, EVANSTON, TORONTO), salary=None, contact_email=None),
        make_posting(id="R1", workplace="remote", locations=(), applicant_countries=("US", "MX")),
    ]
    jobs = [job for posting in postings for job in indeed.render_jobs(posting)]
    assert len(jobs) == 5
    for job in jobs:
        assert list(job) == list(indeed.ELEMENTS)
        assert all(isinstance(value, str) for value in job.values())
    for job in parse_jobs(feed_bytes(jobs)):
        assert list(job) == list(indeed.ELEMENTS)


def test_a_job_per_location_with_its_own_address() -> None:
    jobs = indeed.render_jobs(make_posting(locations=(CHICAGO, TORONTO)))
    assert [(j["city"], j["state"], j["country"]) for j in jobs] == [
        ("Chicago", "IL", "US"),
        ("Toronto", "ON", "CA"),
    ]
    assert jobs[0]["postalcode"] == "60611"
    assert jobs[0]["streetaddress"] == "600 N Lake Shore Dr"
    assert jobs[1]["postalcode"] == jobs[1]["streetaddress"] == ""
    assert {j["requisitionid"] for j in jobs} == {"REQ-2207"}


def test_reference_numbers_are_unique_and_survive_reordering() -> None:
    places = (CHICAGO, EVANSTON, TORONTO)
    forward = {j["city"]: j["referencenumber"] for j in indeed.render_jobs(make_posting(locations=places))}
    backward = {
        j["city"]: j["referencenumber"] for j in indeed.render_jobs(make_posting(locations=places[::-1]))
    }
    assert forward == backward
    assert len(set(forward.values())) == 3
    assert all(ref.startswith("RN-ICU-2207-") for ref in forward.values())


def test_reference_number_of_a_location_does_not_change_when_another_is_added() -> None:
    (alone,) = indeed.render_jobs(make_posting(locations=(CHICAGO,)))
    together = indeed.render_jobs(make_posting(locations=(TORONTO, CHICAGO)))
    assert alone["referencenumber"] == together[1]["referencenumber"]


def test_reference_numbers_are_never_shared_between_postings() -> None:
    first = indeed.render_jobs(make_posting(id="A", locations=(CHICAGO, TORONTO)))
    second = indeed.render_jobs(make_posting(id="B", locations=(CHICAGO, TORONTO)))
    assert not {j["referencenumber"] for j in first} & {j["referencenumber"] for j in second}


_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)
_PLACE = st.builds(
    Location,
    country=st.sampled_from(["US", "CA", "MX", "DE"]),
    locality=st.one_of(st.none(), st.text(max_size=12)),
    region=st.one_of(st.none(), st.text(max_size=4)),
)


@settings(max_examples=150, deadline=None)
@given(_ID, _ID, _PLACE, _PLACE)
def test_reference_numbers_differ_whenever_posting_or_place_differs(
    id_a: str, id_b: str, place_a: Location, place_b: Location
) -> None:
    same = id_a == id_b and place_a.key() == place_b.key()
    assert (indeed.reference_number(id_a, place_a) == indeed.reference_number(id_b, place_b)) == same


def test_fully_remote_posting_without_locations_has_a_job_per_applicant_country() -> None:
    """Indeed's remote-job guidance (docs/channels/indeed.md, from
    https://docs.indeed.com/indeed-apply/xml-feed): a fully remote job's city is "Remote", its
    state and postal code empty, its remotetype "Fully remote"."""
    posting = make_posting(workplace="remote", locations=(), applicant_countries=("US", "MX"))
    assert indeed.readiness(posting) == []
    jobs = indeed.render_jobs(posting)
    assert [(j["country"], j["city"], j["state"], j["postalcode"]) for j in jobs] == [
        ("US", "Remote", "", ""),
        ("MX", "Remote", "", ""),
    ]
    assert {j["remotetype"] for j in jobs} == {"Fully remote"}
    assert len({j["referencenumber"] for j in jobs}) == 2


def test_a_fully_remote_job_with_locations_is_remote_in_each_of_their_countries() -> None:
    """Same guidance: no street, city, state or postal code of an office for a fully remote job;
    one job per country (two offices in one country would be two identical jobs)."""
    posting = make_posting(
        workplace="remote", locations=(CHICAGO, EVANSTON, TORONTO), applicant_countries=("US", "CA")
    )
    jobs = indeed.render_jobs(posting)
    assert [(j["country"], j["city"], j["state"], j["postalcode"], j["streetaddress"]) for j in jobs] == [
        ("US", "Remote", "", "", ""),
        ("CA", "Remote", "", "", ""),
    ]


@pytest.mark.parametrize(
    ("workplace", "expected"), [("remote", "Fully remote"), ("hybrid", "Hybrid remote"), ("on_site", "")]
)
def test_remotetype(workplace: str, expected: str) -> None:
    (job,) = indeed.render_jobs(make_posting(workplace=workplace, applicant_countries=("US",)))
    assert job["remotetype"] == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/jobs/1", "https://x.example/jobs/1?source=Indeed"),
        ("https://x.example/jobs?id=1&q=a%20b+c", "https://x.example/jobs?id=1&q=a%20b+c&source=Indeed"),
        ("https://x.example/jobs?id=1#apply", "https://x.example/jobs?id=1&source=Indeed#apply"),
        ("https://x.example/jobs?source=Indeed&id=1", "https://x.example/jobs?source=Indeed&id=1"),
        ("https://x.example/jobs?id=1&source=LinkedIn", "https://x.example/jobs?id=1&source=Indeed"),
    ],
)
def test_url_carries_the_indeed_source_parameter(url: str, expected: str) -> None:
    (job,) = indeed.render_jobs(make_posting(url=url))
    assert job["url"] == expected


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        (Salary("USD", "YEAR", value=Decimal("50000")), "$50,000 per year"),
        (Salary("USD", "HOUR", min=Decimal("42.5"), max=Decimal("58")), "$42.50 - $58.00 per hour"),
        (Salary("EUR", "MONTH", min=Decimal("3000"), max=Decimal("4500")), "€3,000 - €4,500 per month"),
        (Salary("CHF", "YEAR", value=Decimal("120000")), "CHF 120,000 per year"),
        (Salary("GBP", "WEEK", min=Decimal("800")), "From £800 per week"),
        (Salary("JPY", "DAY", value=Decimal("15000")), "¥15,000 per day"),
        (Salary("BHD", "HOUR", value=Decimal("1.125")), "BHD 1.125 per hour"),
        (None, ""),
    ],
)
def test_salary_text(salary: Salary | None, expected: str) -> None:
    (job,) = indeed.render_jobs(make_posting(salary=salary))
    assert job["salary"] == expected


def test_readable_fields() -> None:
    posting = make_posting(
        employment_types=("FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "OTHER"),
        education="bachelor_degree",
        experience_level="mid_senior",
        experience_months=36,
        categories=("Nursing", "Health care"),
    )
    (job,) = indeed.render_jobs(posting)
    assert job["jobtype"] == "fulltime, parttime, contract, temporary, internship"
    assert job["education"] == "Bachelor's degree"
    assert job["experience"] == "Mid-senior level, 3+ years"
    assert job["category"] == "Nursing, Health care"
    assert job["company"] == job["sourcename"] == "Lakeshore General Hospital"
    assert job["email"] == "icu-recruiting@lakeshore.example.org"


def test_dates_are_iso_8601_utc_and_expiration_is_never_invented() -> None:
    chicago_morning = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
    (job,) = indeed.render_jobs(make_posting(date_posted=chicago_morning))
    assert job["date"] == "2026-11-20T15:00:00Z"
    assert job["expirationdate"] == "2026-12-31T23:59:59Z"
    (open_ended,) = indeed.render_jobs(make_posting(valid_through=None))
    assert open_ended["expirationdate"] == ""


def test_hostile_html_never_reaches_the_description() -> None:
    hostile = (
        '<p onclick="steal()">Hello<script>alert(1)</script>'
        '<a href="javascript:alert(2)">click</a><img src=x onerror="alert(3)"></p>'
        "<style>p{}</style><iframe src='https://evil.example'></iframe><ol><li>one</li></ol>"
    )
    (job,) = indeed.render_jobs(make_posting(description=build_description(hostile, "html")))
    description = job["description"].lower()
    for needle in (
        "<script",
        "alert(",
        "onclick",
        "onerror",
        "javascript:",
        "<a",
        "<img",
        "<iframe",
        "<style",
    ):
        assert needle not in description
    assert "hello" in description
    assert "<ul><li>one</li></ul>" in description


def test_description_has_no_html_entities_at_all() -> None:
    """https://docs.indeed.com/indeed-apply/xml-feed: "Indeed does not support HTML entities. For
    example, use < instead of the HTML &lt; entity." The text's characters are written as
    themselves inside CDATA (docs/channels/indeed.md, "Entities")."""
    source = "Tom & Jerry\u00a0café < 5 € ]]> done"
    (job,) = indeed.render_jobs(make_posting(description=build_description(source)))
    assert job["description"] == "<p>Tom & Jerry\u00a0café < 5 € ]]> done</p>"
    data = feed_bytes([job])
    for entity in (b"&nbsp;", b"&#", b"&lt;", b"&gt;", b"&amp;"):
        assert entity not in data
    # The XML parser gives back the very HTML written, `]]>` included (split across two CDATA).
    parsed = ET.fromstring(data).find("job/description")
    assert parsed is not None
    assert parsed.text == job["description"]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("a<b and x<y", "a<\u2060b and x<\u2060y"),  # `<` before a letter would open a tag
        ("see </p> or <!-- or <?x", "see <\u2060/p> or <\u2060!-- or <\u2060?x"),
        ("&copy; and &copy and &#169;", "&\u2060copy; and &\u2060copy and &\u2060#169;"),
        ("R&D, AT&T, 5 < 7, a & b, x <", "R&D, AT&T, 5 < 7, a & b, x <"),  # plain text as it is
    ],
)
def test_a_literal_that_would_read_as_markup_is_kept_apart_by_a_word_joiner(text: str, written: str) -> None:
    """Without entities, a `<` or `&` that HTML would read as markup gets an invisible U+2060 after
    it, so Indeed shows the text the employer wrote (docs/channels/indeed.md, "Entities")."""
    html = indeed.literal_html(f"<p>{escape(text, quote=False)}</p>")
    assert html == f"<p>{written}</p>"
    assert htmltree.visible_text(htmltree.parse(html)).replace("\u2060", "") == text


# --- readiness ------------------------------------------------------------------------------


def codes(posting: Posting) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in indeed.readiness(posting)]


def test_a_complete_posting_is_ready() -> None:
    assert indeed.readiness(make_posting()) == []


def test_not_selected() -> None:
    assert codes(make_posting(channels=("linkedin",))) == [("/channels", "channel_not_selected")]


def test_contact_email_is_required() -> None:
    (problem,) = indeed.readiness(make_posting(contact_email=None))
    assert (problem.pointer, problem.code) == ("/contact_email", "required")
    assert "email" in problem.message


@pytest.mark.parametrize("workplace", ["on_site", "hybrid"])
def test_a_city_is_required_unless_fully_remote(workplace: str) -> None:
    posting = make_posting(workplace=workplace, locations=(CHICAGO, Location("US", region="IL")))
    assert codes(posting) == [("/locations/1/locality", "required")]
    remote = make_posting(workplace="remote", locations=(Location("US"),), applicant_countries=("US",))
    assert codes(remote) == []


@pytest.mark.parametrize("workplace", ["on_site", "hybrid"])
def test_a_state_is_required_unless_fully_remote(workplace: str) -> None:
    """Indeed's feed reference marks <state> required (docs/channels/indeed.md): a location
    without a region is a readiness problem, never an empty <state> nor a guessed one."""
    leeds = Location("GB", "Leeds")
    posting = make_posting(workplace=workplace, locations=(CHICAGO, leeds))
    assert codes(posting) == [("/locations/1/region", "required")]
    (job,) = indeed.render_jobs(
        make_posting(workplace=workplace, locations=(Location("GB", "Leeds", "England"),))
    )
    assert (job["city"], job["state"], job["country"]) == ("Leeds", "England", "GB")
    remote = make_posting(workplace="remote", locations=(leeds,), applicant_countries=("GB",))
    assert codes(remote) == []


def test_a_location_listed_twice_is_a_problem() -> None:
    twin = Location("us", " chicago ", "il", "60611", "600 n lake shore dr")
    assert codes(make_posting(locations=(CHICAGO, TORONTO, twin))) == [("/locations/2", "duplicate_location")]


def test_a_closed_posting_is_not_a_readiness_problem() -> None:
    assert indeed.readiness(make_posting(status="closed")) == []


def test_an_empty_description_is_a_problem() -> None:
    posting = make_posting(description=build_description("<script>only()</script>", "html"))
    assert codes(posting) == [("/description", "empty_description")]


# --- extensions -----------------------------------------------------------------------------


def test_extensions_are_laid_over_every_job() -> None:
    extensions = {
        "indeed": {
            "title": "Night Nurse",
            "salary": None,
            "sponsored": True,
            "budget": 12.5,
            "openings": 3,
            "indeed-apply-data": "x=1&y=<2>",
        }
    }
    posting = make_posting(locations=(CHICAGO, TORONTO), extensions=extensions)
    assert indeed.readiness(posting) == []
    jobs = indeed.render_jobs(posting)
    for job in jobs:
        assert job["title"] == "Night Nurse"
        assert job["salary"] == ""
        assert list(job)[len(indeed.ELEMENTS) :] == ["sponsored", "budget", "openings", "indeed-apply-data"]
        assert (job["sponsored"], job["budget"], job["openings"]) == ("true", "12.5", "3")
    parsed = parse_jobs(feed_bytes(jobs))
    assert parsed == jobs


def test_invalid_extensions_are_readiness_problems_and_never_rendered() -> None:
    extensions = {
        "indeed": {
            "bad name": "x",
            "xmlthing": "x",
            "a:b": "x",
            "1st": "x",
            "nested": {"a": 1},
            "listed": [1, 2],
            "nan": float("nan"),
            "remotetype": "Remote",
            "referencenumber": "FIXED",
            "we/ird~": object(),
            "fine": "ok",
        }
    }
    posting = make_posting(locations=(CHICAGO, TORONTO), extensions=extensions)
    assert codes(posting) == [
        ("/extensions/indeed/bad name", "extension_invalid_name"),
        ("/extensions/indeed/xmlthing", "extension_invalid_name"),
        ("/extensions/indeed/a:b", "extension_invalid_name"),
        ("/extensions/indeed/1st", "extension_invalid_name"),
        ("/extensions/indeed/nested", "extension_invalid_value"),
        ("/extensions/indeed/listed", "extension_invalid_value"),
        ("/extensions/indeed/nan", "extension_invalid_value"),
        ("/extensions/indeed/remotetype", "extension_invalid_value"),
        ("/extensions/indeed/referencenumber", "extension_reference_reused"),
        ("/extensions/indeed/we~1ird~0", "extension_invalid_name"),
    ]
    for job in indeed.render_jobs(posting):
        assert set(job) == {*indeed.ELEMENTS, "fine", "referencenumber"}
    assert list(indeed.feed_jobs([posting])) == []


def test_a_fixed_reference_number_is_fine_for_a_single_job() -> None:
    posting = make_posting(extensions={"indeed": {"referencenumber": "LEGACY-17"}})
    assert indeed.readiness(posting) == []
    (job,) = indeed.render_jobs(posting)
    assert job["referencenumber"] == "LEGACY-17"


def test_extensions_that_are_not_an_object() -> None:
    posting = make_posting(extensions={"indeed": ["title"]})
    assert codes(posting) == [("/extensions/indeed", "extension_not_object")]


# --- the feed -------------------------------------------------------------------------------


def test_closed_and_unready_postings_are_absent_from_the_feed() -> None:
    open_one = make_posting(id="OPEN", locations=(CHICAGO, TORONTO))
    closed = make_posting(id="CLOSED", status="closed")
    unready = make_posting(id="NOEMAIL", contact_email=None)
    expired = make_posting(id="EXPIRED", valid_through=BUILT - timedelta(seconds=1))
    jobs = list(indeed.feed_jobs([open_one, closed, unready, expired], now=BUILT))
    assert [j["referencenumber"].split("-")[0] for j in jobs] == ["OPEN", "OPEN"]
    with_expired = list(indeed.feed_jobs([closed, expired]))
    assert {j["requisitionid"] for j in with_expired} == {"REQ-2207"}
    assert len(with_expired) == 1


def test_feed_header_and_round_trip() -> None:
    postings = [
        make_posting(
            id="P1",
            title='Nurse "A" & <B> ]]> café 👩\u200d⚕️ مرحبا',
            locations=(CHICAGO, Location("IL", "תל אביב", "מחוז תל אביב")),
            hiring_organization=Organization("Ærø & Søn <AS>"),
            categories=("R&D",),
        ),
        make_posting(id="P2", workplace="remote", locations=(), applicant_countries=("DE",)),
    ]
    jobs = list(indeed.feed_jobs(postings))
    out = io.BytesIO()
    count = indeed.write_feed(
        iter(jobs), out, publisher="Synd & Co", publisher_url="https://s.example/?a=1&b=2", last_build=BUILT
    )
    data = out.getvalue()
    assert count == 3
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(data)
    assert [child.tag for child in root] == [
        "publisher",
        "publisherurl",
        "lastBuildDate",
        "job",
        "job",
        "job",
    ]
    assert root.findtext("publisher") == "Synd & Co"
    assert root.findtext("publisherurl") == "https://s.example/?a=1&b=2"
    assert root.findtext("lastBuildDate") == "2026-11-21T06:30:00Z"
    assert parse_jobs(data) == jobs
    assert "👩\u200d⚕️ مرحبا".encode() in data
    assert "תל אביב".encode() in data
    assert b"<publisher><![CDATA[Synd & Co]]></publisher>" in data
    assert "<company><![CDATA[Ærø & Søn <AS>]]></company>".encode() in data


def test_cdata_end_marker_in_text_is_split() -> None:
    job = {"title": "a]]>b]]]>c]]>", "city": "]]>"}
    data = feed_bytes([job])
    assert b"<title><![CDATA[a]]]]><![CDATA[>b]]]]]><![CDATA[>c]]]]><![CDATA[>]]></title>" in data
    (parsed,) = parse_jobs(data)
    assert (parsed["title"], parsed["city"]) == ("a]]>b]]]>c]]>", "]]>")


def test_characters_xml_forbids_are_removed() -> None:
    dirty = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j\udfffk\tl\nm"
    (parsed,) = parse_jobs(feed_bytes([{"title": dirty, "description": dirty}]))
    assert parsed["title"] == parsed["description"] == "abcdefghijk\tl\nm"


def test_line_endings_are_normalized_as_an_xml_reader_would() -> None:
    (parsed,) = parse_jobs(feed_bytes([{"title": "a\r\nb\rc\nd"}]))
    assert parsed["title"] == "a\nb\nc\nd"


def test_missing_elements_are_written_empty_and_invalid_names_refused() -> None:
    (parsed,) = parse_jobs(feed_bytes([{"title": "Only a title"}]))
    assert list(parsed) == list(indeed.ELEMENTS)
    assert parsed["title"] == "Only a title"
    assert all(parsed[name] == "" for name in indeed.ELEMENTS if name != "title")
    with pytest.raises(ValueError, match="element name"):
        feed_bytes([{"title": "x", "evil><script": "y"}])


def test_an_empty_feed_is_well_formed() -> None:
    data = feed_bytes([])
    root = ET.fromstring(data)
    assert [child.tag for child in root] == ["publisher", "publisherurl", "lastBuildDate"]


def test_write_feed_streams_job_by_job() -> None:
    out = io.BytesIO()
    jobs_written_before_request: list[int] = []

    def jobs() -> Iterator[dict[str, str]]:
        for number in range(4):
            data = out.getvalue()
            assert b"<lastBuildDate>" in data  # the header is out before the first job is asked for
            jobs_written_before_request.append(data.count(b"</job>"))
            yield {"title": f"job {number}"}

    count = indeed.write_feed(
        jobs(), out, publisher="Synd", publisher_url="https://s.example", last_build=BUILT
    )
    assert count == 4
    assert jobs_written_before_request == [0, 1, 2, 3]
    assert len(parse_jobs(out.getvalue())) == 4


def test_feed_jobs_is_lazy() -> None:
    def postings() -> Iterator[Posting]:
        yield make_posting(id="FIRST")
        raise AssertionError("read past the first posting")

    first = next(itertools.islice(indeed.feed_jobs(postings()), 1))
    assert first["referencenumber"].startswith("FIRST-")


# --- properties -----------------------------------------------------------------------------

TEXT = HOSTILE_TEXT


@settings(max_examples=200, deadline=None)
@given(title=TEXT, description=TEXT, company=TEXT, city=TEXT)
def test_arbitrary_text_never_breaks_the_feed(title: str, description: str, company: str, city: str) -> None:
    job = {"title": title, "description": description, "company": company, "city": city}
    root = ET.fromstring(feed_bytes([job, job]))
    assert [child.tag for child in root] == ["publisher", "publisherurl", "lastBuildDate", "job", "job"]
    for element in root.findall("job"):
        assert [child.tag for child in element] == list(indeed.ELEMENTS)
        assert all(len(child) == 0 for child in element)  # no text ever became markup
        parsed = {child.tag: child.text or "" for child in element}
        for name, text in job.items():
            assert parsed[name] == xml_representable(text)


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
        locations=(Location("US", city), TORONTO),
    )
    jobs = indeed.render_jobs(posting)
    parsed = parse_jobs(feed_bytes(jobs))
    assert len(parsed) == 2
    for rendered, read in zip(jobs, parsed, strict=True):
        assert read == {name: xml_representable(text) for name, text in rendered.items()}
        assert "&nbsp;" not in read["description"]


def test_a_feed_of_fragments_is_the_feed_of_their_jobs() -> None:
    jobs = [{"title": f"Cook ]]> {n}", "referencenumber": f"R{n}"} for n in range(5)]
    fragments = []
    for part in (jobs[:3], [], jobs[3:]):
        fragment = io.BytesIO()
        assert indeed.write_jobs(part, fragment) == len(part)
        fragments.append(io.BytesIO(fragment.getvalue()))
    moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assembled, whole = io.BytesIO(), io.BytesIO()
    options: dict[str, Any] = {
        "publisher": "Diner",
        "publisher_url": "https://diner.example.com",
        "last_build": moment,
    }
    indeed.write_feed_of_fragments(fragments, assembled, **options)
    indeed.write_feed(jobs, whole, **options)
    assert assembled.getvalue() == whole.getvalue()
