"""What every publisher shares: reading a message (its payload from S3 if it travelled there),
checking it is still current, and recording a posting's entry in a shared document.

Entries go to the feed table, then the state is marked, never into the document itself
(docs/design.md, "Publishers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.feed_store import FeedStore, shard_of
from syndicate.adapters.state import StateTable, Version, time_text
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


@dataclass(frozen=True, slots=True)
class Standing:
    outcome: str  # SUPERSEDED, APPLIED or DUE
    version: Version  # the state's version when read


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
        return self.standing(message).outcome != SUPERSEDED

    def standing(self, message: ChannelMessage) -> Standing:
        """Where the message stands against the state (one strongly consistent read): SUPERSEDED,
        APPLIED (this version and action already published or removed: a redelivery, or a message
        another delivery applied first) or DUE; with the state's version.

        Together with the ordered conditional writes of `record_entry`, this is what makes a
        publisher idempotent: a message is applied only while it is the state's current version,
        applying it again changes nothing, and a redelivered one finds itself APPLIED (README,
        "Order and duplicates"); no idempotency record is needed for publishers that call no
        outside API."""
        item = self.state.get(message.posting_id) or {}
        entry = item.get("channels", {}).get(message.channel, {})
        version = Version.of_item(item)
        if entry.get("hash") != message.content_hash or entry.get("action", message.action) != message.action:
            return Standing(SUPERSEDED, version)
        done = states.PUBLISHED if message.action == "upsert" else states.REMOVED
        return Standing(APPLIED if entry.get("state") == done else DUE, version)

    def applied_again(self, document: str, message: ChannelMessage) -> str:
        """The outcome of a message found APPLIED. Its shard is marked dirty again, in case the
        first delivery stopped between its writes and that mark (an extra mark costs one render
        of the shard; a lost one would leave the document stale)."""
        assert self.feeds is not None, "a publisher of shared documents is built with the feed table"
        self.feeds.mark_dirty(document, shard_of(message.posting_id))
        return "published" if message.action == "upsert" else "removed"

    def record_entry(
        self,
        document: str,
        message: ChannelMessage,
        version: Version,
        payload: Any = None,
        entry_set: Mapping[str, Any] | None = None,
    ) -> str:
        """Put the posting in `document` (an upsert, with `payload`) or take it out (a remove), then
        mark its channel published or removed (with `entry_set` in its state entry); "superseded"
        when either write finds a newer version. `version` is the state's, read by `standing` when
        it found the message current.

        Two conditional writes, in this order, not a transaction (which bills every item twice):
        1. the entry, only over an older version's (FeedStore): a stale message never puts an old
           entry back; 2. the state, only while it holds this message's content and action. A
        crash between them leaves the state unmarked: the redelivered message is still DUE and
        writes both again (the entry of the same version may be rewritten). An entry written by a
        message whose state write then loses to a newer version is newer than the one it replaced,
        and the newer version's own message replaces it (that version was decided while this one
        was live on the channel, so it sends an upsert or a remove here)."""
        assert self.feeds is not None, "a publisher of shared documents is built with the feed table"
        upsert = message.action == "upsert"
        modified = time_text(self.now())
        if upsert:
            stored = self.feeds.publish(document, message.posting_id, payload, modified, version.key)
        else:
            stored = self.feeds.withdraw(document, message.posting_id, modified, version.key)
        if not stored:
            return "superseded"
        marked = self.state.mark(
            message.posting_id,
            message.channel,
            message.content_hash,
            states.PUBLISHED if upsert else states.REMOVED,
            action=message.action,
            entry_set=entry_set,
        )
        if not marked:
            return "superseded"
        return "published" if upsert else "removed"
