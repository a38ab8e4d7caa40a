"""What every publisher shares: reading a message (its payload from S3 if it travelled there),
checking it is still current, and the lease lock for shared documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.lock import LeaseLock
from syndicate.adapters.state import StateTable
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

    def is_current(self, message: ChannelMessage) -> bool:
        return (
            self.state.channel_entry(message.posting_id, message.channel).get("hash") == message.content_hash
        )

    def lock(self, name: str) -> LeaseLock:
        return LeaseLock(self.dynamodb, self.table_name, name)
