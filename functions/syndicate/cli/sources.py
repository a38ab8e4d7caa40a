"""Local files as intake: every PATH read as postings, a missing or unreadable file reported once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from syndicate.core.assess import Assessment, assess
from syndicate.core.intake import FileProblem, read_postings


def assessments(paths: Iterable[str], now: datetime) -> Iterator[Assessment | FileProblem]:
    """Each posting's assessment in file order; a `FileProblem` for a file that is not postings."""
    for path in paths:
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is drained
        except OSError as error:
            yield FileProblem(path, f"cannot open: {error.strerror or error}")
            continue
        with stream:
            for item in read_postings(stream, path):
                yield item if isinstance(item, FileProblem) else assess(item, now)
