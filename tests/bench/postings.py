"""Benchmark input: the bundled example postings plus generated variants.

Every variant gets its own id and its own realistic description (3-5 KB, see `descriptions.py`),
a third each in text, markdown and html, so no cache keyed on a posting or on its text can make
a run look faster than unseen postings would be, and the description work weighs what it weighs
on real input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.descriptions import FORMATS, realistic_description

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_FILES = (REPO / "examples" / "postings.json", REPO / "examples" / "more-postings.jsonl")

# Fixed, so that date rules (future date_posted, expired valid_through) give the same verdicts
# on every run; the examples are dated around it.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOW_ARGUMENT = "2026-11-26T12:00:00+00:00"


def example_postings(*, open_only: bool) -> list[dict[str, Any]]:
    """The raw postings of the bundled examples, in file order."""
    found: list[dict[str, Any]] = []
    for path in EXAMPLE_FILES:
        text = path.read_text("utf-8-sig")
        if path.suffix == ".jsonl":
            found += [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            document = json.loads(text)
            found += document["postings"] if isinstance(document, dict) else document
    if open_only:
        found = [posting for posting in found if posting.get("status", "open") == "open"]
    return found


def variant(base: dict[str, Any], number: int) -> dict[str, Any]:
    """`base` with a unique id and a realistic description of its own (3-5 KB; text, markdown and
    html in turn). A top-level copy: nested parts are shared with `base`."""
    posting = dict(base)
    posting["id"] = f"{base['id']}-B{number:06d}"
    if "requisition_id" in base:
        posting["requisition_id"] = f"{base['requisition_id']}-{number}"
    description_format = FORMATS[number % len(FORMATS)]
    posting["description_format"] = description_format
    posting["description"] = realistic_description(number, base["title"], description_format)
    return posting


def benchmark_set(variants_per_posting: int) -> list[dict[str, Any]]:
    """`variants_per_posting` variants of each open example posting, interleaved."""
    bases = example_postings(open_only=True)
    postings: list[dict[str, Any]] = []
    for number in range(variants_per_posting):
        postings += [variant(base, number * len(bases) + offset) for offset, base in enumerate(bases)]
    return postings


def jsonl_lines(count: int) -> Iterator[str]:
    """`count` JSON Lines of every example posting (closed ones too), each with a unique id."""
    bases = example_postings(open_only=False)
    for number in range(count):
        line = json.dumps(variant(bases[number % len(bases)], number), ensure_ascii=False)
        yield line + "\n"
