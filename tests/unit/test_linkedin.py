"""The LinkedIn Job Posting API renderer: fields, mappings, readiness and batching."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.channels import linkedin
from syndicate.core.description import build_description
from syndicate.core.model import Description, Location, Organization, Salary
from tests import factories

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ALLOWED = {"b", "strong", "u", "i", "br", "p", "ul", "li"}

LONG_TEXT = (
    "Join our 24-bed ICU. You will care for critically ill adults and work three 12-hour night "
    "shifts a week. BSN and an active Illinois RN license required."
)


def ms(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1000


make_posting = partial(
    factories.make_posting,
    description=build_description(LONG_TEXT, "text"),
    url="https://lakeshore.example.org/careers/2207/apply",
    contact_email="icu-recruiting@lakeshore.example.org",
    education="bachelor_degree",
)


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    return collector


def codes(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in problems]


# The job ----------------------------------------------------------------------------------------


def test_job_carries_every_field_the_posting_has() -> None:
    job = linkedin.render_job(make_posting(), NOW)
    assert job["externalJobPostingId"] == "RN-ICU-2207"
    assert job["jobPostingOperationType"] == "CREATE"
    assert job["title"] == "Registered Nurse, Intensive Care (Nights)"
    assert job["description"] == f"<p>{LONG_TEXT}</p>"
    assert job["companyApplyUrl"] == "https://lakeshore.example.org/careers/2207/apply"
    assert job["listedAt"] == ms(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    assert job["location"] == "Chicago, Illinois"
    assert "alternateLocations" not in job
    assert job["workplaceTypes"] == ["On-site"]
    assert job["employmentStatus"] == "FULL_TIME"
    assert job["companyName"] == "Lakeshore General Hospital"
    assert job["companyPageUrl"] == "https://lakeshore.example.org"
    assert "integrationContext" not in job
    assert job["expireAt"] == ms(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert job["posterEmail"] == "icu-recruiting@lakeshore.example.org"
    assert job["compensation"] == {
        "compensations": [
            {
                "value": {
                    "range": {
                        "start": {"amount": "42.50", "currencyCode": "USD"},
                        "end": {"amount": "58", "currencyCode": "USD"},
                    }
                },
                "period": "HOURLY",
                "type": "BASE_SALARY",
            }
        ]
    }
    assert "companyJobCode" not in job  # the requisition id is the job's own id
    assert json.loads(json.dumps(job)) == job


def test_example_posting_is_ready() -> None:
    assert linkedin.readiness(make_posting(), NOW) == []


def test_markdown_headings_become_bold_paragraphs_and_ordered_lists_bullets() -> None:
    source = (
        "# About the role\n\nYou will lead a **small** team of *nurses*.\n\n"
        "## Steps\n\n1. Apply online\n2. Meet the team\n\n> Quoted praise\n\n"
        "| Shift | Hours |\n|---|---|\n| Night | 12 |\n"
    )
    job = linkedin.render_job(make_posting(description=build_description(source, "markdown")), NOW)
    html = job["description"]
    assert html.startswith("<p><b>About the role</b></p>")
    assert "<p><b>Steps</b></p><ul><li>Apply online</li><li>Meet the team</li></ul>" in html
    parsed = parse(html)
    assert set(parsed.tags) <= ALLOWED
    assert {"h1", "h2", "ol", "em", "blockquote", "table"}.isdisjoint(parsed.tags)
    assert "Quoted praise" in "".join(parsed.text)
    assert "Night" in "".join(parsed.text)


def test_linkedin_hashtags_are_kept_as_a_last_paragraph() -> None:
    description = build_description(LONG_TEXT + "\n\n#LI-Remote #LI-MM1", "text")
    assert description.hashtags == ("#LI-Remote", "#LI-MM1")
    job = linkedin.render_job(make_posting(description=description), NOW)
    assert job["description"].endswith("<p>#LI-Remote #LI-MM1</p>")
    assert job["description"].count("#LI-") == 2


def test_hashtags_in_mid_sentence_move_to_the_end() -> None:
    description = build_description("We hire nurses #LI-Hybrid in Chicago. " + LONG_TEXT, "text")
    html = linkedin.render_job(make_posting(description=description), NOW)["description"]
    assert html.index("#LI-Hybrid") > html.index("Chicago")
    assert html.endswith("<p>#LI-Hybrid</p>")


def test_hostile_html_is_stripped() -> None:
    source = (
        "<script>alert('x')</script><style>p{color:red}</style>"
        '<p onclick="steal()">Hello <a href="javascript:alert(1)">there</a>'
        '<img src=x onerror="alert(2)"></p><iframe src="https://evil.example"></iframe>'
        "<h3>Duties</h3><ol><li>Care</li></ol>" + f"<p>{LONG_TEXT}</p>"
    )
    html = linkedin.render_job(make_posting(description=build_description(source, "html")), NOW)[
        "description"
    ]
    parsed = parse(html)
    assert set(parsed.tags) <= ALLOWED
    assert parsed.attrs == []
    for word in ("alert", "steal", "javascript", "color:red", "evil"):
        assert word not in html
    assert "<p><b>Duties</b></p><ul><li>Care</li></ul>" in html


def test_text_is_escaped_not_interpreted() -> None:
    source = "Salary < 100 & benefits > none; we write <b> literally. " + LONG_TEXT
    html = linkedin.render_job(make_posting(description=build_description(source, "text")), NOW)[
        "description"
    ]
    assert "Salary &lt; 100 &amp; benefits &gt; none; we write &lt;b&gt; literally." in html


# Mappings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (("FULL_TIME",), "FULL_TIME"),
        (("PART_TIME",), "PART_TIME"),
        (("CONTRACTOR",), "CONTRACT"),
        (("TEMPORARY",), "TEMPORARY"),
        (("INTERN",), "INTERNSHIP"),
        (("VOLUNTEER",), "VOLUNTEER"),
        (("PART_TIME", "FULL_TIME"), "PART_TIME"),
        (("PER_DIEM",), None),
        (("OTHER", "FULL_TIME"), None),
        ((), None),
    ],
)
def test_employment_status_is_the_primary_type(types: tuple[Any, ...], expected: str | None) -> None:
    job = linkedin.render_job(make_posting(employment_types=types), NOW)
    assert job.get("employmentStatus") == expected
    assert ("employmentStatus" in job) == (expected is not None)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("internship", "INTERNSHIP"),
        ("entry_level", "ENTRY_LEVEL"),
        ("associate", "ASSOCIATE"),
        ("mid_senior", "MID_SENIOR_LEVEL"),
        ("director", "DIRECTOR"),
        ("executive", "EXECUTIVE"),
        ("not_applicable", "NOT_APPLICABLE"),
        (None, None),
    ],
)
def test_experience_level(level: str | None, expected: str | None) -> None:
    job = linkedin.render_job(make_posting(experience_level=level), NOW)
    assert job.get("experienceLevel") == expected
    assert ("experienceLevel" in job) == (expected is not None)


@pytest.mark.parametrize(
    ("workplace", "expected"), [("on_site", "On-site"), ("hybrid", "Hybrid"), ("remote", "Remote")]
)
def test_workplace_type_is_a_one_element_list(workplace: Any, expected: str) -> None:
    job = linkedin.render_job(make_posting(workplace=workplace, applicant_countries=("US",)), NOW)
    assert job["workplaceTypes"] == [expected]


def test_organization_id_wins_over_company_name() -> None:
    organization = Organization(
        name="Lakeshore", url="https://lakeshore.example.org", linkedin_organization_id="1234"
    )
    job = linkedin.render_job(make_posting(hiring_organization=organization), NOW)
    assert job["integrationContext"] == "urn:li:organization:1234"
    assert "companyName" not in job
    assert "companyPageUrl" not in job


def test_company_name_without_url() -> None:
    job = linkedin.render_job(make_posting(hiring_organization=Organization(name="Lakeshore")), NOW)
    assert job["companyName"] == "Lakeshore"
    assert "companyPageUrl" not in job


def test_requisition_id_goes_to_company_job_code_when_different() -> None:
    job = linkedin.render_job(make_posting(requisition_id="REQ-77"), NOW)
    assert job["companyJobCode"] == "REQ-77"


@pytest.mark.parametrize(
    ("unit", "period"),
    [("HOUR", "HOURLY"), ("DAY", "DAILY"), ("WEEK", "WEEKLY"), ("MONTH", "MONTHLY"), ("YEAR", "YEARLY")],
)
def test_salary_period(unit: Any, period: str) -> None:
    salary = Salary(currency="EUR", unit=unit, value=Decimal("3000"))
    job = linkedin.render_job(make_posting(salary=salary), NOW)
    assert job["compensation"] == {
        "compensations": [
            {
                "value": {"exactAmount": {"amount": "3000", "currencyCode": "EUR"}},
                "period": period,
                "type": "BASE_SALARY",
            }
        ]
    }


def test_a_fixed_salary_is_an_exact_amount_and_a_range_is_a_range() -> None:
    """LinkedIn's schema page, "Compensation Schema"
    (https://learn.microsoft.com/en-us/linkedin/talent/job-postings/api/job-posting-api-schema):
    `value` is "The compensation amount, which may be either "range" or "exactAmount"", and its
    sample nests `{"range": {"start": ..., "end": ...}}` under `value`. LinkedIn's Java SDK models
    `value` as a bare `{start, end}`, a shape the API documents nowhere: the API's own page
    decides (docs/channels/linkedin.md, "Compensation")."""
    fixed = Salary(currency="USD", unit="YEAR", value=Decimal("85000"))
    (entry,) = linkedin.render_job(make_posting(salary=fixed), NOW)["compensation"]["compensations"]
    assert entry["value"] == {"exactAmount": {"amount": "85000", "currencyCode": "USD"}}
    ranged = Salary(currency="USD", unit="HOUR", min=Decimal("42.5"), max=Decimal("58"))
    (entry,) = linkedin.render_job(make_posting(salary=ranged), NOW)["compensation"]["compensations"]
    assert entry["value"] == {
        "range": {
            "start": {"amount": "42.50", "currencyCode": "USD"},
            "end": {"amount": "58", "currencyCode": "USD"},
        }
    }


def test_minimum_without_maximum_sends_no_compensation() -> None:
    salary = Salary(currency="USD", unit="YEAR", min=Decimal("50000"))
    assert "compensation" not in linkedin.render_job(make_posting(salary=salary), NOW)
    assert "compensation" not in linkedin.render_job(make_posting(salary=None), NOW)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("42.5"), "42.50"),
        (Decimal("58"), "58"),
        (Decimal("100000.00"), "100000"),
        (Decimal("1E+5"), "100000"),
        (Decimal("0.1") + Decimal("0.2"), "0.30"),
        (Decimal("12.345"), "12.345"),
    ],
)
def test_amounts_are_plain_decimal_strings(amount: Decimal, text: str) -> None:
    assert linkedin.amount_string(amount) == text


def test_listed_at_never_in_the_future() -> None:
    ahead = make_posting(date_posted=NOW + timedelta(hours=12))
    assert linkedin.render_job(ahead, NOW)["listedAt"] == ms(NOW)
    behind = make_posting(date_posted=NOW - timedelta(days=3))
    assert linkedin.render_job(behind, NOW)["listedAt"] == ms(NOW - timedelta(days=3))


def test_listed_at_keeps_milliseconds() -> None:
    moment = datetime(2026, 11, 20, 15, 0, 0, 123456, tzinfo=UTC)
    assert (
        linkedin.render_job(make_posting(date_posted=moment), NOW)["listedAt"]
        == ms(moment.replace(microsecond=0)) + 123
    )


@pytest.mark.parametrize(
    ("valid_through", "sent"),
    [
        (None, False),
        (NOW + timedelta(hours=23), False),  # LinkedIn wants more than a day ahead
        (NOW + timedelta(days=2), True),
        (NOW + timedelta(days=180), True),
        (NOW + timedelta(days=181), False),  # beyond LinkedIn's window: its default expiry applies
    ],
)
def test_expire_at_only_inside_linkedins_window(valid_through: datetime | None, sent: bool) -> None:
    job = linkedin.render_job(make_posting(valid_through=valid_through), NOW)
    assert ("expireAt" in job) == sent
    if sent:
        assert valid_through is not None
        assert job["expireAt"] == ms(valid_through)


def test_closed_posting_closes() -> None:
    assert linkedin.render_job(make_posting(status="closed"), NOW)["jobPostingOperationType"] == "CLOSE"


def test_expired_open_posting_closes() -> None:
    expired = make_posting(valid_through=NOW - timedelta(minutes=1))
    assert linkedin.render_job(expired, NOW)["jobPostingOperationType"] == "CLOSE"


@pytest.mark.parametrize("operation", ["UPDATE", "RENEW", "CLOSE", "CREATE"])
def test_caller_chooses_operation(operation: str) -> None:
    assert linkedin.render_job(make_posting(), NOW, operation)["jobPostingOperationType"] == operation


def test_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="DELETE"):
        linkedin.render_job(make_posting(), NOW, "DELETE")


def test_skills_become_a_list_with_text_escaped() -> None:
    job = linkedin.render_job(make_posting(skills=("ICU care", "<script>x</script> & BLS")), NOW)
    assert (
        job["skillsDescription"]
        == "<ul><li>ICU care</li><li>&lt;script&gt;x&lt;/script&gt; &amp; BLS</li></ul>"
    )
    assert "skillsDescription" not in linkedin.render_job(make_posting(skills=()), NOW)


def test_skills_stop_at_whole_skills_within_4000_characters() -> None:
    skills = tuple(f"skill {n:03d} " + "x" * 180 for n in range(50))
    text = linkedin.render_job(make_posting(skills=skills), NOW)["skillsDescription"]
    assert len(text) <= 4000
    items = parse(text).text
    assert 0 < len(items) < 50
    assert list(items) == list(skills[: len(items)])


# Locations --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "text"),
    [
        (Location(country="US", locality="Chicago", region="IL"), "Chicago, Illinois"),
        (Location(country="DE", locality="München", region="BY"), "München, Bayern"),
        (Location(country="GB", locality="Leeds"), "Leeds, United Kingdom"),
        (Location(country="CA", region="Ontario"), "Canada"),
        (Location(country="US", locality="Springfield", region="Zed"), "Springfield, Zed"),
        (Location(country="DE", postal_code="80331"), "80331, DE"),
        (Location(country="DE", region="BY", postal_code="80331"), "80331, DE"),
        (Location(country="CD", locality="Kinshasa"), "Kinshasa, Democratic Republic of the Congo"),
        (Location(country="IN"), "India"),
    ],
)
def test_location_strings(location: Location, text: str) -> None:
    """LinkedIn's OpenAPI (github.com/linkedin-developers/job-posting-development-tools,
    OpenAPI-specification/job_posting_v2.yaml): `location` "Must be in the format "CITY, STATE",
    "CITY, PROVINCE", "CITY, COUNTRY" or "POSTALCODE, COUNTRYCODE"", a bare country for a remote
    job. Every string has two parts at most (docs/channels/linkedin.md, "Location")."""
    assert linkedin.location_string(location) == text
    assert text.count(",") <= 1 or location.country == "CD"  # the DRC's own name has no comma


def test_a_region_alone_does_not_place_a_job_that_is_not_remote() -> None:
    """No documented form is "REGION, COUNTRY": the posting needs a city or a postal code."""
    posting = make_posting(locations=(Location(country="CA", region="ON"),))
    assert ("/locations/0", "location_too_vague") in codes(linkedin.readiness(posting, NOW))
    remote = make_posting(workplace="remote", locations=(Location(country="CA", region="ON"),))
    assert linkedin.readiness(remote, NOW) == []


def test_several_locations_become_alternates_without_duplicates() -> None:
    locations = (
        Location(country="US", locality="Chicago", region="IL", street_address="1 A St"),
        Location(country="US", locality="Chicago", region="IL", street_address="2 B St"),
        Location(country="US", locality="Evanston", region="IL"),
    )
    job = linkedin.render_job(make_posting(locations=locations), NOW)
    assert job["location"] == "Chicago, Illinois"
    assert job["alternateLocations"] == ["Evanston, Illinois"]


def test_remote_job_in_two_countries() -> None:
    posting = make_posting(workplace="remote", locations=(), applicant_countries=("MX", "CA"))
    job = linkedin.render_job(posting, NOW)
    assert job["location"] == "Mexico"
    assert job["alternateLocations"] == ["Canada"]
    assert job["workplaceTypes"] == ["Remote"]
    assert linkedin.readiness(posting, NOW) == []


def test_remote_job_with_an_office_uses_the_office() -> None:
    posting = make_posting(workplace="remote", applicant_countries=("US", "CA"))
    job = linkedin.render_job(posting, NOW)
    assert job["location"] == "Chicago, Illinois"
    assert "alternateLocations" not in job


# Readiness --------------------------------------------------------------------------------------


def test_not_selected() -> None:
    problems = linkedin.readiness(make_posting(channels=("indeed",), contact_email=None), NOW)
    assert codes(problems) == [("/channels", "channel_not_selected")]


def test_short_description() -> None:
    posting = make_posting(description=build_description("Nurse wanted. #LI-Onsite", "text"))
    problems = linkedin.readiness(posting, NOW)
    assert codes(problems) == [("/description", "description_too_short")]
    assert "100" in problems[0].message


def test_empty_description_is_reported_once() -> None:
    posting = make_posting(description=Description(html="", text=""))
    assert codes(linkedin.readiness(posting, NOW)) == [("/description", "description_too_short")]


def test_description_of_exactly_100_characters_is_enough() -> None:
    text = "x" * 100
    posting = make_posting(description=build_description(text, "text"))
    assert linkedin.readiness(posting, NOW) == []
    short = make_posting(description=build_description(text[:-1], "text"))
    assert codes(linkedin.readiness(short, NOW)) == [("/description", "description_too_short")]


def test_long_description() -> None:
    posting = make_posting(description=build_description("word " * 6000, "text"))
    assert codes(linkedin.readiness(posting, NOW)) == [("/description", "max_length")]


def test_missing_poster_email() -> None:
    problems = linkedin.readiness(make_posting(contact_email=None), NOW)
    assert codes(problems) == [("/contact_email", "required")]
    assert "email" in problems[0].message


def test_too_many_locations() -> None:
    cities = [f"Town {n}" for n in range(9)]
    posting = make_posting(locations=tuple(Location(country="US", locality=c, region="IL") for c in cities))
    problems = linkedin.readiness(posting, NOW)
    assert codes(problems) == [("/locations", "too_many_locations")]
    job = linkedin.render_job(posting, NOW)
    assert len(job["alternateLocations"]) == 7  # the rendered job stays within LinkedIn's rules


def test_eight_locations_fit() -> None:
    posting = make_posting(
        locations=tuple(Location(country="US", locality=f"Town {n}", region="IL") for n in range(8))
    )
    assert linkedin.readiness(posting, NOW) == []


def test_too_many_remote_countries() -> None:
    countries = ("US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "UY")
    posting = make_posting(workplace="remote", locations=(), applicant_countries=countries)
    assert codes(linkedin.readiness(posting, NOW)) == [("/applicant_countries", "too_many_locations")]


def test_bare_country_only_for_remote_jobs() -> None:
    posting = make_posting(locations=(Location(country="US"),))
    assert codes(linkedin.readiness(posting, NOW)) == [("/locations/0", "location_too_vague")]
    remote = make_posting(
        workplace="remote", locations=(Location(country="US"),), applicant_countries=("US",)
    )
    assert linkedin.readiness(remote, NOW) == []


def test_no_location_at_all() -> None:
    posting = make_posting(workplace="remote", locations=(), applicant_countries=())
    assert codes(linkedin.readiness(posting, NOW)) == [("/applicant_countries", "required")]


# Extension overlay ------------------------------------------------------------------------------


def test_overlay_is_laid_over_last() -> None:
    extensions = {"linkedin": {"listingType": "BASIC", "title": "ICU Nurse (Nights)", "companyPageUrl": None}}
    posting = make_posting(extensions=extensions)
    job = linkedin.render_job(posting, NOW)
    assert job["listingType"] == "BASIC"
    assert job["title"] == "ICU Nurse (Nights)"
    assert "companyPageUrl" not in job
    assert linkedin.readiness(posting, NOW) == []


def test_overlay_values_are_copies() -> None:
    extensions = {"linkedin": {"alternateLocations": ["Evanston, Illinois, United States"]}}
    posting = make_posting(extensions=extensions)
    linkedin.render_job(posting, NOW)["alternateLocations"].append("Oops")
    assert posting.extensions["linkedin"]["alternateLocations"] == ["Evanston, Illinois, United States"]


def one_compensation(value: dict[str, Any]) -> dict[str, Any]:
    return {"compensations": [{"value": value, "period": "HOURLY", "type": "BASE_SALARY"}]}


EIGHT_ALTERNATES = [f"Town {n}, IL" for n in range(8)]
START_ONLY = {"range": {"start": {"amount": "5", "currencyCode": "USD"}}}
NUMBER_AMOUNT = {"exactAmount": {"amount": 5, "currencyCode": "USD"}}
BACKWARDS = {
    "range": {"start": {"amount": "9", "currencyCode": "USD"}, "end": {"amount": "5", "currencyCode": "USD"}}
}
MIXED = {
    "range": {"start": {"amount": "5", "currencyCode": "USD"}, "end": {"amount": "9", "currencyCode": "EUR"}}
}


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        ({"title": "x" * 201}, ("title", "max_length")),
        ({"externalJobPostingId": "x" * 76}, ("externalJobPostingId", "max_length")),
        ({"workplaceTypes": ["On-site", "Remote"]}, ("workplaceTypes", "enum")),
        ({"workplaceTypes": "Remote"}, ("workplaceTypes", "enum")),
        ({"employmentStatus": "OTHER"}, ("employmentStatus", "enum")),
        ({"experienceLevel": "SENIOR"}, ("experienceLevel", "enum")),
        ({"alternateLocations": EIGHT_ALTERNATES}, ("alternateLocations", "max_items")),
        ({"alternateLocations": "Evanston"}, ("alternateLocations", "type")),
        ({"posterEmail": None}, ("posterEmail", "required")),
        ({"integrationContext": "1234"}, ("integrationContext", "format")),
        ({"companyName": None}, ("companyName", "required")),
        ({"companyApplyUrl": "javascript:alert(1)"}, ("companyApplyUrl", "format")),
        ({"listedAt": ms(NOW) + 1}, ("listedAt", "future_date")),
        ({"listedAt": "yesterday"}, ("listedAt", "required")),
        ({"expireAt": ms(NOW + timedelta(hours=2))}, ("expireAt", "expire_window")),
        ({"jobPostingOperationType": "DELETE"}, ("jobPostingOperationType", "enum")),
        ({"skillsDescription": "<h2>Skills</h2>"}, ("skillsDescription", "html_tags")),
        ({"compensation": {"compensations": []}}, ("compensation", "format")),
        ({"compensation": one_compensation(START_ONLY)}, ("compensation", "format")),
        ({"compensation": one_compensation(NUMBER_AMOUNT)}, ("compensation", "format")),
        ({"compensation": one_compensation(BACKWARDS)}, ("compensation", "format")),
        ({"compensation": one_compensation(MIXED)}, ("compensation", "format")),
    ],
)
def test_overlay_breaking_a_rule(overlay: dict[str, Any], expected: tuple[str, str]) -> None:
    problems = linkedin.readiness(make_posting(extensions={"linkedin": overlay}), NOW)
    key, code = expected
    assert codes(problems) == [(f"/extensions/linkedin/{key}", code)]
    assert all(p.message for p in problems)


def test_overlay_description_is_checked_as_linkedin_sees_it() -> None:
    short = make_posting(extensions={"linkedin": {"description": "<p>Too short</p>"}})
    assert codes(linkedin.readiness(short, NOW)) == [
        ("/extensions/linkedin/description", "description_too_short")
    ]
    headed = make_posting(extensions={"linkedin": {"description": f"<h1>Role</h1><p>{LONG_TEXT}</p>"}})
    problems = linkedin.readiness(headed, NOW)
    assert codes(problems) == [("/extensions/linkedin/description", "html_tags")]
    assert "h1" in problems[0].message


def test_overlay_with_valid_compensation_passes() -> None:
    compensation = {
        "compensations": [
            {
                "value": {
                    "range": {
                        "start": {"amount": "50000", "currencyCode": "USD"},
                        "end": {"amount": "65000.50", "currencyCode": "USD"},
                    }
                },
                "period": "YEARLY",
                "type": "BASE_SALARY",
            },
            {
                "value": {"exactAmount": {"amount": "5000", "currencyCode": "USD"}},
                "period": "YEARLY",
                "type": "BONUS",
            },
        ]
    }
    assert (
        linkedin.readiness(make_posting(extensions={"linkedin": {"compensation": compensation}}), NOW) == []
    )


def test_overlay_pointer_escapes_json_pointer_characters() -> None:
    problems = linkedin.readiness(make_posting(extensions={"linkedin": {"posterEmail": None}}), NOW)
    assert problems[0].pointer == "/extensions/linkedin/posterEmail"
    assert linkedin._pointer_for("a/b~c", make_posting(), {"a/b~c": 1}) == "/extensions/linkedin/a~1b~0c"


# Batching ---------------------------------------------------------------------------------------


def job_with_id(job_id: str, operation: str = "CREATE") -> dict[str, Any]:
    return {"externalJobPostingId": job_id, "jobPostingOperationType": operation}


def test_request_body() -> None:
    jobs = [job_with_id("a"), job_with_id("b")]
    assert linkedin.render_request(jobs) == {"elements": jobs}


def test_request_refuses_more_than_100_jobs_or_duplicates() -> None:
    with pytest.raises(ValueError, match="100"):
        linkedin.render_request([job_with_id(str(n)) for n in range(101)])
    with pytest.raises(ValueError, match="same externalJobPostingId"):
        linkedin.render_request([job_with_id("a"), job_with_id("a", "UPDATE")])


def test_101_jobs_make_two_bodies() -> None:
    jobs = [job_with_id(f"job-{n}") for n in range(101)]
    bodies = list(linkedin.batch_requests(jobs))
    assert [len(body["elements"]) for body in bodies] == [100, 1]
    assert [job for body in bodies for job in body["elements"]] == jobs


def test_exactly_100_jobs_make_one_body() -> None:
    assert len(list(linkedin.batch_requests(job_with_id(str(n)) for n in range(100)))) == 1
    assert list(linkedin.batch_requests([])) == []


def test_a_duplicate_goes_to_a_later_body_in_order() -> None:
    jobs = [
        job_with_id("a"),
        job_with_id("b"),
        job_with_id("a", "UPDATE"),
        job_with_id("c"),
        job_with_id("a", "CLOSE"),
    ]
    bodies = [body["elements"] for body in linkedin.batch_requests(jobs)]
    assert bodies == [jobs[:2], jobs[2:4], jobs[4:]]
    for body in bodies:
        ids = [job["externalJobPostingId"] for job in body]
        assert len(ids) == len(set(ids))


def test_rendered_jobs_batch() -> None:
    postings = [make_posting(id=f"RN-{n}") for n in range(3)]
    (body,) = linkedin.batch_requests(linkedin.render_job(p, NOW) for p in postings)
    assert [job["externalJobPostingId"] for job in body["elements"]] == ["RN-0", "RN-1", "RN-2"]
    assert json.loads(json.dumps(body)) == body


# Property ---------------------------------------------------------------------------------------

_html_bits = st.sampled_from(
    ["<p>", "</p>", "<h2>", "</h2>", "<ol><li>", "</li></ol>", "<script>", "</script>", "<a href='x'>",
     "</a>", "<table><tr><td>", "</td></tr></table>", "<b>", "</b>", "<br>", "&amp;", "&lt;", "<!--",
     "-->", "]]>", "#LI-Remote", " #LI-AB1 ", "\n\n", "\n- ", "# ", "1. ", "**", "`", "<img onerror=x>"]
)  # fmt: skip
_source = st.lists(st.one_of(st.text(max_size=30), _html_bits), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    source=_source,
    description_format=st.sampled_from(["text", "markdown", "html"]),
    title=st.text(min_size=1, max_size=200),
    skills=st.lists(st.text(min_size=1, max_size=200), max_size=5),
)
def test_any_text_renders_to_json_with_only_linkedin_tags(
    source: str, description_format: str, title: str, skills: list[str]
) -> None:
    posting = make_posting(
        description=build_description(source, description_format), title=title, skills=tuple(skills)
    )
    job = linkedin.render_job(posting, NOW)
    assert json.loads(json.dumps(job)) == job
    for field in ("description", "skillsDescription"):
        if field in job:
            parsed = parse(job[field])
            assert set(parsed.tags) <= ALLOWED
            assert parsed.attrs == []
    for problem in linkedin.readiness(posting, NOW):
        assert problem.message
        assert problem.pointer.startswith("/")
