"""LinkedIn publisher: the batch's jobs as Job Posting API request bodies (at most 100 jobs each)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.state import StateTable
from syndicate.core.channels import linkedin
from syndicate.pipeline import plan as states
from syndicate.pipeline.messages import ChannelMessage
from syndicate.pipeline.publishers.base import PublisherBase

LINKEDIN_REQUESTS_PREFIX = "linkedin/requests/"


@dataclass
class LinkedInRecorder(PublisherBase):
    """Until the LinkedIn API client exists: record the exact request bodies it would send."""

    feed_bucket: str = ""

    def still_to_send(self, messages: list[ChannelMessage]) -> list[ChannelMessage]:
        """Drop superseded messages and those already delivered (a redelivery after a crash)."""
        done = {states.PUBLISHED, states.REMOVED}
        keep = []
        for message in messages:
            entry = self.state.channel_entry(message.posting_id, "linkedin")
            if entry.get("hash") == message.content_hash and entry.get("state") not in done:
                keep.append(message)
        return keep

    def request_bodies(self, messages: list[ChannelMessage]) -> list[dict[str, Any]]:
        """`{"digest", "key", "text"}` per request body of at most 100 jobs, in send order."""
        bodies = []
        for body in linkedin.batch_requests(message.payload for message in messages):
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            stamp = self.now().strftime("%Y%m%dT%H%M%S%fZ")
            bodies.append(
                {
                    "digest": digest,
                    "key": f"{LINKEDIN_REQUESTS_PREFIX}{stamp}-{digest[:16]}.json",
                    "text": text,
                }
            )
        return bodies

    def record(self, request: dict[str, Any]) -> None:
        storage.put_text(self.s3, self.feed_bucket, request["key"], request["text"], "application/json")

    def mark_sent(self, messages: list[ChannelMessage]) -> None:
        for message in messages:
            state = states.PUBLISHED if message.action == "upsert" else states.REMOVED
            self.state.mark(message.posting_id, "linkedin", message.content_hash, state)

    @classmethod
    def from_environment(cls, s3: Any, dynamodb: Any) -> LinkedInRecorder:
        table = os.environ["STATE_TABLE"]
        return cls(
            s3=s3,
            state=StateTable(dynamodb, table),
            dynamodb=dynamodb,
            table_name=table,
            feed_bucket=os.environ["FEED_BUCKET"],
        )
