"""The feed builder: the shared documents assembled at a bounded rate from the feed table's shards.

Re-renders only dirty shards, then streams each document (Indeed feed, LinkedIn XML feed, sitemap)
from the fragments; one run at a time. The steps: docs/design.md, "The feed builder".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from syndicate.adapters import storage
from syndicate.adapters.feed_store import (
    INDEED_FEED,
    LINKEDIN_FEED,
    SITEMAP,
    Entry,
    FeedStore,
    Shard,
    shard_name,
)
from syndicate.adapters.lock import LeaseLock, LockTimeout
from syndicate.core.channels import indeed, linkedin_feed, sitemap
from syndicate.settings import FeedBuilderSettings

FRAGMENTS_PREFIX = "fragments/"  # in the feed bucket; never served
INDEED_FEED_KEY = "indeed/feed.xml"
LINKEDIN_FEED_KEY = "linkedin/feed.xml"
LINKEDIN_MORE_PREFIX = "linkedin/feed-"  # linkedin/feed-2.xml, feed-3.xml, ...
SITEMAP_INDEX_KEY = "sitemap.xml"
SITEMAPS_PREFIX = "sitemaps/"
ROBOTS_KEY = "robots.txt"
XML = "application/xml"
# Time kept back for assembling the documents once rendering stops (a 1,000,000-job feed streams in
# a few minutes; see README, "Scale").
RENDER_RESERVE_SECONDS = 300.0

logger = Logger(child=True)


class MissingFragment(RuntimeError):
    """A shard's fragment is not where its last build put it (deleted by hand?): render it again."""

    def __init__(self, shard: int) -> None:
        super().__init__(f"the fragment of shard {shard_name(shard)} is missing")
        self.shard = shard


def parse_time_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Document(Protocol):
    name: str

    def render(self, shard: Shard, entries: Iterator[Entry]) -> dict[str, Any]:
        """Write the shard's part of the document; return the facts the assembly needs of it."""

    def assemble(self, shards: Sequence[tuple[int, Mapping[str, Any]]], now: datetime) -> None:
        """Write the document from every shard's facts (shard number order)."""


@dataclass
class _FragmentFeed:
    """A feed whose shards are fragments of `<job>` elements in the feed bucket."""

    name: str
    s3: Any
    bucket: str
    write_jobs: Callable[[Iterator[Any], BinaryIO], int]

    def fragment_key(self, shard: int) -> str:
        return f"{FRAGMENTS_PREFIX}{self.name}/{shard_name(shard)}.xml"

    def render(self, shard: Shard, entries: Iterator[Entry]) -> dict[str, Any]:
        written = 0

        def write(out: BinaryIO) -> None:
            nonlocal written
            written = self.write_jobs((job for entry in entries for job in entry.payload or ()), out)

        storage.put_large(self.s3, self.bucket, self.fragment_key(shard.number), write, XML)
        return {"jobs": written}

    def fragments(self, shards: Sequence[tuple[int, Mapping[str, Any]]]) -> Iterator[BinaryIO]:
        for number, facts in shards:
            if facts.get("jobs", 0):
                try:
                    stream = storage.open_object(self.s3, self.bucket, self.fragment_key(number))
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") == "NoSuchKey":
                        raise MissingFragment(number) from error
                    raise
                with stream:
                    yield stream


@dataclass
class IndeedFeed(_FragmentFeed):
    publisher: str = "Syndicate"
    publisher_url: str = "https://example.org/"

    def assemble(self, shards: Sequence[tuple[int, Mapping[str, Any]]], now: datetime) -> None:
        storage.put_large(
            self.s3,
            self.bucket,
            INDEED_FEED_KEY,
            lambda out: indeed.write_feed_of_fragments(
                self.fragments(shards),
                out,
                publisher=self.publisher,
                publisher_url=self.publisher_url,
                last_build=now,
            ),
            XML,
        )


@dataclass
class LinkedInFeed(_FragmentFeed):
    def assemble(self, shards: Sequence[tuple[int, Mapping[str, Any]]], now: datetime) -> None:
        counts = [facts.get("jobs", 0) for _, facts in shards]
        groups = linkedin_feed.split_by_jobs(counts, linkedin_feed.MAX_JOBS)
        keys = [LINKEDIN_FEED_KEY] + [f"{LINKEDIN_MORE_PREFIX}{n}.xml" for n in range(2, len(groups) + 1)]
        for key, group in zip(keys, groups, strict=True):
            part = [shards[position] for position in group]
            storage.put_large(
                self.s3,
                self.bucket,
                key,
                lambda out, part=part: linkedin_feed.write_feed_of_fragments(  # type: ignore[misc]
                    self.fragments(part), out, last_build=now
                ),
                XML,
            )
        # Files of an earlier, longer split: their jobs are in the files above now.
        for key, _ in storage.list_objects(self.s3, self.bucket, LINKEDIN_MORE_PREFIX):
            if key not in keys:
                storage.delete(self.s3, self.bucket, key)
        if len(keys) > 1:  # each file's URL must be registered with LinkedIn
            logger.info("LinkedIn feed split", extra={"files": keys, "max_jobs": linkedin_feed.MAX_JOBS})


