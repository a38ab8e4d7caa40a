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

from syndicate.core import preview
from syndicate.core.assess import assess
from syndicate.core.intake import FileProblem, read_postings

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
    for path in arguments.paths:
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is drained
        except OSError as error:
            file_problems.append(FileProblem(path, f"cannot open: {error.strerror or error}"))
            continue
        with stream:
            for item in read_postings(stream, path):
                if isinstance(item, FileProblem):
                    file_problems.append(item)
                    continue
                result = assess(item, now)
                name = preview.page_name(len(entries) + 1, result)
                (out / name).write_text(preview.posting_page(item, result, now), encoding="utf-8")
                entries.append(preview.index_entry(item, result, name, now))
    index = out / "index.html"
    index.write_text(preview.index_page(entries, file_problems, now), encoding="utf-8")
    valid = sum(1 for entry in entries if entry.valid)
    unreadable = f"; {len(file_problems)} file(s) could not be read" if file_problems else ""
    counts = f"{len(entries)} postings: {valid} valid, {len(entries) - valid} invalid{unreadable}"
    print(f"Preview: {index} ({counts})")
    return 0
