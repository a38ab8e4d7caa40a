"""Indeed publisher: each posting's jobs kept in the state table; the feed rebuilt from it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.state import INDEED_OPEN, StateTable
from syndicate.core.channels import indeed
from syndicate.pipeline import plan as states
from syndicate.pipeline.messages import ChannelMessage
from syndicate.pipeline.publishers.base import LOCK_WAIT_SECONDS, PublisherBase

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
                message.posting_id, "indeed", message.content_hash, states.PUBLISHED, extra_set=extra
            )
            return "published"
        self.state.mark(
            message.posting_id,
            "indeed",
            message.content_hash,
            states.REMOVED,
            remove=("indeed_jobs", "indeed_feed"),
        )
        return "removed"

    def rebuild_feed(self) -> None:
        """The feed holds every open Indeed job and only those: rebuilt whole from the state table.

        The sparse index lists the postings on Indeed, but index reads lag behind writes, so every
        posting changed in the last minutes (by any invocation: the list is kept under the same
        lock) is read again from the table itself, strongly consistent, and wins over the index.
        """
        with self.lock("indeed-feed").held(LOCK_WAIT_SECONDS):
            recent = self.state.remember_changes("indeed-feed", self.changed, time.time())
            self.changed.clear()
            fresh = {posting_id: self.state.indeed_jobs_of(posting_id) for posting_id in sorted(recent)}

            def jobs() -> Iterator[dict[str, str]]:
                for posting_id, posting_jobs in self.state.indeed_feed_entries():
                    if posting_id not in fresh:
                        yield from posting_jobs
                for posting_jobs in fresh.values():
                    yield from posting_jobs

            storage.put_streamed(
                self.s3,
                self.feed_bucket,
                FEED_KEY,
                lambda out: indeed.write_feed(
                    jobs(),
                    out,
                    publisher=self.publisher_name,
                    publisher_url=self.publisher_url,
                    last_build=self.now(),
                ),
                "application/xml",
            )

    @classmethod
    def from_environment(cls, s3: Any, dynamodb: Any) -> IndeedPublisher:
        table = os.environ["STATE_TABLE"]
        return cls(
            s3=s3,
            state=StateTable(dynamodb, table),
            dynamodb=dynamodb,
            table_name=table,
            feed_bucket=os.environ["FEED_BUCKET"],
            publisher_name=os.environ.get("FEED_PUBLISHER", "Syndicate"),
            publisher_url=os.environ.get("FEED_PUBLISHER_URL", "https://example.org/"),
        )
