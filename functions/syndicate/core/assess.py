"""One posting's verdict: valid or not (with errors), and whether each channel can take it.

This is the single place where validation, normalization and channel readiness meet; the
command line, the ingest function and the webhook all report through `Assessment.to_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syndicate.core import validation
from syndicate.core.channels import indeed, linkedin, schemaorg
from syndicate.core.intake import RawPosting
from syndicate.core.model import CHANNELS, Channel, Posting
from syndicate.core.normalize import normalize
from syndicate.core.problems import Problem


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
        return self.posting is not None and not self.readiness.get(channel, ())

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


def channel_readiness(posting: Posting, now: datetime) -> dict[Channel, tuple[Problem, ...]]:
    return {
        "linkedin": tuple(linkedin.readiness(posting, now)),
        "indeed": tuple(indeed.readiness(posting)),
        "schemaorg": tuple(schemaorg.readiness(posting)),
    }


def _posting_id(data: Any) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def assess(item: RawPosting, now: datetime) -> Assessment:
    posting_id = _posting_id(item.data)
    if item.problems:
        return Assessment(item.source, item.index, posting_id, item.problems)
    errors = item.located(validation.validate(item.data, now))  # CSV rows, front-matter keys
    if errors:
        return Assessment(item.source, item.index, posting_id, errors)
    posting = normalize(item.data)
    return Assessment(item.source, item.index, posting.id, (), posting, channel_readiness(posting, now))
