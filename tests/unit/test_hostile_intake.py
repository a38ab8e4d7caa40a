"""Inputs that would cost far more than their size are refused before the expensive part.

No timed assertions (benchmarks measure speed): the front-matter bounds are checked by what the
YAML parser is given, which is nothing at all for a refused front matter.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import yaml

from syndicate.core.assess import assess
from syndicate.core.intake import FileProblem, RawPosting, read_postings
from syndicate.core.intake import markdown_files as intake_markdown
from syndicate.core.intake.csv_files import MAX_CELL_CHARS
from tests.factories import NOW, raw_posting

FRONT = "---\nid: MD-1\ntitle: Cook\n"


def markdown_items(text: str) -> list[Any]:
    return list(read_postings(io.BytesIO(text.encode("utf-8")), "job.md"))


@pytest.fixture
def yaml_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the YAML parser was given a front matter the bounds refuse")

    monkeypatch.setattr(yaml, "scan", refuse)
    monkeypatch.setattr(intake_markdown._Loader, "__init__", refuse)


@pytest.mark.usefixtures("yaml_never_called")
@pytest.mark.parametrize(
    ("front", "words"),
    [
        ("title: " + "[" * 40_000 + "\n", "nests deeper than 16 levels"),
        ("title: " + "[a] " * 1_001 + "\n", "at most 1,000"),
        ("skills:\n" + "  - x\n" * 5_001, "lines; at most 5,000"),
        ("title: " + "x" * 200_000 + "\n", "characters; at most 131,072"),
    ],
)
def test_a_front_matter_that_cannot_be_a_posting_is_refused_before_parsing(front: str, words: str) -> None:
    (item,) = markdown_items(FRONT + front + "---\nThe description.\n")
    assert isinstance(item, FileProblem) and words in item.message


def test_an_ordinary_front_matter_is_still_parsed() -> None:
    (item,) = markdown_items(FRONT + "skills: [Grill, Prep]\n---\nThe description.\n")
    assert isinstance(item, RawPosting) and item.data["skills"] == ["Grill", "Prep"]


def test_a_front_matter_integer_of_5000_digits_is_a_clear_refusal() -> None:
    (item,) = markdown_items(FRONT + "experience_months: " + "9" * 5000 + "\n---\nThe description.\n")
    assert isinstance(item, FileProblem) and "cannot be read" in item.message


def test_a_csv_cell_over_the_reader_default_keeps_the_rows_after_it() -> None:
    """A quoted, multi-line cell longer than csv's default limit (131,072) no longer derails the reader."""
    header = "id,title,description,hiring_organization.name,locations.0.country,date_posted,apply_url\n"
    row = '{id},Cook,"{text}",Diner,US,2026-11-20,https://diner.example.com/jobs/{id}\n'
    long_text = ("A line of a very long description.\n" * 5000)[:200_000]
    body = header + row.format(id="R-1", text="Short.") + row.format(id="R-2", text=long_text)
    body += "".join(row.format(id=f"R-{n}", text="Short.") for n in range(3, 9))
    items = list(read_postings(io.BytesIO(body.encode()), "big.csv"))
    verdicts = {}
    for item in items:
        assert isinstance(item, RawPosting)
        result = assess(item, NOW)
        verdicts[result.id] = [p.code for p in result.errors]
    assert verdicts == {f"R-{n}": [] for n in range(1, 9)} | {"R-2": ["size"]}
    size_error = next(p for p in assess(items[1], NOW).errors)  # type: ignore[arg-type]
    assert (
        f"at most {MAX_CELL_CHARS:,} characters" in size_error.message
        and 'column "description"' in size_error.message
    )


def test_a_posting_over_the_size_limit_in_any_format_is_refused() -> None:
    posting = raw_posting(id="HUGE", extensions={"indeed": {f"k{n}": "x" * 1000 for n in range(1100)}})
    (item,) = read_postings(io.BytesIO(json.dumps(posting).encode()), "huge.json")
    assert isinstance(item, RawPosting)
    assert [p.code for p in assess(item, NOW).errors] == ["size"]
