"""schema.org publisher: one page per open job (its JSON-LD embedded); each page's sitemap entry kept
in the feed table, from which the feed builder writes the sitemap files and their index.

Pages are written by compare-and-swap (adapters.object_swap), so an older version never overwrites
a newer page, whatever order two deliveries run in. The state table is the arbiter: the state's
version changes (ingest, expiry) before the message of the new version is sent, so
1. read the page's ETag, 2. check the message is still the state's current version, 3. write (or
delete) the page only if its ETag is still the one read, else start again at 1; 4. after a write,
check again: a message superseded meanwhile deletes the page it wrote (only that page: its ETag is
its version's own), which closes the one gap left, a removal that found no page to delete before
an older upsert created one. Then the sitemap entry and the state, by two ordered conditional
writes (PublisherBase.record_entry).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.adapters import object_swap
from syndicate.adapters.feed_store import SITEMAP
from syndicate.core.channels import schemaorg_page, sitemap
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.publishers.base import APPLIED, SUPERSEDED, PublisherBase
from syndicate.settings import SchemaOrgPublisherSettings

PAGES_PREFIX = sitemap.JOB_PAGES_PREFIX
PAGE_TYPE = "text/html; charset=utf-8"
# Rounds of read-check-write one message tries before it gives up (and SQS delivers it again).
SWAP_ATTEMPTS = 8


class PageContended(RuntimeError):
    """The page kept changing under the publisher: the message is retried."""


@dataclass
class SchemaOrgPublisher(PublisherBase):
    site_bucket: str = ""
    site_base_url: str = ""

    def page_url(self, posting_id: str) -> str:
        return sitemap.job_page_url(self.site_base_url, posting_id)

    def apply(self, message: ChannelMessage) -> str:
        standing = self.standing(message)
        if standing.outcome == SUPERSEDED:
            return "superseded"
        if standing.outcome == APPLIED:
            return self.applied_again(SITEMAP, message)
        body = None
        if message.action == "upsert":
            page = job_page_of(message.payload, self.page_url(message.posting_id))
            body = (page + version_mark(message)).encode("utf-8")
        if not self._swap_page(message, body):
            return "superseded"
        return self.record_entry(SITEMAP, message, standing.version)  # its time is the page's lastmod

    def _swap_page(self, message: ChannelMessage, body: bytes | None) -> bool:
        """Make the page `body` (None: no page) while the message is current; False once it is
        not (a newer version's message writes the page)."""
        key = f"{PAGES_PREFIX}{message.posting_id}.html"
        for _ in range(SWAP_ATTEMPTS):
            seen = object_swap.etag(self.s3, self.site_bucket, key)
            if not self.is_current(message):
                return False
            if body is None:
                if seen is None or object_swap.delete_if(self.s3, self.site_bucket, key, seen):
                    return True
                continue
            written = object_swap.put_if(self.s3, self.site_bucket, key, body, PAGE_TYPE, seen)
            if written is None:
                continue
            if self.is_current(message):
                return True
            object_swap.delete_if(self.s3, self.site_bucket, key, written)
            return False
        raise PageContended(f"the page of {message.posting_id} kept changing over {SWAP_ATTEMPTS} attempts")

    @classmethod
    def from_settings(
        cls, settings: SchemaOrgPublisherSettings, s3: Any, dynamodb: Any
    ) -> SchemaOrgPublisher:
        return cls(
            **cls.stores(settings.tables, s3, dynamodb),
            site_bucket=settings.site_bucket,
            site_base_url=settings.site_base_url,
        )


def version_mark(message: ChannelMessage) -> str:
    """An HTML comment naming the version (a digest: hex only) at the end of the page, so that each
    version's page has its own bytes and ETag, even where two versions render the same page: a
    superseded message deleting "its" page by ETag can then never delete a newer version's."""
    digest = hashlib.sha256(f"{message.content_hash}#{message.upload_order}".encode()).hexdigest()[:32]
    return f"\n<!-- version {digest} -->\n"


def job_page_of(payload: Mapping[str, Any], page_url: str) -> str:
    """The page a schema.org message stands for. Messages queued before pages were rendered here
    carry the page itself; they are still honoured."""
    if "page" in payload:
        return str(payload["page"])
    return schemaorg_page.render_page(payload["jsonld"], payload.get("page_facts", {}), page_url)
