"""What every publisher shares: reading a message (its payload from S3 if it travelled there),
checking it is still current, and the lease lock for shared documents."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from syndicate.adapters import storage
from syndicate.adapters.lock import LeaseLock
from syndicate.adapters.state import Feed, StateTable
from syndicate.pipeline.messages import ChannelMessage

LOCK_WAIT_SECONDS = 30.0


def load_message(s3: Any, body: str) -> ChannelMessage:
    """The message with its payload, fetched from S3 when it travelled there."""
    message = ChannelMessage.from_json(body)
    if message.payload_ref is None:
        return message
    stored = storage.read_json_text(s3, message.payload_ref["bucket"], message.payload_ref["key"])
    return ChannelMessage.from_json(stored)


@dataclass
class PublisherBase:
    s3: Any
    state: StateTable
    dynamodb: Any
    table_name: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @staticmethod
    def stores_from_environment(s3: Any, dynamodb: Any) -> dict[str, Any]:
        """The clients and the state table every publisher is built with (STATE_TABLE from env)."""
        table = os.environ["STATE_TABLE"]
        return {"s3": s3, "state": StateTable(dynamodb, table), "dynamodb": dynamodb, "table_name": table}

    def is_current(self, message: ChannelMessage) -> bool:
        """The state still holds this message's content and action for its channel: a newer version,
        or expiry taking the same version down, supersedes it."""
        entry = self.state.channel_entry(message.posting_id, message.channel)
        return (
            entry.get("hash") == message.content_hash
            and entry.get("action", message.action) == message.action
        )

    def lock(self, name: str) -> LeaseLock:
        return LeaseLock(self.dynamodb, self.table_name, name)

    def rebuild_shared_feed(
        self,
        feed: Feed,
        changed: set[str],
        bucket: str,
        key: str,
        write: Callable[[Iterator[dict[str, Any]], BinaryIO], Any],
    ) -> None:
        """A feed holds every open job of its channel and only those: rebuilt whole from the state.

        The sparse index lists the postings in the feed, but index reads lag behind writes, so every
        posting changed in the last seconds (by any invocation: the list is kept under the same
        lock) is read again from the table itself, strongly consistent, and wins over the index.
        """
        with self.lock(feed.name).held(LOCK_WAIT_SECONDS):
            recent = self.state.remember_changes(feed.name, changed, time.time())
            changed.clear()
            fresh = self.state.feed_jobs_of_many(feed, recent)

            def jobs() -> Iterator[dict[str, Any]]:
                for posting_id, posting_jobs in self.state.feed_entries(feed):
                    if posting_id not in fresh:
                        yield from posting_jobs
                for posting_jobs in fresh.values():
                    yield from posting_jobs

            storage.put_streamed(self.s3, bucket, key, lambda out: write(jobs(), out), "application/xml")
