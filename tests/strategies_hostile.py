"""Hypothesis strategies for input a hostile user would send: any JSON value, valid postings with
one value replaced by something hostile, and raw bytes of any kind."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from tests.factories import raw_posting
from tests.strategies import HOSTILE_TEXT

# Values that once broke the core: amounts past Decimal's 28 digits, infinities, lone surrogates,
# integers past Python's 4,300-digit conversion limit (as a float: what the intake decoder makes of
# them), markup, script URLs, bidi overrides.
HOSTILE_SCALARS = st.sampled_from(
    [
        1e28,
        1e400,
        -1e400,
        10**40,
        -(10**40),
        0,
        -1,
        0.1,
        "\ud800",
        "\udfff x",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        'https://a.example/"><script>',
        "\u202eevil\u200b",
        "0999-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01",
        "2026-02-30",
        "",
        " ",
    ]
)
LONG_TEXT = st.integers(65_001, 70_000).map(lambda n: "x" * n)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    HOSTILE_TEXT,
    HOSTILE_SCALARS,
    LONG_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(HOSTILE_TEXT, children, max_size=4),
    max_leaves=12,
)

# A posting that exercises every renderer: every optional field the contract has.
FULL = raw_posting(
    id="HOSTILE-1",
    requisition_id="REQ-1",
    updated_at="2026-11-20T09:00:00Z",
    description_format="markdown",
    description="## Role\n\nCook **breakfast** and lunch for a busy diner; keep the line clean, train cooks.",
    responsibilities=["Cook"],
    qualifications=["Two years on a line"],
    skills=["Grill"],
    hiring_organization={
        "name": "Sunny Side Diner",
        "url": "https://sunnyside.example.com",
        "logo_url": "https://sunnyside.example.com/logo.png",
        "linkedin_organization_id": "12345",
    },
    employment_types=["FULL_TIME", "PART_TIME"],
    workplace="hybrid",
    salary={"currency": "USD", "unit": "HOUR", "min": 18.5, "max": 24},
    valid_through="2027-01-31",
    url="https://sunnyside.example.com/careers/1",
    experience_level="entry_level",
    experience_months=12,
    education="high_school",
    categories=["Food"],
    direct_apply=True,
    extensions={"linkedin": {}, "indeed": {}, "schemaorg": {}},
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


_FULL_PATHS = _paths(FULL)
# Where a replaced value is most likely to reach a renderer: the overlays and every leaf.
_EXTENSION_KEYS = ["title", "url", "sameAs", "logo", "description", "salary", "baseSalary", "name"]


@st.composite
def mutated_postings(draw: st.DrawFn) -> Any:
    """FULL with one to three values replaced (or an overlay key added) by something hostile."""
    posting = copy.deepcopy(FULL)
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            channel = draw(st.sampled_from(["linkedin", "indeed", "schemaorg"]))
            key = draw(st.sampled_from(_EXTENSION_KEYS) | HOSTILE_TEXT)
            if not isinstance(posting.get("extensions"), dict):
                posting["extensions"] = {}
            overlay = posting["extensions"].setdefault(channel, {})
            if isinstance(overlay, dict):
                overlay[key] = draw(JSON_VALUES)
            continue
        path = draw(st.sampled_from(_FULL_PATHS))
        target: Any = posting
        for part in path[:-1]:  # earlier replacements may have changed the shape on the way
            if isinstance(target, dict) and isinstance(part, str):
                target = target.get(part)
            elif isinstance(target, list) and isinstance(part, int) and part < len(target):
                target = target[part]
            else:
                target = None
        last = path[-1]
        if (isinstance(target, dict) and isinstance(last, str)) or (
            isinstance(target, list) and isinstance(last, int) and last < len(target)
        ):
            target[last] = draw(JSON_VALUES)
    return posting


POSTING_LIKE = st.one_of(mutated_postings(), JSON_VALUES, st.just(copy.deepcopy(FULL)))


def json_line(value: Any) -> bytes:
    """`value` as one JSON Lines line; lone surrogates travel as the `\\ud800` escapes JSON allows."""
    return (
        json.dumps(value).encode("ascii") + b"\n"
    )  # ensure_ascii: writes Infinity for 1e400, as a sender might


ARBITRARY_BYTES = st.binary(max_size=300)
