"""Every error code of the contract, each with its pointer and a readable message."""

from __future__ import annotations

from typing import Any

import pytest

from syndicate.core.validation import field_label, validate
from tests.factories import NOW, raw_posting


def codes(raw: Any) -> set[tuple[str, str]]:
    return {(p.pointer, p.code) for p in validate(raw, NOW)}


def test_minimal_posting_is_valid() -> None:
    assert validate(raw_posting(), NOW) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": ...}, ("/id", "required")),
        ({"title": ...}, ("/title", "required")),
        ({"hiring_organization": {}}, ("/hiring_organization/name", "required")),
        ({"colour": "blue"}, ("/colour", "unknown_field")),
        (
            {"hiring_organization": {"name": "A", "twitter": "@a"}},
            ("/hiring_organization/twitter", "unknown_field"),
        ),
        ({"title": 42}, ("/title", "type")),
        ({"status": "paused"}, ("/status", "enum")),
        ({"employment_types": ["FULLTIME"]}, ("/employment_types/0", "enum")),
        ({"id": "-starts-with-dash"}, ("/id", "pattern")),
        ({"id": "x" * 65}, ("/id", "maxLength")),
        ({"title": ""}, ("/title", "minLength")),
        ({"title": "   "}, ("/title", "pattern")),
        ({"title": "T" * 201}, ("/title", "maxLength")),
        ({"description": "d" * 65_001}, ("/description", "maxLength")),
        ({"skills": ["s" * 201]}, ("/skills/0", "maxLength")),
        ({"employment_types": []}, ("/employment_types", "minItems")),
        (
            {"locations": [{"country": "US", "locality": f"City {i}"} for i in range(51)]},
            ("/locations", "maxItems"),
        ),
        ({"employment_types": ["FULL_TIME", "FULL_TIME"]}, ("/employment_types", "uniqueItems")),
        ({"salary": {"currency": "USD", "unit": "HOUR", "value": 0}}, ("/salary/value", "exclusiveMinimum")),
        ({"experience_months": -1}, ("/experience_months", "minimum")),
        (
            {"salary": {"currency": "USD", "unit": "HOUR", "value": 20, "min": 10}},
            ("/salary", "salary_amount"),
        ),
        ({"salary": {"currency": "USD", "unit": "HOUR", "max": 10}}, ("/salary", "salary_amount")),
        ({"apply_url": "javascript:alert(1)"}, ("/apply_url", "pattern")),
        ({"apply_url": "ftp://example.com/x"}, ("/apply_url", "pattern")),
        ({"apply_url": "https://nohost/"}, ("/apply_url", "url")),
        ({"contact_email": "not-an-email"}, ("/contact_email", "pattern")),
        ({"date_posted": "20/11/2026"}, ("/date_posted", "pattern")),
        ({"date_posted": "2026-02-30"}, ("/date_posted", "date")),
        ({"updated_at": "2026-11-20"}, ("/updated_at", "pattern")),
        ({"date_posted": "2026-11-28T12:00:01Z"}, ("/date_posted", "date_posted_future")),
        ({"valid_through": "2026-11-19"}, ("/valid_through", "valid_through_order")),
        ({"locations": ...}, ("/locations", "locations_required")),
        ({"locations": []}, ("/locations", "locations_required")),
        ({"workplace": "remote", "locations": ...}, ("/applicant_countries", "applicant_countries_required")),
        ({"locations": [{"country": "XX"}]}, ("/locations/0/country", "country")),
        ({"workplace": "remote", "applicant_countries": ["US", "QQ"]}, ("/applicant_countries/1", "country")),
        ({"locations": [{"country": "us"}]}, ("/locations/0/country", "pattern")),
        ({"salary": {"currency": "XYZ", "unit": "YEAR", "value": 1}}, ("/salary/currency", "currency")),
        (
            {"salary": {"currency": "USD", "unit": "YEAR", "min": 30, "max": 20}},
            ("/salary/max", "salary_range"),
        ),
        ({"title": "Nurse <b>urgent</b>"}, ("/title", "title_markup")),
        (
            {"hiring_organization": {"name": "A", "linkedin_organization_id": "urn:li:1"}},
            ("/hiring_organization/linkedin_organization_id", "pattern"),
        ),
        ({"channels": ["facebook"]}, ("/channels/0", "enum")),
        ({"extensions": {"monster": {}}}, ("/extensions/monster", "unknown_field")),
    ],
)
def test_each_rule_reports_its_pointer_and_code(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    problems = validate(raw_posting(**changes), NOW)
    assert expected in {(p.pointer, p.code) for p in problems}
    for problem in problems:
        assert problem.message.endswith((".", "?")), problem
        assert len(problem.message) > 10


def test_a_posting_that_is_not_an_object() -> None:
    assert codes(["not", "a", "posting"]) == {("", "type")}
    (problem,) = validate(None, NOW)
    assert "the posting must be an object" in problem.message


def test_messages_speak_to_recruiters() -> None:
    (problem,) = validate(raw_posting(locations=[{"country": "us"}]), NOW)
    assert problem.message == (
        "locations[0].country must be a two-letter ISO 3166-1 code in capitals, e.g. US; "
        'got "us". Did you mean "US"?'
    )
    (problem,) = validate(raw_posting(hiring_organization={}), NOW)
    assert problem.message == "hiring_organization.name is required."


def test_empty_title_is_reported_once() -> None:
    assert [p.code for p in validate(raw_posting(title=""), NOW)] == ["minLength"]


def test_remote_job_needs_no_location() -> None:
    assert (
        validate(raw_posting(workplace="remote", locations=..., applicant_countries=["MX", "US"]), NOW) == []
    )


def test_date_rules_follow_the_contract() -> None:
    # A date means 00:00 UTC (posted) and 23:59:59 UTC (valid through): the same day is in order.
    assert validate(raw_posting(date_posted="2026-11-20", valid_through="2026-11-20"), NOW) == []
    # Up to 24 hours ahead is allowed (time zones), beyond is not.
    assert validate(raw_posting(date_posted="2026-11-27T12:00:00+00:00"), NOW) == []
    assert (
        validate(
            raw_posting(date_posted="2026-11-20T09:00:00.125-06:00", updated_at="2026-11-21T00:00:00Z"), NOW
        )
        == []
    )


def test_many_problems_are_all_reported_sorted_by_field() -> None:
    problems = validate(
        raw_posting(id="bad id", title=..., salary={"currency": "usd", "unit": "YEAR", "value": 1}), NOW
    )
    assert [p.pointer for p in problems] == sorted(p.pointer for p in problems)
    assert {("/id", "pattern"), ("/title", "required"), ("/salary/currency", "pattern")} <= {
        (p.pointer, p.code) for p in problems
    }


def test_field_labels() -> None:
    assert field_label("/locations/0/country") == "locations[0].country"
    assert field_label("") == "the posting"


def test_deeply_nested_posting_is_refused_not_a_crash() -> None:
    deep: dict[str, Any] = {}
    cursor = deep
    for _ in range(600):
        cursor["a"] = {}
        cursor = cursor["a"]
    problems = validate(raw_posting(extensions={"linkedin": deep}), NOW)
    assert [(p.pointer, p.code) for p in problems] == [("", "depth")]
    # Real extension objects of a few levels are fine.
    assert validate(raw_posting(extensions={"schemaorg": {"industry": "Health"}}), NOW) == []


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    # Checked here rather than at every cold start.
    import jsonschema

    from syndicate.core.validation import posting_schema

    jsonschema.Draft202012Validator.check_schema(posting_schema())
