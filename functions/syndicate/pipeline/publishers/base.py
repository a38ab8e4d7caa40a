"""What every publisher shares: reading a message (its payload from S3 if it travelled there),
checking it is still current, and recording a posting's entry in a shared document.

Entries go to the feed table with the state, never into the document itself (docs/design.md,
"Publishers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.feed_store import FeedStore, shard_of
from syndicate.adapters.state import StateTable, time_text
from syndicate.core import plan as states
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.state_store import StateStore
from syndicate.settings import PublisherTables

SUPERSEDED = "superseded"
APPLIED = "applied"
DUE = "due"


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
    state: StateStore
    dynamodb: Any
    table_name: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    feeds: FeedStore | None = None

    @staticmethod
    def stores(tables: PublisherTables, s3: Any, dynamodb: Any) -> dict[str, Any]:
        """The clients and the tables every publisher is built with."""
        return {
            "s3": s3,
            "state": StateTable(dynamodb, tables.state_table),
            "dynamodb": dynamodb,
            "table_name": tables.state_table,
            "feeds": FeedStore(dynamodb, tables.feed_table),
        }

    def is_current(self, message: ChannelMessage) -> bool:
        """The state still holds this message's content and action for its channel: a newer version,
        or expiry taking the same version down, supersedes it."""
        return self.standing(message) != SUPERSEDED

    def standing(self, message: ChannelMessage) -> str:
        """Where the message stands against the state (one strongly consistent read): SUPERSEDED,
        APPLIED (this version and action already published or removed: a redelivery, or a message
        another delivery applied first) or DUE.

        Together with the conditional transaction of `record_entry`, this is what makes a publisher
        idempotent: a message is applied only while it is the state's current version, applying it
        again changes nothing, and a redelivered one finds itself APPLIED (README, "Order and
        duplicates"); no idempotency record is needed for publishers that call no outside API."""
        entry = self.state.channel_entry(message.posting_id, message.channel)
        if entry.get("hash") != message.content_hash or entry.get("action", message.action) != message.action:
            return SUPERSEDED
        done = states.PUBLISHED if message.action == "upsert" else states.REMOVED
        return APPLIED if entry.get("state") == done else DUE

    def applied_again(self, document: str, message: ChannelMessage) -> str:
        """The outcome of a message found APPLIED. Its shard is marked dirty again, in case the
        first delivery stopped between its transaction and that mark (an extra mark costs one render
        of the shard; a lost one would leave the document stale)."""
        assert self.feeds is not None, "a publisher of shared documents is built with the feed table"
        self.feeds.mark_dirty(document, shard_of(message.posting_id))
        return "published" if message.action == "upsert" else "removed"

    def record_entry(
        self,
        document: str,
        message: ChannelMessage,
        payload: Any = None,
        entry_set: Mapping[str, Any] | None = None,
    ) -> str:
        """Put the posting in `document` (an upsert, with `payload`) or take it out (a remove), and
        mark its channel published or removed (with `entry_set` in its state entry), in one
        transaction that holds only while the state still holds this message's version;
        "superseded" when it no longer does."""
        assert self.feeds is not None, "a publisher of shared documents is built with the feed table"
        upsert = message.action == "upsert"
        update = self.state.mark_update(
            message.posting_id,
            message.channel,
            message.content_hash,
            states.PUBLISHED if upsert else states.REMOVED,
            action=message.action,
            entry_set=entry_set,
        )
        if upsert:
            stored = self.feeds.publish(document, message.posting_id, payload, time_text(self.now()), update)
        else:
            stored = self.feeds.withdraw(document, message.posting_id, update)
        if not stored:
            return "superseded"
        return "published" if upsert else "removed"
