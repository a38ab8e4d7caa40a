"""`syndicate transform --channel {linkedin,indeed,schemaorg} PATH...` (files, folders, `-`)

Stdout is exactly what the channel receives, encoded posting by posting into a spool so any file
renders in bounded memory; what was left out, and why, goes to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from syndicate.cli.sources import assessments
from syndicate.core.assess import internal_problem
from syndicate.core.channels import indeed, linkedin, schemaorg
from syndicate.core.intake import FileProblem
from syndicate.core.jsonstream import iter_indented_items
from syndicate.core.model import Channel, Posting

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


class _Tally:
    def __init__(self) -> None:
        self.invalid = 0


def _ready_postings(arguments: argparse.Namespace, now: datetime, tally: _Tally) -> Iterator[Posting]:
    channel: Channel = arguments.channel
    for result in assessments(arguments.paths, now, arguments.format, (channel,)):
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


def _rendered(
    postings: Iterator[Posting], render: Callable[[Posting], Any], channel: str, tally: _Tally
) -> Iterator[Any]:
    """Each posting's output; a posting the renderer fails on is left out and counted invalid."""
    for posting in postings:
        try:
            output = render(posting)
        except Exception as error:  # one posting must not cost the others
            tally.invalid += 1
            print(f"{posting.id}: cannot be rendered for {channel}, left out", file=sys.stderr)
            print(f"    {internal_problem(error)}", file=sys.stderr)
            continue
        yield output


def run(arguments: argparse.Namespace, now: datetime) -> int:
    tally = _Tally()
    postings = _ready_postings(arguments, now, tally)
    # The document is built in a spool and reaches stdout only once complete: a script that uploads
    # what this prints must never get a truncated feed (it would take the missing jobs down).
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        try:
            _write_document(arguments, now, postings, tally, spool)  # type: ignore[arg-type]
        except Exception as error:  # nothing half-written may reach stdout
            print(
                f"syndicate transform: stopped, nothing written: {internal_problem(error)}", file=sys.stderr
            )
            return 1
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return 1 if tally.invalid else 0


def _write_document(
    arguments: argparse.Namespace, now: datetime, postings: Iterator[Posting], tally: _Tally, out: BinaryIO
) -> None:
    channel = arguments.channel
    if channel == "indeed":
        jobs = (job for jobs in _rendered(postings, indeed.render_jobs, channel, tally) for job in jobs)
        indeed.write_feed(
            jobs, out, publisher=arguments.publisher, publisher_url=arguments.publisher_url, last_build=now
        )
        return
    if channel == "linkedin":
        elements = _rendered(postings, lambda p: linkedin.render_job(p, now), channel, tally)
        # {"elements": [...]} laid out as json.dumps(indent=2) lays it out (a fixed key around
        # the encoded array).
        _write_chunks(
            itertools.chain([b'{\n  "elements": '], iter_indented_items(elements, 1), [b"\n}\n"]), out
        )
    else:
        items = iter_indented_items(_rendered(postings, schemaorg.render, channel, tally))
        _write_chunks(itertools.chain(items, [b"\n"]), out)


def _write_chunks(chunks: Iterable[bytes], out: BinaryIO) -> None:
    """`chunks` to `out` about 64 KiB at a time: memory holds about one posting's output at once."""
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= 64 * 1024:
            out.write(b"".join(pending))
            pending.clear()
            size = 0
    out.write(b"".join(pending))
