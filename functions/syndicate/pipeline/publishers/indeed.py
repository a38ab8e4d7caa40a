"""Indeed publisher: each posting's jobs kept in the state table; the feed rebuilt from it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from syndicate.adapters.state import INDEED, INDEED_OPEN
from syndicate.core.channels import indeed
from syndicate.pipeline import plan as states
from syndicate.pipeline.messages import ChannelMessage
from syndicate.pipeline.publishers.base import PublisherBase

FEED_KEY = "indeed/feed.xml"


@dataclass
class IndeedPublisher(PublisherBase):
    feed_bucket: str = ""
    publisher_name: str = "Syndicate"
    publisher_url: str = "https://example.org/"

    changed: set[str] = field(default_factory=set)  # posting ids this invocation changed

    def apply(self, message: ChannelMessage) -> str:
        if not self.is_current(message):
            return "superseded"
        self.changed.add(message.posting_id)
        if message.action == "upsert":
            jobs = json.dumps(message.payload, ensure_ascii=False)
            extra = {"indeed_jobs": jobs, "indeed_feed": INDEED_OPEN}
            self.state.mark(
                message.posting_id,
                "indeed",
                message.content_hash,
                states.PUBLISHED,
                action=message.action,
                extra_set=extra,
            )
            return "published"
        self.state.mark(
            message.posting_id,
            "indeed",
            message.content_hash,
            states.REMOVED,
            action=message.action,
            remove=("indeed_jobs", "indeed_feed"),
        )
        return "removed"

    def rebuild_feed(self) -> None:
        """The feed holds every open Indeed job and only those: rebuilt whole from the state table."""
        self.rebuild_shared_feed(
            INDEED,
            self.changed,
            self.feed_bucket,
            FEED_KEY,
            lambda jobs, out: indeed.write_feed(
                jobs,
                out,
                publisher=self.publisher_name,
                publisher_url=self.publisher_url,
                last_build=self.now(),
            ),
        )

    @classmethod
    def from_environment(cls, s3: Any, dynamodb: Any) -> IndeedPublisher:
        return cls(
            **cls.stores_from_environment(s3, dynamodb),
            feed_bucket=os.environ["FEED_BUCKET"],
            publisher_name=os.environ.get("FEED_PUBLISHER", "Syndicate"),
            publisher_url=os.environ.get("FEED_PUBLISHER_URL", "https://example.org/"),
        )
