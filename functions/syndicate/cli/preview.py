"""`syndicate preview PATH... --out DIR`: a static HTML report of what each channel gets.

DIR/index.html lists every posting with its validity and per-channel readiness; each posting has
a page of its own (written as the files stream in, so memory holds only the index). Exit 0 once
the report is written, whatever it says about the postings: `syndicate validate` is the check.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from syndicate.cli import sources
from syndicate.core import plan, preview
from syndicate.core.assess import Assessment, assess
from syndicate.core.delivery import LISTED, linkedin_operation
from syndicate.core.intake import FileProblem
from syndicate.core.model import CHANNELS, Channel

PAGE_PATTERN = "posting-*.html"  # the pages a previous preview wrote into DIR, replaced each run


def run(arguments: argparse.Namespace, now: datetime) -> int:
    out = Path(arguments.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob(PAGE_PATTERN):
            old.unlink()
    except OSError as error:
        print(f"syndicate preview: cannot write to {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    entries: list[preview.IndexEntry] = []
    file_problems: list[FileProblem] = []
    for item in sources.items(arguments.paths, arguments.format):
        if isinstance(item, FileProblem):
            file_problems.append(item)
            continue
        result = assess(item, now)
        name = preview.page_name(len(entries) + 1, result)
        page = preview.posting_page(item, result, now, prospects=prospects(result, now))
        (out / name).write_text(page, encoding="utf-8")
        entries.append(preview.index_entry(item, result, name, now))
    index = out / "index.html"
    index.write_text(preview.index_page(entries, file_problems, now), encoding="utf-8")
    valid = sum(1 for entry in entries if entry.valid)
    unreadable = f"; {len(file_problems)} file(s) could not be read" if file_problems else ""
    counts = f"{len(entries)} postings: {valid} valid, {len(entries) - valid} invalid{unreadable}"
    print(f"Preview: {index} ({counts})")
    return 0


# What the state table holds for a posting every channel lists (an earlier version, published).
_LISTED_EVERYWHERE = {
    "linkedin_listing": LISTED,
    "channels": {channel: {"state": plan.PUBLISHED, "action": "upsert", "hash": ""} for channel in CHANNELS},
}


def prospects(result: Assessment, now: datetime) -> dict[Channel, preview.Prospect]:
    """What the pipeline would send each channel, by its own plan: for a posting no channel lists
    yet, and for one every channel lists in an earlier version. Empty for an invalid posting."""
    if result.posting is None:
        return {}
    this_version = "preview"  # differs from the listed version's hash: a change, never "unchanged"
    new = plan.plan_channels(result, this_version, None, now)
    listed = plan.plan_channels(result, this_version, _LISTED_EVERYWHERE, now)
    found: dict[Channel, preview.Prospect] = {}
    for if_new, if_listed in zip(new.channels, listed.channels, strict=True):
        channel = if_new.channel
        found[channel] = preview.Prospect(
            if_new=_operation(channel, if_new.action, None),
            if_listed=_operation(channel, if_listed.action, LISTED),
            reason=if_listed.reason or if_new.reason,
        )
    return found


def _operation(channel: Channel, action: str | None, listing: str | None) -> str | None:
    if action is None or channel != "linkedin":
        return action
    return linkedin_operation(action, listing)
