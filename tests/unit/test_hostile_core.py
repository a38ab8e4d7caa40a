"""Whatever arrives, the core answers: every posting valid or rejected with codes, never an exception.

Property tests (hypothesis) over any JSON value, valid postings with hostile values put in, and raw
bytes in every intake format; then one test per hostile input that once broke it.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.core import wellformed
from syndicate.core.assess import Assessment, assess
from syndicate.core.intake import FileProblem, RawPosting, read_postings
from syndicate.core.text import strip_forbidden
from syndicate.pipeline.render import for_delivery, render_payload
from tests.factories import NOW, raw_posting
from tests.strategies_hostile import ARBITRARY_BYTES, POSTING_LIKE, json_line

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encodable(report: Any) -> None:
    """A report must be writable as UTF-8 JSON (receipts, the webhook's answer, validate --json)."""
    json.dumps(report, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _check(result: Assessment) -> None:
    _encodable(result.to_report())
    if not result.valid:
        assert result.errors and all(problem.code for problem in result.errors)
        return
    assert result.posting is not None
    for delivery in ("api", "feed"):
        ready = for_delivery(result, NOW, delivery)
        for channel in ready.ready_channels():
            for action in ("upsert", "remove"):
                payload = render_payload(ready.posting, channel, action, NOW, linkedin_delivery=delivery)  # type: ignore[arg-type]
                json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")


@PROPERTY
@given(POSTING_LIKE)
def test_any_json_value_is_valid_or_rejected_never_an_exception(value: Any) -> None:
    _check(assess(RawPosting("hostile.json", 0, value), NOW))


@PROPERTY
@given(st.lists(POSTING_LIKE | ARBITRARY_BYTES, min_size=1, max_size=4))
def test_a_json_lines_file_of_anything_gives_one_verdict_per_line(items: list[Any]) -> None:
    body = b"".join(item if isinstance(item, bytes) else json_line(item) for item in items)
    lines = [line for line in body.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line.strip()]
    results = list(read_postings(io.BytesIO(body), "hostile.jsonl"))
    postings = [r for r in results if isinstance(r, RawPosting)]
    assert len(postings) == len(lines) or (not lines and len(results) == 1)
    for item in postings:
        _check(assess(item, NOW))


@PROPERTY
@given(ARBITRARY_BYTES, st.sampled_from([".json", ".jsonl", ".csv", ".md"]))
def test_arbitrary_bytes_in_any_format_never_raise(body: bytes, suffix: str) -> None:
    for item in read_postings(io.BytesIO(body), f"hostile{suffix}"):
        if isinstance(item, FileProblem):
            _encodable({"message": item.message})
        else:
            _check(assess(item, NOW))


# --- hostile inputs that once broke it, one test each -----------------------------------------------


def _line_with(field: str, literal: str) -> bytes:
    text = json.dumps(raw_posting(id="HOSTILE", **{field: "PLACEHOLDER"}))
    return text.replace('"PLACEHOLDER"', literal).encode("utf-8")


def _codes(body: bytes, suffix: str = ".jsonl") -> list[set[tuple[str, str]]]:
    found = []
    for item in read_postings(io.BytesIO(body), f"repro{suffix}"):
        assert isinstance(item, RawPosting), item
        result = assess(item, NOW)
        _check(result)
        found.append({(p.code, p.pointer) for p in result.errors})
    return found


@pytest.mark.parametrize(
    ("field", "literal", "expected"),
    [
        ("salary", '{"currency": "USD", "unit": "YEAR", "min": 1e28}', ("maximum", "/salary/min")),
        ("salary", '{"currency": "USD", "unit": "YEAR", "value": 1e28}', ("maximum", "/salary/value")),
        ("salary", '{"currency": "USD", "unit": "YEAR", "min": 1e400}', ("number", "/salary/min")),
        ("salary", '{"currency": "USD", "unit": "YEAR", "min": 1, "max": 1e400}', ("number", "/salary/max")),
        ("title", '"\\ud800"', ("unicode", "/title")),
        ("hiring_organization", '{"name": "A", "\\udfff": 1}', ("unicode", "/hiring_organization/\\udfff")),
        ("extensions", '{"indeed": {"x": "\\ud800"}}', ("unicode", "/extensions/indeed/x")),
        ("experience_months", "9" * 4301, ("number", "/experience_months")),
        ("extensions", '{"schemaorg": {"x": -' + "1" * 5000 + "}}", ("number", "/extensions/schemaorg/x")),
        ("title", '"a", "title": "b"', ("duplicate_key", "/title")),
    ],
)
def test_hostile_values_reject_their_posting_with_a_code(
    field: str, literal: str, expected: tuple[str, str]
) -> None:
    valid = json.dumps(raw_posting(id="FINE")).encode("utf-8")
    verdicts = _codes(valid + b"\n" + _line_with(field, literal) + b"\n" + valid + b"\n")
    assert verdicts[0] == verdicts[2] == set()
    assert expected in verdicts[1]


def test_nan_and_infinity_are_not_json() -> None:
    (problems,) = _codes(_line_with("salary", '{"currency": "USD", "unit": "YEAR", "min": NaN}'))
    assert {code for code, _ in problems} == {"json"}


def test_an_amount_within_the_bound_is_rendered_exactly() -> None:
    posting = raw_posting(salary={"currency": "IDR", "unit": "YEAR", "min": 999_999_999_999, "max": 1e12})
    result = assess(RawPosting("x.json", 0, posting), NOW)
    assert result.valid and result.posting is not None
    job = render_payload(result.posting, "linkedin", "upsert", NOW)
    assert '"1000000000000"' in json.dumps(job)
    assert '"999999999999"' in json.dumps(job)


def test_a_json_lines_line_over_the_posting_limit_is_rejected_unread() -> None:
    from syndicate.core.intake import MAX_POSTING_BYTES

    valid = json.dumps(raw_posting(id="FINE")).encode("utf-8") + b"\n"
    huge = b'{"id": "BIG", "description": "' + b"x" * (MAX_POSTING_BYTES + 10) + b'"}\n'
    items = list(read_postings(io.BytesIO(valid + huge + valid), "big.jsonl"))
    assert [type(i).__name__ for i in items] == ["RawPosting"] * 3
    assert items[1].problems[0].code == "size" and "line 2" in items[1].problems[0].message  # type: ignore[union-attr]
    assert assess(items[2], NOW).valid  # type: ignore[arg-type]


def test_a_json_file_entry_over_the_posting_limit_is_rejected() -> None:
    entries = [raw_posting(id="FINE"), raw_posting(id="BIG", responsibilities=["x" * 1000] * 1100)]
    items = list(read_postings(io.BytesIO(json.dumps(entries).encode()), "two.json"))
    verdicts = [assess(item, NOW) for item in items]  # type: ignore[arg-type]
    assert verdicts[0].valid
    assert [p.code for p in verdicts[1].errors] == ["size"]


@PROPERTY
@given(POSTING_LIKE)
def test_the_quick_wellformed_walk_misses_nothing_the_located_walk_finds(value: Any) -> None:
    # `wellformed.problems` names problems only where its quick walk suspects one.
    found = wellformed._located_problems(value)
    if found != ([], []):
        assert wellformed._may_have_problems(value)


@pytest.mark.parametrize("padding", ["x", "é", "中"], ids=["ascii", "latin-1", "wide"])
@pytest.mark.parametrize("length", [10, 400], ids=["short", "long"])
def test_strip_forbidden_removes_what_xml_forbids_in_short_and_long_text(padding: str, length: int) -> None:
    # Short text is searched by the regular expression, long text through its UTF-8 bytes.
    forbidden = ["\x00", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff"]
    allowed = ["\t", "\n", "\r", " ", "\x7f", "\x85", "\ud7ff", "\ue000", "\ufffd", "\U00010000"]
    for character in forbidden:
        assert strip_forbidden(padding * length + character + "end") == padding * length + "end"
    for character in allowed:
        text = padding * length + character + "end"
        assert strip_forbidden(text) is text
