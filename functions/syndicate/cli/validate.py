"""`syndicate validate [--json] PATH...`"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from syndicate.cli.sources import assessments
from syndicate.core.assess import Assessment
from syndicate.core.intake import FileProblem
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


def run(arguments: argparse.Namespace, now: datetime) -> int:
    reports: list[dict[str, Any]] = []
    valid = invalid = unreadable = 0
    for result in assessments(arguments.paths, now):
        if isinstance(result, FileProblem):
            unreadable += 1
            if arguments.json:
                reports.append(file_report(result))
            else:
                print(f"{result.source}: cannot read as postings: {result.message}")
            continue
        if result.valid:
            valid += 1
        else:
            invalid += 1
        if arguments.json:
            reports.append(result.to_report())
        else:
            print(describe(result))
    if arguments.json:
        json.dump(reports, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        summary = f"{valid + invalid} postings: {valid} valid, {invalid} invalid"
        print(summary + (f"; {unreadable} file(s) could not be read" if unreadable else ""))
    return 0 if invalid == 0 and unreadable == 0 else 1
