"""What each channel's publisher does with its messages; the handlers are thin wrappers.

Per message, the work is idempotent on (posting, channel, content hash, action) and ignores a
message that a newer version has superseded (the state table holds another hash). Per batch,
the shared document (Indeed feed, sitemap) is rebuilt once, under a lease lock, from the
state of record, so concurrent invocations can never lose each other's updates.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.lock import LeaseLock
from syndicate.adapters.state import INDEED_OPEN, StateTable
from syndicate.core.channels import indeed, linkedin, schemaorg, sitemap
from syndicate.pipeline import plan as states
from syndicate.pipeline.messages import ChannelMessage

FEED_KEY = "indeed/feed.xml"
LINKEDIN_REQUESTS_PREFIX = "linkedin/requests/"
PAGES_PREFIX = "jobs/"
JSONLD_PREFIX = "jsonld/"
SITEMAP_KEY = "sitemap.xml"
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


@dataclass
class SchemaOrgPublisher(PublisherBase):
    site_bucket: str = ""
    site_base_url: str = "https://jobs.example.org/"

    def apply(self, message: ChannelMessage) -> str:
        if not self.is_current(message):
            return "superseded"
        page_key = f"{PAGES_PREFIX}{message.posting_id}.html"
        jsonld_key = f"{JSONLD_PREFIX}{message.posting_id}.json"
        if message.action == "upsert":
            storage.put_text(
                self.s3, self.site_bucket, page_key, message.payload["page"], "text/html; charset=utf-8"
            )
            document = schemaorg.jsonld_document(message.payload["jsonld"])
            storage.put_text(self.s3, self.site_bucket, jsonld_key, document, "application/ld+json")
            self.state.mark(message.posting_id, "schemaorg", message.content_hash, states.PUBLISHED)
            return "published"
        storage.delete(self.s3, self.site_bucket, page_key)
        storage.delete(self.s3, self.site_bucket, jsonld_key)
        self.state.mark(message.posting_id, "schemaorg", message.content_hash, states.REMOVED)
        return "removed"

    def rebuild_sitemap(self) -> None:
        """One URL per job page, `lastmod` the time its page object was written."""
        base = self.site_base_url if self.site_base_url.endswith("/") else self.site_base_url + "/"
        with self.lock("sitemap").held(LOCK_WAIT_SECONDS):
            storage.put_streamed(
                self.s3,
                self.site_bucket,
                SITEMAP_KEY,
                lambda out: sitemap.write_sitemap(
                    (
                        (base + key, modified)
                        for key, modified in storage.list_objects(self.s3, self.site_bucket, PAGES_PREFIX)
                    ),
                    out,
                ),
                "application/xml",
            )

    @classmethod
    def from_environment(cls, s3: Any, dynamodb: Any) -> SchemaOrgPublisher:
        table = os.environ["STATE_TABLE"]
        return cls(
            s3=s3,
            state=StateTable(dynamodb, table),
            dynamodb=dynamodb,
            table_name=table,
            site_bucket=os.environ["SITE_BUCKET"],
            site_base_url=os.environ.get("SITE_BASE_URL", "https://jobs.example.org/"),
        )


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
