"""Indeed publisher: each posting's jobs kept in the feed table; the feed builder assembles the feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syndicate.adapters.feed_store import INDEED_FEED
from syndicate.pipeline.messages import ChannelMessage
from syndicate.pipeline.publishers.base import PublisherBase


@dataclass
class IndeedPublisher(PublisherBase):
    def apply(self, message: ChannelMessage) -> str:
        if not self.is_current(message):
            return "superseded"
        return self.record_entry(
            INDEED_FEED, message, message.payload if message.action == "upsert" else None
        )

    @classmethod
    def from_environment(cls, s3: Any, dynamodb: Any) -> IndeedPublisher:
        return cls(**cls.stores_from_environment(s3, dynamodb))
