"""Benchmark input: the bundled example postings plus generated variants.

Every variant gets its own id and its own description text, so no cache keyed on a posting or
on its text can make a run look faster than unseen postings would be. A third of the variants
of plain-text postings carry an HTML description (as ATS exports often do, inline styles and a
script included), so all three description formats go through the sanitizer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_FILES = (REPO / "examples" / "postings.json", REPO / "examples" / "more-postings.jsonl")

# Fixed, so that date rules (future date_posted, expired valid_through) give the same verdicts
# on every run; the examples are dated around it.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOW_ARGUMENT = "2026-11-26T12:00:00+00:00"

_TEAMS = ("platform", "night shift", "north region", "onboarding", "quality", "operations")
_PERKS = ("a yearly learning budget", "paid parental leave", "a transit pass", "four weeks of holiday")


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


def _extra_paragraph(number: int) -> str:
    team = _TEAMS[number % len(_TEAMS)]
    perk = _PERKS[number % len(_PERKS)]
    return f"You will join our {team} team (opening {number}), and we offer {perk} from your first day."


def _as_html(text: str, extra: str) -> str:
    """A plain-text description as the kind of HTML an applicant tracking system exports."""
    parts = ['<div class="job" style="font-family:Arial">']
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        items = [line[2:] for line in lines if line.startswith("- ")]
        prose = [line for line in lines if not line.startswith("- ")]
        if prose:
            parts.append("<p>" + "<br>".join(escape(line) for line in prose) + "</p>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
    parts.append(f'<p><strong>Why us?</strong> {escape(extra)}</p><script>track("view")</script></div>')
    return "".join(parts)


def variant(base: dict[str, Any], number: int) -> dict[str, Any]:
    """`base` with a unique id and a description of its own (top-level copy: nested parts are shared)."""
    posting = dict(base)
    posting["id"] = f"{base['id']}-B{number:06d}"
    if "requisition_id" in base:
        posting["requisition_id"] = f"{base['requisition_id']}-{number}"
    extra = _extra_paragraph(number)
    text_format = base.get("description_format", "text") == "text"
    if text_format and number % 3 == 2:
        posting["description_format"] = "html"
        posting["description"] = _as_html(base["description"], extra)
    else:
        # Before the last paragraph, so trailing #LI- hashtags stay where a recruiter puts them.
        head, _, tail = base["description"].rpartition("\n\n")
        posting["description"] = f"{head}\n\n{extra}\n\n{tail}" if head else f"{tail}\n\n{extra}"
    return posting


def benchmark_set(variants_per_posting: int) -> list[dict[str, Any]]:
    """The open example postings, then `variants_per_posting` variants of each, interleaved."""
    bases = example_postings(open_only=True)
    postings = list(bases)
    for number in range(variants_per_posting):
        postings += [variant(base, number * len(bases) + offset) for offset, base in enumerate(bases)]
    return postings


def jsonl_lines(count: int) -> Iterator[str]:
    """`count` JSON Lines of every example posting (closed ones too), each with a unique id."""
    bases = example_postings(open_only=False)
    for number in range(count):
        line = json.dumps(variant(bases[number % len(bases)], number), ensure_ascii=False)
        yield line + "\n"
