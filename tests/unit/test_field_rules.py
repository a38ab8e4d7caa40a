"""The escape hatch gets the rules of the fields it replaces; URLs and titles that could mislead are
refused with a code."""

from __future__ import annotations

from typing import Any

import pytest

from syndicate.core.assess import assess
from syndicate.core.intake import RawPosting
from tests.factories import NOW, raw_posting


def errors(**changes: Any) -> set[tuple[str, str]]:
    result = assess(RawPosting("x.json", 0, raw_posting(**changes)), NOW)
    return {(p.pointer, p.code) for p in result.errors}


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        ("indeed", "url"),
        ("schemaorg", "url"),
        ("schemaorg", "sameAs"),
        ("schemaorg", "logo"),
        ("linkedin", "companyApplyUrl"),
    ],
)
@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        'https://a.example/"onmouseover="alert(1)',
        "https://a.example/<script>",
        "https://a.example/a b",
        "https://a.example/\tb",
        "https://nohost/",
    ],
)
def test_an_overlay_address_gets_the_url_rules(channel: str, key: str, address: str) -> None:
    assert (f"/extensions/{channel}/{key}", "url") in errors(extensions={channel: {key: address}})


def test_nested_overlay_addresses_are_checked_too() -> None:
    overlay = {"hiringOrganization": {"@type": "Organization", "name": "A", "sameAs": ["javascript:x"]}}
    assert ("/extensions/schemaorg/hiringOrganization/sameAs/0", "url") in errors(
        extensions={"schemaorg": overlay}
    )


def test_a_good_overlay_address_passes() -> None:
    assert errors(extensions={"indeed": {"url": "https://sunnyside.example.com/jobs/1?src=indeed"}}) == set()


@pytest.mark.parametrize("channel", ["linkedin", "indeed", "schemaorg"])
@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("<b>Cook</b>", "title_markup"),
        ("Cook \u202eevil", "invisible_characters"),
        ("Co\u200bok", "invisible_characters"),
        ("x" * 201, "maxLength"),
        ("   ", "minLength"),
        (42, "type"),
    ],
)
def test_an_overlay_title_gets_the_title_rules(channel: str, title: Any, code: str) -> None:
    assert (f"/extensions/{channel}/title", code) in errors(extensions={channel: {"title": title}})


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("apply_url", 'https://a.example/"><script>'),
        ("url", "https://a.example/<x>"),
        ("apply_url", "https://a.example/\\evil"),
    ],
)
def test_contract_urls_refuse_quotes_angle_brackets_and_backslashes(field: str, address: str) -> None:
    assert (f"/{field}", "url") in errors(**{field: address})


def test_hiring_organization_urls_too() -> None:
    organization = {"name": "A", "url": 'https://a.example/"x', "logo_url": "https://a.example/<l>.png"}
    assert errors(hiring_organization=organization) == {
        ("/hiring_organization/url", "url"),
        ("/hiring_organization/logo_url", "url"),
    }


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069", "\u200b", "\u2060", "\ufeff"],
)
def test_titles_refuse_bidi_controls_and_zero_width_characters(char: str) -> None:
    assert errors(title=f"Line {char}Cook") == {("/title", "invisible_characters")}


@pytest.mark.parametrize("title", ["مهندس\u200cنرم‌افزار", "👩\u200d🍳 Cook", "\u200fשף\u200e (Chef)"])
def test_titles_keep_the_joiners_and_marks_real_scripts_need(title: str) -> None:
    assert errors(title=title) == set()
