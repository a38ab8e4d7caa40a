"""`syndicate transform --channel {linkedin,indeed,schemaorg} PATH...` (files, folders, `-`)

Output on stdout is exactly what the channel receives; everything left out, and why, goes to
stderr. The Indeed feed is streamed job by job, so a file of any size renders in bounded memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from syndicate.cli.sources import assessments
from syndicate.core.channels import indeed, linkedin, schemaorg
from syndicate.core.intake import FileProblem
from syndicate.core.model import Channel, Posting


class _Tally:
    def __init__(self) -> None:
        self.invalid = 0


def _ready_postings(arguments: argparse.Namespace, now: datetime, tally: _Tally) -> Iterator[Posting]:
    channel: Channel = arguments.channel
    for result in assessments(arguments.paths, now, arguments.format):
        if isinstance(result, FileProblem):
            tally.invalid += 1
            print(f"{result.source}: cannot read as postings: {result.message}", file=sys.stderr)
            continue
        name = f"{result.source} #{result.index}" + (f" ({result.id})" if result.id else "")
        if not result.valid or result.posting is None:
            tally.invalid += 1
            print(f"{name}: invalid, left out", file=sys.stderr)
            for problem in result.errors:
                print(f"    {problem}", file=sys.stderr)
            continue
        problems = result.readiness.get(channel, ())
        if problems:
            print(f"{name}: not ready for {channel}, skipped", file=sys.stderr)
            for problem in problems:
                print(f"    {problem}", file=sys.stderr)
            continue
        if not result.posting.is_open and channel != "linkedin":
            # Indeed drops a closed job from its feed; Google must not see its markup any more.
            print(f"{name}: closed, so absent from {channel}", file=sys.stderr)
            continue
        yield result.posting


def run(arguments: argparse.Namespace, now: datetime) -> int:
    tally = _Tally()
    postings = _ready_postings(arguments, now, tally)
    if arguments.channel == "indeed":
        jobs = indeed.feed_jobs(postings)
        out = sys.stdout.buffer
        indeed.write_feed(
            jobs, out, publisher=arguments.publisher, publisher_url=arguments.publisher_url, last_build=now
        )
        out.flush()
    else:
        document: Any
        if arguments.channel == "linkedin":
            document = {"elements": [linkedin.render_job(posting, now) for posting in postings]}
        else:
            document = [schemaorg.render(posting) for posting in postings]
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 1 if tally.invalid else 0
