"""Indeed publisher: each posting's jobs kept in the feed table; the feed builder assembles the feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syndicate.adapters.feed_store import INDEED_FEED
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.publishers.base import APPLIED, SUPERSEDED, PublisherBase
from syndicate.settings import IndeedPublisherSettings


@dataclass
class IndeedPublisher(PublisherBase):
    def apply(self, message: ChannelMessage) -> str:
        standing = self.standing(message)
        if standing.outcome == SUPERSEDED:
            return "superseded"
        if standing.outcome == APPLIED:
            return self.applied_again(INDEED_FEED, message)
        if message.action != "upsert":
            return self.record_entry(INDEED_FEED, message, standing.version)
        # The reference numbers Indeed knows the jobs by, for the posting's status (a few bytes).
        references = [job["referencenumber"] for job in message.payload if "referencenumber" in job]
        return self.record_entry(
            INDEED_FEED, message, standing.version, message.payload, {"references": references}
        )

    @classmethod
    def from_settings(cls, settings: IndeedPublisherSettings, s3: Any, dynamodb: Any) -> IndeedPublisher:
        return cls(**cls.stores(settings.tables, s3, dynamodb))