@dataclass
class Sitemaps:
    """The sitemap: per shard one sitemap file (more past 50,000 URLs or 50 MB), and the index."""

    s3: Any
    bucket: str
    base_url: str
    name: str = SITEMAP

    def part_key(self, shard: int, part: int) -> str:
        suffix = "" if part == 0 else f"-{part + 1}"
        return f"{SITEMAPS_PREFIX}{shard_name(shard)}{suffix}.xml"

    def render(self, shard: Shard, entries: Iterator[Entry]) -> dict[str, Any]:
        first = next(entries, None)
        lastmods: list[str] = []
        if first is not None:

            def urls() -> Iterator[tuple[str, datetime]]:
                for entry in _chain(first, entries):
                    url = sitemap.job_page_url(self.base_url, entry.posting_id)
                    yield url, parse_time_text(entry.modified)

            def open_part(part: int) -> AbstractContextManager[BinaryIO]:
                return storage.spooled_upload(self.s3, self.bucket, self.part_key(shard.number, part), XML)

            newest = sitemap.split_sitemaps(urls(), open_part, max_urls=sitemap.MAX_URLS)
            lastmods = [sitemap.w3c_datetime(moment) for moment in newest if moment is not None]
        for stale in range(len(lastmods), len(shard.facts.get("parts", []))):
            storage.delete(self.s3, self.bucket, self.part_key(shard.number, stale))
        return {"parts": lastmods}

    def assemble(self, shards: Sequence[tuple[int, Mapping[str, Any]]], now: datetime) -> None:
        del now  # each sitemap's lastmod is its newest page's
        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"

        def sitemaps() -> Iterator[tuple[str, datetime]]:
            for number, facts in shards:
                for part, lastmod in enumerate(facts.get("parts", [])):
                    yield base + self.part_key(number, part), datetime.fromisoformat(lastmod)

        storage.put_large(
            self.s3, self.bucket, SITEMAP_INDEX_KEY, lambda out: sitemap.write_index(sitemaps(), out), XML
        )
        if not storage.exists(self.s3, self.bucket, ROBOTS_KEY):
            # Crawlers find the sitemap index through robots.txt; one the operator wrote is kept.
            robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}{SITEMAP_INDEX_KEY}\n"
            storage.put_text(self.s3, self.bucket, ROBOTS_KEY, robots, "text/plain; charset=utf-8")


def _chain(first: Entry, rest: Iterator[Entry]) -> Iterator[Entry]:
    yield first
    yield from rest


# Longer than the function may run (Timeout 900): a live build never loses its lock to another.
LEASE_SECONDS = 960.0


@dataclass
class FeedBuilder:
    feeds: FeedStore
    documents: Sequence[Document]
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    lock: LeaseLock | None = None  # held while a build runs, so one runs at a time

    def build_alone(self, seconds_left: Callable[[], float] = lambda: float("inf")) -> dict[str, int] | None:
        """`build` while holding the lock; None when another build holds it (the dirty shards then
        wait for the next run)."""
        assert self.lock is not None, "built without a lock: use build()"
        try:
            with self.lock.held(wait_seconds=0):
                return self.build(seconds_left)
        except LockTimeout:
            return None

    def build(self, seconds_left: Callable[[], float] = lambda: float("inf")) -> dict[str, int]:
        """Render every dirty shard of every document and assemble the documents that changed;
        returns the shards rendered per document. Stops rendering when `seconds_left()` runs low."""
        rendered: dict[str, int] = {}
        for document in self.documents:
            rendered[document.name] = self._build(document, seconds_left)
        return rendered

    def _build(self, document: Document, seconds_left: Callable[[], float]) -> int:
        shards = self.feeds.shards(document.name)
        facts = {shard.number: dict(shard.facts) for shard in shards}
        rendered = 0
        for shard in shards:
            if not shard.dirty:
                continue
            if seconds_left() < RENDER_RESERVE_SECONDS:
                break  # assemble what is rendered; the rest stays dirty for the next run
            new_facts = document.render(shard, self.feeds.entries(document.name, shard.number))
            self.feeds.record_build(document.name, shard.number, shard.version, new_facts)
            facts[shard.number] = new_facts
            rendered += 1
        if rendered:
            try:
                document.assemble(sorted(facts.items()), self.now())
            except MissingFragment as missing:
                # The document keeps its last good version; the next run renders the shard again.
                self.feeds.mark_dirty(document.name, missing.shard)
                logger.warning(
                    "a fragment was missing", extra={"document": document.name, "error": str(missing)}
                )
        return rendered

    @classmethod
    def from_settings(cls, settings: FeedBuilderSettings, s3: Any, dynamodb: Any) -> FeedBuilder:
        documents: list[Document] = [
            IndeedFeed(
                INDEED_FEED,
                s3,
                settings.feed_bucket,
                indeed.write_jobs,
                publisher=settings.feed_publisher,
                publisher_url=settings.feed_publisher_url,
            ),
            LinkedInFeed(LINKEDIN_FEED, s3, settings.feed_bucket, linkedin_feed.write_jobs),
            Sitemaps(s3, settings.site_bucket, settings.site_base_url),
        ]
        lock = LeaseLock(
            dynamodb,
            settings.feed_table,
            "feed-builder",
            lease_seconds=LEASE_SECONDS,
            key={"pk": {"S": "#lock"}, "sk": {"S": "feed-builder"}},
        )
        return cls(FeedStore(dynamodb, settings.feed_table), documents, lock=lock)
