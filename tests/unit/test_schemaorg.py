"""schema.org JobPosting renderer: Google's rules, safe <script> embedding, and the job page."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.channels import schemaorg
from syndicate.core.channels.schemaorg_page import job_page
from syndicate.core.channels.schemaorg_readiness import readiness
from syndicate.core.description import build_description
from syndicate.core.model import Location, Organization, Posting, Salary
from tests import factories
from tests.factories import CHICAGO

EVANSTON = Location("US", "Evanston", "IL")


make_posting = partial(
    factories.make_posting,
    hiring_organization=Organization(
        "Lakeshore General Hospital",
        url="https://lakeshore.example.org",
        logo_url="https://lakeshore.example.org/logo.png",
    ),
)


def remote_posting(**changes: Any) -> Posting:
    remote: dict[str, Any] = {"workplace": "remote", "locations": (), "applicant_countries": ("MX", "CO")}
    return make_posting(**(remote | changes))


def with_overlay(posting: Posting, overlay: dict[str, Any]) -> Posting:
    return dataclasses.replace(posting, extensions={"schemaorg": overlay})


# --- render: locations and workplace ------------------------------------------------------------


def test_on_site_with_several_places_lists_each_place_with_its_postal_address() -> None:
    doc = schemaorg.render(make_posting(locations=(CHICAGO, EVANSTON)))
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "JobPosting"
    assert doc["jobLocation"] == [
        {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "600 N Lake Shore Dr",
                "addressLocality": "Chicago",
                "addressRegion": "IL",
                "postalCode": "60611",
                "addressCountry": "US",
            },
        },
        {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": "Evanston",
                "addressRegion": "IL",
                "addressCountry": "US",
            },
        },
    ]
    assert "jobLocationType" not in doc
    assert "applicantLocationRequirements" not in doc


def test_one_place_is_a_single_object_not_a_list() -> None:
    doc = schemaorg.render(make_posting(locations=(EVANSTON,)))
    assert doc["jobLocation"]["@type"] == "Place"
    assert doc["jobLocation"]["address"]["addressLocality"] == "Evanston"


def test_hybrid_is_not_telecommute() -> None:
    posting = make_posting(workplace="hybrid", locations=(CHICAGO,), applicant_countries=("US",))
    doc = schemaorg.render(posting)
    assert "jobLocationType" not in doc
    assert "applicantLocationRequirements" not in doc
    assert doc["jobLocation"]["address"]["addressLocality"] == "Chicago"
    assert readiness(posting) == []


def test_remote_across_two_countries_is_telecommute_with_applicant_countries() -> None:
    posting = remote_posting()
    doc = schemaorg.render(posting)
    assert doc["jobLocationType"] == "TELECOMMUTE"
    assert doc["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "MX"},
        {"@type": "Country", "name": "CO"},
    ]
    assert "jobLocation" not in doc  # not required for a fully remote job
    assert readiness(posting) == []


def test_remote_in_one_country_is_a_single_country_object() -> None:
    doc = schemaorg.render(remote_posting(applicant_countries=("MX",)))
    assert doc["applicantLocationRequirements"] == {"@type": "Country", "name": "MX"}


def test_remote_with_an_office_keeps_the_office_as_job_location() -> None:
    doc = schemaorg.render(remote_posting(locations=(CHICAGO,)))
    assert doc["jobLocationType"] == "TELECOMMUTE"
    assert doc["jobLocation"]["address"]["addressCountry"] == "US"


# --- render: dates ------------------------------------------------------------------------------


def test_no_valid_through_when_absent() -> None:
    doc = schemaorg.render(make_posting(valid_through=None))
    assert "validThrough" not in doc
    assert "validThrough" not in schemaorg.jsonld_script(doc)


def test_date_only_values_keep_the_contract_times_with_an_offset() -> None:
    # A date-only date_posted is 00:00 UTC and a date-only valid_through 23:59:59 UTC (the model
    # already holds those datetimes); the output keeps both instants, with an explicit offset.
    posting = make_posting(
        date_posted=datetime(2026, 11, 20, tzinfo=UTC),
        valid_through=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    doc = schemaorg.render(posting)
    assert doc["datePosted"] == "2026-11-20T00:00:00+00:00"
    assert doc["validThrough"] == "2026-12-31T23:59:59+00:00"


def test_an_aware_datetime_in_another_zone_is_written_in_utc() -> None:
    chicago_morning = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
    doc = schemaorg.render(make_posting(date_posted=chicago_morning))
    assert doc["datePosted"] == "2026-11-20T15:00:00+00:00"


# --- render: salary and other recommended properties --------------------------------------------


def test_salary_range_is_min_and_max_with_unit_text() -> None:
    doc = schemaorg.render(make_posting())
    assert doc["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "USD",
        "value": {"@type": "QuantitativeValue", "minValue": 42.5, "maxValue": 58, "unitText": "HOUR"},
    }
    assert type(doc["baseSalary"]["value"]["maxValue"]) is int
    assert type(doc["baseSalary"]["value"]["minValue"]) is float


def test_salary_single_value() -> None:
    doc = schemaorg.render(make_posting(salary=Salary("EUR", "YEAR", value=Decimal("65000.00"))))
    quantity = doc["baseSalary"]["value"]
    assert quantity == {"@type": "QuantitativeValue", "value": 65000, "unitText": "YEAR"}
    assert type(quantity["value"]) is int
    assert doc["baseSalary"]["currency"] == "EUR"


def test_salary_minimum_only_has_no_max_value() -> None:
    doc = schemaorg.render(make_posting(salary=Salary("USD", "MONTH", min=Decimal("4000"))))
    assert doc["baseSalary"]["value"] == {"@type": "QuantitativeValue", "minValue": 4000, "unitText": "MONTH"}


def test_no_salary_no_base_salary() -> None:
    assert "baseSalary" not in schemaorg.render(make_posting(salary=None))


def test_employment_type_is_a_string_for_one_and_a_list_for_several() -> None:
    assert schemaorg.render(make_posting())["employmentType"] == "FULL_TIME"
    several = schemaorg.render(make_posting(employment_types=("PART_TIME", "PER_DIEM")))
    assert several["employmentType"] == ["PART_TIME", "PER_DIEM"]


def test_hiring_organization_identifier_and_url() -> None:
    doc = schemaorg.render(make_posting())
    assert doc["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Lakeshore General Hospital",
        "sameAs": "https://lakeshore.example.org",
        "logo": "https://lakeshore.example.org/logo.png",
    }
    assert doc["identifier"] == {
        "@type": "PropertyValue",
        "name": "Lakeshore General Hospital",
        "value": "RN-ICU-2207",
    }
    assert doc["url"] == "https://lakeshore.example.org/careers/2207"
    bare = schemaorg.render(make_posting(hiring_organization=Organization("Solo Clinic")))
    assert bare["hiringOrganization"] == {"@type": "Organization", "name": "Solo Clinic"}


@pytest.mark.parametrize(
    ("education", "category"),
    [
        ("high_school", "high school"),
        ("associate_degree", "associate degree"),
        ("bachelor_degree", "bachelor degree"),
        ("professional_certificate", "professional certificate"),
        ("postgraduate_degree", "postgraduate degree"),
    ],
)
def test_education_is_a_credential_with_googles_category(education: str, category: str) -> None:
    doc = schemaorg.render(make_posting(education=education))
    assert doc["educationRequirements"] == {
        "@type": "EducationalOccupationalCredential",
        "credentialCategory": category,
    }


def test_experience_months_including_zero() -> None:
    doc = schemaorg.render(make_posting(experience_months=60))
    assert doc["experienceRequirements"] == {
        "@type": "OccupationalExperienceRequirements",
        "monthsOfExperience": 60,
    }
    assert (
        schemaorg.render(make_posting(experience_months=0))["experienceRequirements"]["monthsOfExperience"]
        == 0
    )
    plain = schemaorg.render(make_posting())
    assert "experienceRequirements" not in plain
    assert "educationRequirements" not in plain


def test_direct_apply_only_when_set() -> None:
    assert "directApply" not in schemaorg.render(make_posting())
    assert schemaorg.render(make_posting(direct_apply=False))["directApply"] is False
    assert schemaorg.render(make_posting(direct_apply=True))["directApply"] is True


def test_text_lists_and_categories() -> None:
    posting = make_posting(
        responsibilities=("Assess patients", "Chart care"),
        qualifications=("Active RN license",),
        skills=("Ventilators",),
        categories=("Nursing",),
        contact_email="icu@lakeshore.example.org",
    )
    doc = schemaorg.render(posting)
    assert doc["responsibilities"] == ["Assess patients", "Chart care"]
    assert doc["qualifications"] == "Active RN license"
    assert doc["skills"] == "Ventilators"
    # Free text is not an O*NET-SOC code; the recruiter's email is not published.
    assert "occupationalCategory" not in doc
    assert "icu@lakeshore" not in json.dumps(doc)


# --- render: description ------------------------------------------------------------------------


def test_hostile_html_is_stripped_from_the_description() -> None:
    hostile = (
        '<p onclick="steal()">Hello<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a><style>p{}</style></p><h2>Perks</h2>'
        "<ol><li>Pension</li></ol><iframe src='https://evil.example'></iframe><!-- hidden -->"
    )
    description = schemaorg.render(make_posting(description=build_description(hostile, "html")))[
        "description"
    ]
    for forbidden in (
        "script",
        "alert",
        "onerror",
        "onclick",
        "javascript",
        "<img",
        "<a",
        "iframe",
        "<h2",
        "<!--",
    ):
        assert forbidden not in description
    assert "<strong>Perks</strong>" in description
    assert "<ul><li>Pension</li></ul>" in description


def test_linkedin_hashtags_are_absent() -> None:
    posting = make_posting(
        description=build_description("Great team #LI-Remote #LI-MM1\n\nApply now #LI-Hybrid")
    )
    dumped = json.dumps(schemaorg.render(posting))
    assert "#LI-" not in dumped
    assert "Great team" in dumped


# --- extension overlay and readiness ------------------------------------------------------------


def test_overlay_is_laid_over_last_and_null_removes() -> None:
    posting = with_overlay(
        make_posting(),
        {
            "workHours": "3 x 12h nights",
            "title": "ICU Nurse",
            "directApply": None,
            "totalJobOpenings": Decimal("3"),
        },
    )
    doc = schemaorg.render(dataclasses.replace(posting, direct_apply=True))
    assert doc["title"] == "ICU Nurse"
    assert doc["workHours"] == "3 x 12h nights"
    assert "directApply" not in doc
    assert doc["totalJobOpenings"] == 3
    assert type(doc["totalJobOpenings"]) is int


def test_overlay_description_is_sanitized_too() -> None:
    doc = schemaorg.render(with_overlay(make_posting(), {"description": "<p>Hi</p><script>x()</script>"}))
    assert doc["description"] == "<p>Hi</p>"


def test_ready_postings_have_no_problems() -> None:
    assert readiness(make_posting(locations=(CHICAGO, EVANSTON))) == []
    assert readiness(remote_posting()) == []


def test_closed_posting_is_ready_and_renders_like_an_open_one() -> None:
    closed = make_posting(status="closed")
    assert readiness(closed) == []
    assert schemaorg.render(closed) == schemaorg.render(make_posting())


def test_not_selected_is_the_only_problem() -> None:
    posting = with_overlay(make_posting(channels=("linkedin", "indeed")), {"title": None})
    problems = readiness(posting)
    assert [p.code for p in problems] == ["channel_not_selected"]


def test_overlay_removing_a_required_property_points_at_the_overlay_key() -> None:
    problems = readiness(with_overlay(make_posting(), {"title": None, "hiringOrganization": None}))
    assert {(p.pointer, p.code) for p in problems} == {
        ("/extensions/schemaorg/title", "required"),
        ("/extensions/schemaorg/hiringOrganization", "required"),
    }


def test_overlay_removing_job_location_of_an_on_site_job() -> None:
    problems = readiness(with_overlay(make_posting(), {"jobLocation": None}))
    assert [(p.pointer, p.code) for p in problems] == [("/extensions/schemaorg/jobLocation", "required")]


def test_overlay_telecommute_on_a_hybrid_job_is_refused() -> None:
    posting = with_overlay(make_posting(workplace="hybrid"), {"jobLocationType": "TELECOMMUTE"})
    problems = readiness(posting)
    assert {(p.pointer, p.code) for p in problems} == {
        ("/extensions/schemaorg/jobLocationType", "telecommute_without_applicant_location"),
        ("/extensions/schemaorg/jobLocationType", "telecommute_not_remote"),
    }


def test_overlay_dropping_applicant_countries_of_a_remote_job() -> None:
    problems = readiness(with_overlay(remote_posting(), {"applicantLocationRequirements": None}))
    assert [(p.pointer, p.code) for p in problems] == [
        ("/extensions/schemaorg/applicantLocationRequirements", "telecommute_without_applicant_location")
    ]


def test_remote_posting_without_countries_points_at_applicant_countries() -> None:
    problems = readiness(remote_posting(applicant_countries=()))
    assert [(p.pointer, p.code) for p in problems] == [
        ("/applicant_countries", "telecommute_without_applicant_location")
    ]


def test_overlay_dropping_telecommute_of_a_remote_job() -> None:
    problems = readiness(with_overlay(remote_posting(), {"jobLocationType": None}))
    assert ("/extensions/schemaorg/jobLocationType", "required") in {(p.pointer, p.code) for p in problems}


def test_overlay_unknown_property_and_bad_values() -> None:
    overlay = {
        "salary": "lots",  # not a JobPosting property
        "a/b~c": 1,  # pointer escaping
        "employmentType": "FULLTIME",
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "USD",
            "value": {"value": 5, "unitText": "HOURLY"},
        },
        "educationRequirements": {"@type": "EducationalOccupationalCredential", "credentialCategory": "PhD"},
        "validThrough": "2020-01-01",
        "@type": "Job",
        "workHours": float("nan"),
    }
    problems = {(p.pointer, p.code) for p in readiness(with_overlay(make_posting(), overlay))}
    assert problems == {
        ("/extensions/schemaorg/salary", "unknown_property"),
        ("/extensions/schemaorg/a~1b~0c", "unknown_property"),
        ("/extensions/schemaorg/employmentType", "invalid_value"),
        ("/extensions/schemaorg/baseSalary", "invalid_value"),
        ("/extensions/schemaorg/educationRequirements", "invalid_value"),
        ("/extensions/schemaorg/validThrough", "invalid_value"),
        ("/extensions/schemaorg/@type", "invalid_value"),
        ("/extensions/schemaorg/workHours", "invalid_value"),
    }


def test_overlay_date_only_valid_through_means_the_end_of_that_day() -> None:
    same_day = with_overlay(make_posting(), {"validThrough": "2026-11-20"})  # posted 15:00 that day
    assert readiness(same_day) == []
    day_before = with_overlay(make_posting(), {"validThrough": "2026-11-19"})
    assert [p.code for p in readiness(day_before)] == ["invalid_value"]


def test_description_with_no_text_after_sanitizing_is_not_ready() -> None:
    posting = make_posting(description=build_description("<script>alert(1)</script><p> </p>", "html"))
    assert [(p.pointer, p.code) for p in readiness(posting)] == [("/description", "description_empty")]


# --- serialization ------------------------------------------------------------------------------


def script_body(element: str) -> str:
    prefix, suffix = '<script type="application/ld+json">', "</script>"
    assert element.startswith(prefix)
    assert element.endswith(suffix)
    return element[len(prefix) : -len(suffix)]


def test_script_escapes_markup_characters_as_json_escapes() -> None:
    doc = {"title": "</script><!-- & -->", "x": "a\u2028b\u2029c"}
    body = script_body(schemaorg.jsonld_script(doc))
    assert "<" not in body
    assert ">" not in body
    assert "&" not in body
    assert "\u2028" not in body
    assert "\u2029" not in body
    assert "\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e" in body
    assert "&lt;" not in body  # never HTML-entity-escaped
    assert json.loads(body) == doc


def test_lone_surrogate_survives_as_a_json_escape() -> None:
    doc = {"title": "bad \ud800 text"}
    body = script_body(schemaorg.jsonld_script(doc))
    body.encode("utf-8")  # encodable: the surrogate is written as \ud800
    assert json.loads(body) == doc
    assert json.loads(schemaorg.jsonld_document(doc)) == doc


def test_non_finite_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="JSON"):
        schemaorg.jsonld_script({"x": float("inf")})


def test_document_is_indented_json() -> None:
    doc = schemaorg.render(make_posting())
    text = schemaorg.jsonld_document(doc)
    assert text.startswith('{\n  "@context": "https://schema.org",')
    assert json.loads(text) == doc


# --- the job page -------------------------------------------------------------------------------

VOID = frozenset({"meta", "link", "img", "br", "hr", "input"})


class PageParser(HTMLParser):
    """Collects ld+json scripts and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts: list[tuple[list[str], str]] = []
        self.links: dict[str, str] = {}
        self.text: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") != "application/ld+json":
                self.errors.append("script of another type")
            self._script = []
        if tag == "link" and attributes.get("rel"):
            self.links[attributes["rel"] or ""] = attributes.get("href") or ""
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> with open {self.stack}")
            return
        self.stack.pop()
        if tag == "script" and self._script is not None:
            self.scripts.append((list(self.stack), "".join(self._script)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        elif "style" not in self.stack and "head" not in self.stack:
            self.text.append(data)


def parse_page(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def visible(parser: PageParser) -> str:
    return " ".join(" ".join(parser.text).split())


def test_page_embeds_exactly_one_jsonld_script_in_head() -> None:
    posting = make_posting()
    doc = schemaorg.render(posting)
    page = job_page(posting, doc, "https://jobs.example.org/jobs/RN-ICU-2207.html")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    parser = parse_page(page)
    assert len(parser.scripts) == 1
    parents, body = parser.scripts[0]
    assert parents == ["html", "head"]
    assert json.loads(body) == doc
    # The canonical of the job page is the page itself, never the employer's site or apply form.
    assert parser.links["canonical"] == "https://jobs.example.org/jobs/RN-ICU-2207.html"
    assert "canonical" not in parse_page(job_page(posting, doc)).links  # a preview: no URL yet
    assert "http" not in page.split("<style>")[1].split("</style>")[0]  # no external assets


def test_page_shows_what_the_markup_states() -> None:
    posting = make_posting(
        locations=(CHICAGO, EVANSTON),
        employment_types=("FULL_TIME", "PER_DIEM"),
        education="bachelor_degree",
        experience_months=24,
        responsibilities=("Assess patients",),
        qualifications=("Active RN license",),
        skills=("Ventilators",),
        categories=("Nursing",),
    )
    parser = parse_page(job_page(posting, schemaorg.render(posting)))
    text = visible(parser)
    for expected in (
        "Registered Nurse, Intensive Care (Nights)",
        "Lakeshore General Hospital",
        "600 N Lake Shore Dr, Chicago, IL 60611, United States",
        "Evanston, IL, United States",
        "USD 42.50–58.00 per hour",
        "Full-time, Per diem",
        "20 November 2026",
        "31 December 2026",
        "Bachelor degree",
        "At least 2 years",
        "Join our 24-bed ICU.",
        "care for adults",
        "Assess patients",
        "Active RN license",
        "Ventilators",
        "Nursing",
        "RN-ICU-2207",
        "Apply for this job",
    ):
        assert expected in text, expected
    page = job_page(posting, schemaorg.render(posting))
    assert 'href="https://lakeshore.example.org/careers/2207/apply"' in page
    assert 'src="https://lakeshore.example.org/logo.png"' in page


def test_page_for_a_remote_job_names_the_countries() -> None:
    posting = remote_posting()
    text = visible(parse_page(job_page(posting, schemaorg.render(posting))))
    assert "Remote (Mexico, Colombia)" in text


def test_page_shows_overlay_properties_and_drops_unsafe_links() -> None:
    overlay = {
        "workHours": "Nights <b>only</b>",
        "hiringOrganization": {"@type": "Organization", "name": "Lakeshore", "sameAs": "javascript:alert(1)"},
    }
    posting = with_overlay(make_posting(), overlay)
    page = job_page(posting, schemaorg.render(posting))
    text = visible(parse_page(page))
    assert "Work hours Nights <b>only</b>" in text  # shown as text, not markup
    assert "javascript" not in page.split("</head>")[1]


# --- property: nothing a user writes can end the script element ---------------------------------

json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
hostile_text = st.text() | st.sampled_from(
    ["</script>", "</SCRIPT >", "<!--", "<script>", "]]>", "&amp;", "\u2028"]
)


@settings(max_examples=150, deadline=None)
@given(
    title=hostile_text,
    description=hostile_text,
    description_format=st.sampled_from(["text", "markdown", "html"]),
    org_name=hostile_text,
    overlay=st.dictionaries(st.text(), json_value, max_size=4),
)
def test_no_value_can_end_the_script_element(
    title: str, description: str, description_format: str, org_name: str, overlay: dict[str, Any]
) -> None:
    posting = make_posting(
        title=title,
        description=build_description(description, description_format),
        hiring_organization=Organization(org_name),
        extensions={"schemaorg": overlay},
    )
    doc = schemaorg.render(posting)
    body = script_body(schemaorg.jsonld_script(doc))
    assert "</script" not in body.casefold()
    assert "<!--" not in body
    assert "<" not in body
    assert json.loads(body) == doc

    parser = parse_page(job_page(posting, doc))
    assert len(parser.scripts) == 1
    assert json.loads(parser.scripts[0][1]) == doc
    assert all(p.pointer == "" or p.pointer.startswith("/") for p in readiness(posting))
