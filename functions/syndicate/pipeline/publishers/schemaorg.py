"""schema.org publisher: one page and one JSON-LD file per open job; each page's sitemap entry kept in
the feed table, from which the feed builder writes the sitemap files and their index."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.adapters import storage
from syndicate.adapters.feed_store import SITEMAP
from syndicate.core.channels import schemaorg, schemaorg_page, sitemap
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.publishers.base import PublisherBase
from syndicate.settings import SchemaOrgPublisherSettings

PAGES_PREFIX = sitemap.JOB_PAGES_PREFIX
JSONLD_PREFIX = "jsonld/"


@dataclass
class SchemaOrgPublisher(PublisherBase):
    site_bucket: str = ""
    site_base_url: str = ""

    def page_url(self, posting_id: str) -> str:
        return sitemap.job_page_url(self.site_base_url, posting_id)

    def apply(self, message: ChannelMessage) -> str:
        if not self.is_current(message):
            return "superseded"
        page_key = f"{PAGES_PREFIX}{message.posting_id}.html"
        jsonld_key = f"{JSONLD_PREFIX}{message.posting_id}.json"
        if message.action == "upsert":
            page = job_page_of(message.payload, self.page_url(message.posting_id))
            storage.put_text(self.s3, self.site_bucket, page_key, page, "text/html; charset=utf-8")
            document = schemaorg.jsonld_document(message.payload["jsonld"])
            storage.put_text(self.s3, self.site_bucket, jsonld_key, document, "application/ld+json")
            return self.record_entry(SITEMAP, message)  # the entry's time is the page's lastmod
        storage.delete(self.s3, self.site_bucket, page_key)
        storage.delete(self.s3, self.site_bucket, jsonld_key)
        return self.record_entry(SITEMAP, message)

    @classmethod
    def from_settings(
        cls, settings: SchemaOrgPublisherSettings, s3: Any, dynamodb: Any
    ) -> SchemaOrgPublisher:
        return cls(
            **cls.stores(settings.tables, s3, dynamodb),
            site_bucket=settings.site_bucket,
            site_base_url=settings.site_base_url,
        )


def job_page_of(payload: Mapping[str, Any], page_url: str) -> str:
    """The page a schema.org message stands for. Messages queued before pages were rendered here
    carry the page itself; they are still honoured."""
    if "page" in payload:
        return str(payload["page"])
    return schemaorg_page.render_page(payload["jsonld"], payload.get("page_facts", {}), page_url)
