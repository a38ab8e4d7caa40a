"""Each mapping rule of the ATS connectors (docs/connectors.md), on jobs shaped as the APIs document them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.assess import assess
from syndicate.core.connectors import with_defaults
from syndicate.core.connectors.boards import DefaultsRejected, check_defaults, map_board
from syndicate.core.connectors.greenhouse import map_job
from syndicate.core.connectors.lever import map_posting
from syndicate.core.intake import RawPosting

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DEFAULTS = {"hiring_organization": {"name": "Acme Robotics"}, "contact_email": "jobs@acme.example.org"}
# Greenhouse's documented example (developers.greenhouse.io/job-board.html, "List jobs", content=true).
GREENHOUSE_JOB: dict[str, Any] = {
    "id": 127817,
    "internal_job_id": 144381,
    "title": "Vault Designer",
    "updated_at": "2016-01-14T10:55:28-05:00",
    "requisition_id": "50",
    "location": {"name": "NYC"},
    "absolute_url": "https://boards.greenhouse.io/vaulttec/jobs/127817",
    "metadata": None,
    "content": "This is the job description. &lt;p&gt;Any HTML included through the hosted job application "
    "editor will be automatically converted into corresponding HTML entities.&lt;/p&gt;",
    "departments": [
        {"id": 13583, "name": "Department of Departments", "parent_id": None, "child_ids": [13585]}
    ],
    "offices": [
        {
            "id": 8304,
            "name": "East Coast",
            "location": "United States",
            "parent_id": None,
            "child_ids": [8787],
        },
        {
            "id": 8787,
            "name": "New York City",
            "location": "New York, NY, United States",
            "parent_id": 8304,
            "child_ids": [],
        },
    ],
}
LEVER_POSTING: dict[str, Any] = {
    "id": "5ac21346-8e0c-4494-8e7a-3eb92ff77902",
    "text": "Product Designer",
    "categories": {
        "commitment": "Full-time",
        "department": "Design",
        "location": "Berlin, Germany",
        "team": "Product",
        "allLocations": ["Berlin, Germany"],
    },
    "country": "DE",
    "createdAt": 1763628000000,
    "description": "<div>Opening.</div><div>Body.</div>",
    "lists": [
        {"text": "What you'll do", "content": "<li>Design</li><li>Test</li>"},
        {"text": "What you <bring>", "content": "<li>Taste</li>"},
    ],
    "additional": "<div>Closing.</div>",
    "hostedUrl": "https://jobs.lever.co/acme/5ac21346-8e0c-4494-8e7a-3eb92ff77902",
    "applyUrl": "https://jobs.lever.co/acme/5ac21346-8e0c-4494-8e7a-3eb92ff77902/apply",
    "workplaceType": "on-site",
    "salaryRange": {"currency": "EUR", "interval": "per-year-salary", "min": 70000, "max": 85000},
}


def greenhouse(**changes: Any) -> dict[str, Any]:
    job = copy.deepcopy(GREENHOUSE_JOB)
    job.update(changes)
    return job


def lever(categories: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    posting = copy.deepcopy(LEVER_POSTING)
    posting.update(changes)
    if categories is not None:
        posting["categories"] = {**posting["categories"], **categories}
    return posting


# --- Greenhouse ----------------------------------------------------------------------------------------


def test_greenhouse_ids_titles_urls_and_dates() -> None:
    posting = map_job(greenhouse()).posting
    assert posting["id"] == "greenhouse-127817"  # the job post id: stable across pulls
    assert posting["requisition_id"] == "50"
    assert posting["title"] == "Vault Designer"
    assert posting["apply_url"] == posting["url"] == "https://boards.greenhouse.io/vaulttec/jobs/127817"
    assert posting["updated_at"] == posting["date_posted"] == "2016-01-14T10:55:28-05:00"


def test_greenhouse_first_published_is_the_posting_date() -> None:
    posting = map_job(greenhouse(first_published="2016-01-02T09:00:00-05:00")).posting
    assert posting["date_posted"] == "2016-01-02T09:00:00-05:00"
    assert posting["updated_at"] == "2016-01-14T10:55:28-05:00"


def test_greenhouse_content_is_unescaped_exactly_once() -> None:
    posting = map_job(greenhouse(content="&lt;p&gt;Fish &amp;amp; chips&lt;/p&gt;")).posting
    assert posting["description"] == "<p>Fish &amp; chips</p>"  # HTML, its own entity kept
    assert posting["description_format"] == "html"


def test_greenhouse_script_in_content_never_reaches_a_channel() -> None:
    job = greenhouse(content="&lt;p&gt;Hi&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
    posting = with_defaults(DEFAULTS, map_job(job).posting)
    result = assess(RawPosting("board", 0, posting), NOW)
    assert result.posting is not None
    assert "script" not in result.posting.description.html and "alert" not in result.posting.description.html


def test_greenhouse_departments_are_categories() -> None:
    job = greenhouse(departments=[{"name": "Engineering"}, {"name": " Engineering "}, {"name": "Design"}])
    assert map_job(job).posting["categories"] == ["Engineering", "Design"]


def test_greenhouse_location_name_wins_when_it_names_a_place() -> None:
    posting = map_job(greenhouse(location={"name": "Austin, TX"})).posting
    assert posting["locations"] == [{"country": "US", "region": "TX", "locality": "Austin"}]


def test_greenhouse_unreadable_location_falls_back_to_the_most_specific_offices() -> None:
    mapped = map_job(greenhouse())  # "NYC": the leaf office says New York, NY, United States
    assert mapped.posting["locations"] == [{"country": "US", "region": "NY", "locality": "New York"}]
    assert mapped.notes == ()


def test_greenhouse_unreadable_location_without_offices_is_left_out_and_noted() -> None:
    mapped = map_job(greenhouse(offices=[]))
    assert "locations" not in mapped.posting
    assert mapped.notes == ("location 'NYC': 'NYC' names no country; left out",)
    result = assess(RawPosting("board", 0, with_defaults(DEFAULTS, mapped.posting)), NOW)
    assert [error.pointer for error in result.errors] == ["/locations"]  # validation names the field


def test_greenhouse_remote_with_a_country() -> None:
    posting = map_job(greenhouse(location={"name": "Remote - Canada"}, offices=[])).posting
    assert posting["workplace"] == "remote" and posting["applicant_countries"] == ["CA"]


def test_greenhouse_remote_without_a_country_asks_for_applicant_countries() -> None:
    mapped = map_job(greenhouse(location={"name": "Remote"}, offices=[]))
    assert mapped.posting["workplace"] == "remote" and "applicant_countries" not in mapped.posting
    result = assess(RawPosting("board", 0, with_defaults(DEFAULTS, mapped.posting)), NOW)
    assert [error.pointer for error in result.errors] == ["/applicant_countries"]
    # ...which the connection's defaults can give
    defaults = {**DEFAULTS, "applicant_countries": ["US"]}
    assert assess(RawPosting("board", 0, with_defaults(defaults, mapped.posting)), NOW).valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Full-time", ["FULL_TIME"]),
        ("Part-time", ["PART_TIME"]),
        ("Contract", ["CONTRACTOR"]),
        (["Intern"], ["INTERN"]),
    ],
)
def test_greenhouse_employment_type_custom_field(value: Any, expected: list[str]) -> None:
    field = {"id": 1, "name": "Employment Type", "value_type": "single_select", "value": value}
    assert map_job(greenhouse(metadata=[field])).posting["employment_types"] == expected


def test_greenhouse_unknown_employment_type_is_left_out_and_noted() -> None:
    field = {"id": 1, "name": "Employment Type", "value_type": "single_select", "value": "Seasonal-ish"}
    mapped = map_job(greenhouse(metadata=[field]))
    assert "employment_types" not in mapped.posting
    assert mapped.notes == ("employment type 'Seasonal-ish' is none of ours; left out",)


def test_greenhouse_company_name_is_the_hiring_organization_over_the_defaults() -> None:
    posting = with_defaults(
        {"hiring_organization": {"name": "Default", "url": "https://acme.example.org"}},
        map_job(greenhouse(company_name="Vault-Tec")).posting,
    )
    assert posting["hiring_organization"] == {"name": "Vault-Tec", "url": "https://acme.example.org"}


def test_greenhouse_documented_example_validates_with_defaults() -> None:
    posting = with_defaults(DEFAULTS, map_job(greenhouse()).posting)
    assert assess(RawPosting("board", 0, posting), NOW).valid


# --- Lever ---------------------------------------------------------------------------------------------


def test_lever_ids_titles_urls_and_dates() -> None:
    posting = map_posting(lever()).posting
    assert posting["id"] == "lever-5ac21346-8e0c-4494-8e7a-3eb92ff77902"
    assert posting["title"] == "Product Designer"
    assert posting["apply_url"].endswith("/apply") and posting["url"] == LEVER_POSTING["hostedUrl"]
    assert posting["date_posted"] == "2025-11-20T08:40:00Z"  # createdAt, milliseconds since the epoch
    assert "updated_at" not in posting  # Lever's list has none: upload order decides


def test_lever_description_lists_and_additional_in_order() -> None:
    posting = map_posting(lever()).posting
    assert posting["description"] == (
        "<div>Opening.</div><div>Body.</div>"
        "<h3>What you'll do</h3><ul><li>Design</li><li>Test</li></ul>"
        "<h3>What you &lt;bring&gt;</h3><ul><li>Taste</li></ul>"
        "<div>Closing.</div>"
    )
    assert posting["description_format"] == "html"


@pytest.mark.parametrize(
    ("workplace_type", "expected"), [("on-site", "on_site"), ("hybrid", "hybrid"), ("remote", "remote")]
)
def test_lever_workplace_type(workplace_type: str, expected: str) -> None:
    assert map_posting(lever(workplaceType=workplace_type)).posting["workplace"] == expected


def test_lever_unspecified_workplace_is_read_from_the_location() -> None:
    posting = map_posting(lever({"allLocations": ["Remote - Germany"]}, workplaceType="unspecified")).posting
    assert posting["workplace"] == "remote" and posting["applicant_countries"] == ["DE"]


def test_lever_remote_posting_takes_its_country() -> None:
    posting = map_posting(lever({"allLocations": ["Remote"]}, workplaceType="remote", country="US")).posting
    assert (posting["workplace"], posting["applicant_countries"]) == ("remote", ["US"])
    assert "locations" not in posting


def test_lever_all_locations_and_a_city_completed_by_country() -> None:
    posting = map_posting(lever({"allLocations": ["Berlin, Germany", "Munich, Germany"]})).posting
    assert posting["locations"] == [
        {"country": "DE", "locality": "Berlin"},
        {"country": "DE", "locality": "Munich"},
    ]
    city_only = map_posting(lever({"allLocations": ["San Francisco"]}, country="US")).posting
    assert city_only["locations"] == [{"country": "US", "locality": "San Francisco"}]


@pytest.mark.parametrize("created_at", [10**18, -1, True, "1763628000000", float("inf")])
def test_lever_created_at_that_is_no_time_gives_no_date(created_at: Any) -> None:
    assert "date_posted" not in map_posting(lever(createdAt=created_at)).posting


def test_lever_city_without_country_is_left_out_and_noted() -> None:
    mapped = map_posting(lever({"allLocations": ["Bay Area"]}, country=None))
    assert "locations" not in mapped.posting
    assert mapped.notes == ("location 'Bay Area': 'Bay Area' names no country; left out",)


@pytest.mark.parametrize(
    ("commitment", "expected"),
    [
        ("Full-time", "FULL_TIME"),
        ("Part Time", "PART_TIME"),
        ("Contractor", "CONTRACTOR"),
        ("Internship", "INTERN"),
    ],
)
def test_lever_commitment_is_the_employment_type(commitment: str, expected: str) -> None:
    assert map_posting(lever({"commitment": commitment})).posting["employment_types"] == [expected]


def test_lever_team_and_department_are_categories() -> None:
    assert map_posting(lever()).posting["categories"] == ["Product", "Design"]


@pytest.mark.parametrize(
    ("salary_range", "expected"),
    [
        (
            {"currency": "EUR", "interval": "per-year-salary", "min": 70000, "max": 85000},
            {"currency": "EUR", "unit": "YEAR", "min": 70000, "max": 85000},
        ),
        (
            {"currency": "usd", "interval": "per-hour-wage", "min": 32, "max": 40},
            {"currency": "USD", "unit": "HOUR", "min": 32, "max": 40},
        ),
        (
            {"currency": "GBP", "interval": "per-month-salary", "min": 4000, "max": 4000},
            {"currency": "GBP", "unit": "MONTH", "value": 4000},
        ),
        (
            {"currency": "USD", "interval": "per-week-salary", "min": 900},
            {"currency": "USD", "unit": "WEEK", "value": 900},
        ),
    ],
)
def test_lever_salary_range_and_its_intervals(salary_range: dict[str, Any], expected: dict[str, Any]) -> None:
    assert map_posting(lever(salaryRange=salary_range)).posting["salary"] == expected


def test_lever_one_time_pay_is_left_out_and_noted() -> None:
    mapped = map_posting(lever(salaryRange={"currency": "USD", "interval": "one-time", "min": 5000}))
    assert "salary" not in mapped.posting
    assert mapped.notes and "salaryRange" in mapped.notes[0]


def test_lever_example_board_validates_with_defaults() -> None:
    board = json.loads((ROOT / "infra" / "fakes" / "boards" / "lever-acme.json").read_text("utf-8"))
    for mapped in map_board("lever", board, DEFAULTS):
        assert assess(RawPosting("board", 0, mapped.posting), NOW).valid, mapped


# --- defaults ------------------------------------------------------------------------------------------


def test_defaults_lie_under_the_ats_fields() -> None:
    defaults = {**DEFAULTS, "title": "never used", "channels": ["indeed"]}
    (mapped,) = map_board("greenhouse", [greenhouse()], defaults)
    assert mapped.posting["title"] == "Vault Designer"  # the ATS wins
    assert mapped.posting["channels"] == ["indeed"]  # what the ATS does not carry comes from the defaults
    assert mapped.posting["contact_email"] == "jobs@acme.example.org"


@pytest.mark.parametrize("document", [[], "x", {"id": "fixed"}])
def test_defaults_must_be_an_object_without_an_id(document: Any) -> None:
    with pytest.raises(DefaultsRejected):
        check_defaults(document)


# --- whatever a board sends --------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def shaped_like(example: Any) -> st.SearchStrategy[Any]:
    """Values shaped like the documented example, any JSON value in any place: keys missing, wrong types."""
    if isinstance(example, dict):
        return st.fixed_dictionaries(
            {}, optional={key: JSON_VALUES | shaped_like(value) for key, value in example.items()}
        )
    if isinstance(example, list) and example:
        return st.lists(JSON_VALUES | shaped_like(example[-1]), max_size=3)
    return st.just(example)


@settings(max_examples=400, deadline=None)
@given(shaped_like(GREENHOUSE_JOB))
def test_greenhouse_mapping_never_fails_on_what_a_board_sends(job: dict[str, Any]) -> None:
    posting = with_defaults(DEFAULTS, map_job(job).posting)
    assess(RawPosting("board", 0, posting), NOW)  # valid or not, with reasons: never an exception


@settings(max_examples=400, deadline=None)
@given(shaped_like(LEVER_POSTING))
def test_lever_mapping_never_fails_on_what_a_board_sends(posting_data: dict[str, Any]) -> None:
    posting = with_defaults(DEFAULTS, map_posting(posting_data).posting)
    assess(RawPosting("board", 0, posting), NOW)
