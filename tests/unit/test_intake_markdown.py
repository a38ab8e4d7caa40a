"""Markdown intake: YAML front matter read safely into the same raw posting as JSON, errors by key."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.assess import assess
from syndicate.core.intake import FileProblem, RawPosting, read_postings
from tests.factories import NOW, raw_posting

EXAMPLES = Path(__file__).parents[2] / "examples"


def read(body: str | bytes, name: str = "posting.md") -> RawPosting | FileProblem:
    data = body.encode("utf-8") if isinstance(body, str) else body
    (item,) = read_postings(io.BytesIO(data), name)
    return item


def posting(body: str | bytes) -> RawPosting:
    item = read(body)
    assert isinstance(item, RawPosting), item
    return item


def file_problem(body: str | bytes) -> str:
    item = read(body)
    assert isinstance(item, FileProblem), item
    return item.message


def to_markdown(record: dict[str, Any]) -> str:
    fields = {k: v for k, v in record.items() if k not in {"description", "description_format"}}
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n\n{record['description']}\n"


def errors_by_pointer(item: RawPosting) -> dict[str, str]:
    return {p.pointer: p.message for p in assess(item, NOW).errors}


# --- the same postings as JSON ------------------------------------------------------------------


@pytest.mark.parametrize("number", range(5))
def test_round_trip_of_the_json_examples(number: int) -> None:
    record = json.loads((EXAMPLES / "postings.json").read_text("utf-8"))["postings"][number]
    expected = record | {"description_format": "markdown"}  # the body of a .md file is markdown
    assert posting(to_markdown(record)).data == expected


def test_the_example_file_reads_as_its_json_equivalent() -> None:
    item = posting((EXAMPLES / "posting.md").read_bytes())
    description = item.data.pop("description")
    assert item.data == {
        "id": "DATA-ENG-12",
        "title": "Data Engineer (Streaming)",
        "hiring_organization": {"name": "Fjordline Energy AS", "url": "https://fjordline.example.no"},
        "employment_types": ["FULL_TIME"],
        "workplace": "hybrid",
        "locations": [
            {
                "street_address": "Dronning Eufemias gate 16",
                "locality": "Oslo",
                "region": "Oslo",
                "postal_code": "0191",
                "country": "NO",
            }
        ],
        "salary": {"currency": "NOK", "min": 720000, "max": 880000, "unit": "YEAR"},
        "date_posted": "2026-11-21",
        "valid_through": "2027-01-10",
        "apply_url": "https://fjordline.example.no/careers/data-eng-12",
        "contact_email": "rekruttering@fjordline.example.no",
        "experience_level": "mid_senior",
        "experience_months": 36,
        "skills": ["Kafka", "Python", "SQL"],
        "direct_apply": True,
        "description_format": "markdown",
    }
    assert description.startswith("## About the role\n\nWe turn readings from **4,000 wind turbines**")
    assert description.endswith("Hybrid: two days a week in our Oslo office. #LI-Hybrid")
    item.data["description"] = description
    result = assess(item, NOW)
    assert result.valid and result.ready_channels() == ["linkedin", "indeed", "schemaorg"]


_line = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "id": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
            "title": _line,
            "description": _line,
        },
        optional={
            "skills": st.lists(_line, min_size=1, max_size=3),
            "experience_months": st.integers(0, 1200),
            "direct_apply": st.booleans(),
            "salary": st.fixed_dictionaries(
                {"currency": st.just("EUR"), "unit": st.just("YEAR"), "value": st.floats(0.01, 1e9)}
            ),
            "hiring_organization": st.fixed_dictionaries({"name": _line}),
        },
    )
)
def test_round_trip_property(record: dict[str, Any]) -> None:
    assert posting(to_markdown(record)).data == record | {"description_format": "markdown"}


# --- YAML read the way the contract means it ----------------------------------------------------


def test_dates_stay_the_text_written() -> None:
    item = posting(
        "---\ndate_posted: 2026-11-20\nvalid_through: 2026-12-31T17:00:00-06:00\n"
        "updated_at: 2026-11-20 09:00:00\n---\nBody\n"
    )
    assert item.data["date_posted"] == "2026-11-20"
    assert item.data["valid_through"] == "2026-12-31T17:00:00-06:00"
    assert item.data["updated_at"] == "2026-11-20 09:00:00"  # no offset: the validator says so
    messages = [p.message for p in assess(item, NOW).errors if p.pointer == "/updated_at"]
    assert any("RFC 3339 date-time with a UTC offset" in message for message in messages)


def test_text_fields_keep_what_was_written_and_empty_keys_are_absent() -> None:
    item = posting(
        "---\nid: 2207\ntitle: 1984\nlocations:\n  - country: NO\n    postal_code: 0150\n"
        "hiring_organization: {name: Acme, linkedin_organization_id: 10485760}\nvalid_through:\n"
        "direct_apply: yes\nexperience_months: 12\n---\nBody\n"
    )
    assert item.data == {
        "id": "2207",
        "title": "1984",
        "locations": [{"country": "NO", "postal_code": "0150"}],
        "hiring_organization": {"name": "Acme", "linkedin_organization_id": "10485760"},
        "direct_apply": True,
        "experience_months": 12,
        "description": "Body",
        "description_format": "markdown",
    }


def test_wrong_types_are_named_by_front_matter_key() -> None:
    item = posting(
        "---\nid: A-1\ntitle: [Cook, Chef]\nsalary:\n  currency: USD\n  unit: YEAR\n  min: lots\n"
        "employment_types: FULL_TIME\nexperience_months: .inf\n---\n\nBody text\n"
    )
    errors = errors_by_pointer(item)
    assert errors["/title"] == 'front matter key "title" (line 3): title must be text, not a list.'
    assert (
        errors["/salary/min"]
        == 'front matter key "salary.min" (line 7): salary.min must be a number, not text.'
    )
    assert errors["/employment_types"].startswith('front matter key "employment_types" (line 8): ')
    assert errors["/experience_months"].startswith('front matter key "experience_months" (line 9): ')
    assert errors["/apply_url"] == "front matter: apply_url is required."


def test_the_body_is_the_description() -> None:
    item = posting("---\nid: A\n---\n\n\n# Heading\n\nText.  \n\n")
    assert item.data["description"] == "# Heading\n\nText."
    assert item.place_of("/description") == "the body (line 6)"
    empty = posting("---\nid: A\n---\n\n")
    assert "description" not in empty.data
    assert errors_by_pointer(empty)["/description"] == "the body: description is required."


def test_the_front_matter_may_not_set_the_description() -> None:
    item = posting("---\nid: A\ndescription: Short\ndescription_format: html\n---\nBody\n")
    assert [(p.pointer, p.code) for p in item.problems] == [
        ("/description", "front_matter"),
        ("/description_format", "front_matter"),
    ]
    assert item.problems[0].message.startswith(
        'front matter key "description" (line 3): the description is the body'
    )
    assert assess(item, NOW).errors == item.problems
    assert not posting("---\nid: A\ndescription_format: markdown\n---\nBody\n").problems


def test_windows_line_ends_and_byte_order_mark() -> None:
    item = posting(b"\xef\xbb\xbf---\r\nid: A\r\n---\r\nLine one\r\nLine two\r\n")
    assert item.data == {"id": "A", "description": "Line one\nLine two", "description_format": "markdown"}


# --- front matter that is refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "---\n!!python/object/apply:os.system [echo hi]\n---\n",
            "front matter line 2: YAML tags such as !!python/object/apply:os.system are not accepted",
        ),
        (
            "---\nid: !!binary aGk=\n---\nBody\n",
            "front matter line 2: YAML tags such as !!binary are not accepted",
        ),
        ("---\nid: !custom x\n---\nBody\n", "YAML tags such as !custom are not accepted"),
        ("---\na: &x [1]\nb: *x\n---\nBody\n", "front matter line 2: YAML anchors and aliases"),
        (
            "---\n- id: A\n---\nBody\n",
            'the front matter must be the fields as "key: value" lines; it is a list',
        ),
        ("---\njust text\n---\nBody\n", "it is a single value"),
        ("---\nid: [A\ntitle: B\n---\nBody\n", "the front matter is not valid YAML: "),
        (
            "---\nid: A\n  title: B\n---\nBody\n",
            "the front matter is not valid YAML: mapping values are not allowed here at line 3",
        ),
        ("---\nid: A\nid: B\n---\nBody\n", 'front matter key "id" appears twice (lines 2 and 3)'),
        (
            "---\nsalary:\n  min: 1\n  min: 2\n---\n",
            'front matter key "salary.min" appears twice (lines 3 and 4)',
        ),
        ("---\n[a]: 1\n---\n", "front matter line 2: a key must be a field name"),
        ("# Job\n\nNo front matter.\n", "a .md posting starts with YAML front matter"),
        ("---\nid: A\n", "the front matter is never closed"),
        ("", "the file is empty"),
        (b"---\nid: caf\xe9\n---\n", "not UTF-8 text (line 2, byte 11 cannot be decoded)"),
        (b"x" * (1024 * 1024 + 1), "at most 1024 KiB"),
        (
            "---\nextensions:\n  linkedin:\n" + "".join("  " * n + "   a:\n" for n in range(2, 20)) + "---\n",
            "nests deeper than 16 levels",
        ),
        ("---\nid: " + "[" * 1200 + "]" * 1200 + "\n---\n", "nests deeper than 16 levels"),
    ],
)
def test_unusable_front_matter_is_one_clear_reason(text: str | bytes, reason: str) -> None:
    assert reason in file_problem(text)


def test_a_tag_is_refused_before_anything_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[Any] = []
    monkeypatch.setattr("os.system", lambda *a: called.append(a))
    file_problem("---\nid: !!python/object/apply:os.system [echo hi]\n---\nBody\n")
    assert not called


def test_the_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    cases = {
        "tag.md": "---\nx: !!python/object/new:object []\n---\n",
        "list.md": "---\n- a\n---\n",
        "broken.md": "---\nid: [\n---\n",
        "types.md": "---\nid: A\ntitle: {a: 1}\nsalary: 5\n---\nBody\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path / name) for name in cases]
    done = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "validate", *paths],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "tag.md: cannot read as postings: front matter line 2: YAML tags" in done.stdout
    assert 'front matter key "title" (line 3): title must be text, not an object.' in done.stdout
    assert 'front matter key "salary" (line 4): salary must be an object, not a number.' in done.stdout


def test_json_raw_posting_is_unchanged_by_places() -> None:
    item = RawPosting("a.json", 0, copy.deepcopy(raw_posting(title="")))
    assert assess(item, NOW).errors[0].message == "title must not be empty."
