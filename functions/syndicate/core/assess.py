"""One posting's verdict: valid or not (with errors), and whether each channel can take it.

This is the single place where validation, normalization and channel readiness meet; the
command line, the ingest function and the webhook all report through `Assessment.to_report`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syndicate.core import validation
from syndicate.core.channels import indeed, linkedin, schemaorg_readiness
from syndicate.core.intake import RawPosting
from syndicate.core.model import CHANNELS, Channel, Posting
from syndicate.core.normalize import normalize
from syndicate.core.problems import Problem
from syndicate.core.wellformed import has_lone_surrogate, printable


@dataclass(frozen=True, slots=True)
class Assessment:
    source: str
    index: int
    id: str | None
    errors: tuple[Problem, ...]
    posting: Posting | None = None
    readiness: dict[Channel, tuple[Problem, ...]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def ready_for(self, channel: Channel) -> bool:
        """Whether `channel` can take the posting; a KeyError if it was not assessed for it."""
        return self.posting is not None and not self.readiness[channel]

    def ready_channels(self) -> list[Channel]:
        return [channel for channel in CHANNELS if self.ready_for(channel)]

    def to_report(self) -> dict[str, Any]:
        """The report shape of `syndicate validate --json`, the ingest receipt and the webhook."""
        return {
            "source": self.source,
            "index": self.index,
            "id": self.id,
            "valid": self.valid,
            "errors": [problem.to_dict() for problem in self.errors],
            "channels": {
                channel: {
                    "ready": self.ready_for(channel),
                    "problems": [problem.to_dict() for problem in self.readiness.get(channel, ())],
                }
                for channel in CHANNELS
            },
        }


def channel_readiness(
    posting: Posting, now: datetime, channels: Iterable[Channel] = CHANNELS
) -> dict[Channel, tuple[Problem, ...]]:
    checks: dict[Channel, Callable[[], list[Problem]]] = {
        "linkedin": lambda: linkedin.readiness(posting, now),
        "indeed": lambda: indeed.readiness(posting),
        "schemaorg": lambda: schemaorg_readiness.readiness(posting),
    }
    return {channel: tuple(checks[channel]()) for channel in channels}


def posting_id_of(data: Any) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    # An id that cannot be written (a lone surrogate) is no id to report: its error says why.
    return value if isinstance(value, str) and not has_lone_surrogate(value) else None


def assess(item: RawPosting, now: datetime, channels: Iterable[Channel] = CHANNELS) -> Assessment:
    """The verdict on one posting, with its readiness for `channels` only (a command that writes
    one channel's output pays for no other's checks). Never raises: a failure no rule foresaw
    rejects this posting (code `internal`), never the file or batch it came in."""
    posting_id = posting_id_of(item.data)
    try:
        if item.problems:
            return Assessment(item.source, item.index, posting_id, item.problems)
        errors = item.located(validation.validate(item.data, now))  # CSV rows, front-matter keys
        if errors:
            return Assessment(item.source, item.index, posting_id, errors)
        posting = normalize(item.data)
        readiness = channel_readiness(posting, now, channels)
        return Assessment(item.source, item.index, posting.id, (), posting, readiness)
    except Exception as error:  # one posting's failure must not cost the others
        return rejected_for(item.source, item.index, posting_id, error)


def internal_problem(error: BaseException) -> Problem:
    """A failure no rule foresaw, as a posting's error (the message names the exception)."""
    detail = printable(str(error))[:200]
    return Problem(
        "",
        "internal",
        f"this posting could not be processed ({type(error).__name__}: {detail}); the other postings "
        "were not affected. Check it for unusual values, and report it if it looks valid.",
    )


def rejected_for(source: str, index: int, posting_id: str | None, error: BaseException) -> Assessment:
    return Assessment(source, index, posting_id, (internal_problem(error),))
