"""`syndicate validate [--json] [--format F] PATH...` (files, folders, `-` for standard input)"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from syndicate.cli.sources import assessments
from syndicate.core.assess import Assessment
from syndicate.core.intake import FileProblem
from syndicate.core.jsonstream import iter_indented_items
from syndicate.core.model import CHANNELS


def file_report(problem: FileProblem) -> dict[str, Any]:
    """A file that is not postings, in the same shape as a posting's report."""
    return {
        "source": problem.source,
        "index": None,
        "id": None,
        "valid": False,
        "errors": [{"pointer": "", "code": "file", "message": problem.message}],
        "channels": {channel: {"ready": False, "problems": []} for channel in CHANNELS},
    }


def describe(result: Assessment) -> str:
    name = f"{result.source} #{result.index}" + (f" ({result.id})" if result.id else "")
    if not result.valid:
        lines = [f"{name}: INVALID"]
        lines += [f"    {problem}" for problem in result.errors]
        return "\n".join(lines)
    ready = [channel for channel in CHANNELS if result.ready_for(channel)]
    lines = [f"{name}: valid; ready for {', '.join(ready) if ready else 'no channel'}"]
    for channel in CHANNELS:
        lines += [f"    {channel} skipped: {problem}" for problem in result.readiness.get(channel, ())]
    return "\n".join(lines)


class _Tally:
    def __init__(self) -> None:
        self.valid = self.invalid = self.unreadable = 0

    def count(self, result: Assessment | FileProblem) -> None:
        if isinstance(result, FileProblem):
            self.unreadable += 1
        elif result.valid:
            self.valid += 1
        else:
            self.invalid += 1


def run(arguments: argparse.Namespace, now: datetime) -> int:
    tally = _Tally()

    def counted() -> Iterator[Assessment | FileProblem]:
        for result in assessments(arguments.paths, now, arguments.format):
            tally.count(result)
            yield result

    if arguments.json:
        # One JSON array, encoded report by report: memory stays flat however many postings.
        reports = (file_report(r) if isinstance(r, FileProblem) else r.to_report() for r in counted())
        sys.stdout.flush()
        for chunk in iter_indented_items(reports):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.flush()
    else:
        for result in counted():
            if isinstance(result, FileProblem):
                print(f"{result.source}: cannot read as postings: {result.message}")
            else:
                print(describe(result))
        summary = f"{tally.valid + tally.invalid} postings: {tally.valid} valid, {tally.invalid} invalid"
        print(summary + (f"; {tally.unreadable} file(s) could not be read" if tally.unreadable else ""))
    return 0 if tally.invalid == 0 and tally.unreadable == 0 else 1
