"""Sitemaps for the job pages (sitemaps.org protocol), written as streams: sitemap files of at most
50,000 URLs and 50 MB (uncompressed) each, listed by one sitemap index.

Google reads `lastmod` when it is accurate: a URL's is the time its page was last written, a
sitemap's (in the index) the latest of its URLs'. README "Scale" says how the files are cut.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import BinaryIO
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # the protocol's limit per sitemap file
MAX_SITEMAPS = 50_000  # and per sitemap index
MAX_BYTES = 50 * 1024 * 1024  # the protocol's limit per file, uncompressed

JOB_PAGES_PREFIX = "jobs/"  # where the job pages live below the site's base URL

_NO_ATTRIBUTES = AttributesImpl({})


def job_page_url(site_base_url: str, posting_id: str) -> str:
    """A job page's public URL (what the sitemap lists and Google is told about)."""
    base = site_base_url if site_base_url.endswith("/") else site_base_url + "/"
    return f"{base}{JOB_PAGES_PREFIX}{posting_id}.html"


class _Entries:
    """Serializes `<url>` (or `<sitemap>`) elements one at a time with one XML generator, so each
    element's size is known before it is placed in a file."""

    def __init__(self, element: str) -> None:
        self._element = element
        self._buffer = io.StringIO()
        self._xml = XMLGenerator(self._buffer, encoding="utf-8", short_empty_elements=True)

    def __call__(self, location: str, modified: datetime) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        xml = self._xml
        xml.ignorableWhitespace("\n  ")
        xml.startElement(self._element, _NO_ATTRIBUTES)
        for name, text in (("loc", location), ("lastmod", w3c_datetime(modified))):
            xml.startElement(name, _NO_ATTRIBUTES)
            xml.characters(text)
            xml.endElement(name)
        xml.endElement(self._element)
        return self._buffer.getvalue().encode("utf-8")


def _envelope(root: str) -> tuple[bytes, bytes]:
    """The bytes before the first and after the last entry of a `root` document."""
    buffer = io.StringIO()
    xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=False)
    xml.startDocument()
    xml.startElement(root, AttributesImpl({"xmlns": SITEMAP_NAMESPACE}))
    head = buffer.getvalue()
    xml.ignorableWhitespace("\n")
    xml.endElement(root)
    xml.ignorableWhitespace("\n")
    xml.endDocument()
    return head.encode("utf-8"), buffer.getvalue()[len(head) :].encode("utf-8")


_URLSET = _envelope("urlset")
_INDEX = _envelope("sitemapindex")


def write_sitemap(entries: Iterable[tuple[str, datetime]], out: BinaryIO) -> int:
    """Write one `<urlset>` with a `<url>` per (location, last modified); returns the count.
    Raises ValueError past the protocol's limits: cut the entries with `split_sitemaps` first."""
    return _write_limited(_URLSET, "url", MAX_URLS, entries, out)


def _write_limited(
    envelope: tuple[bytes, bytes],
    element_name: str,
    max_count: int,
    entries: Iterable[tuple[str, datetime]],
    out: BinaryIO,
) -> int:
    head, tail = envelope
    out.write(head)
    count, size = 0, len(head) + len(tail)
    serialize = _Entries(element_name)
    for location, modified in entries:
        element = serialize(location, modified)
        count, size = count + 1, size + len(element)
        if count > max_count or size > MAX_BYTES:
            raise ValueError(
                f"a sitemap file holds at most {max_count:,} <{element_name}> and {MAX_BYTES:,} bytes"
            )
        out.write(element)
    out.write(tail)
    return count


def split_sitemaps(
    entries: Iterable[tuple[str, datetime]],
    open_part: Callable[[int], AbstractContextManager[BinaryIO]],
    *,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
) -> list[datetime | None]:
    """Write the entries as sitemap files of at most `max_urls` URLs and `max_bytes` bytes each:
    part n (0, 1, ...) goes to `open_part(n)`. Returns each part's latest `lastmod` (None for the
    one empty part written when there are no entries), so an index can name them accurately."""
    head, tail = _URLSET
    serialize = _Entries("url")
    latest: list[datetime | None] = []
    pending = iter(entries)
    carried: tuple[bytes, datetime] | None = None
    while True:
        with open_part(len(latest)) as out:
            out.write(head)
            count, size, newest = 0, len(head) + len(tail), None
            if carried is not None:
                element, modified = carried
                out.write(element)
                count, size, newest, carried = 1, size + len(element), modified, None
            for location, modified in pending:
                element = serialize(location, modified)
                if count + 1 > max_urls or size + len(element) > max_bytes:
                    carried = (element, modified)
                    break
                out.write(element)
                count, size = count + 1, size + len(element)
                newest = modified if newest is None or modified > newest else newest
            out.write(tail)
        latest.append(newest)
        if carried is None:
            return latest


def write_index(sitemaps: Iterable[tuple[str, datetime]], out: BinaryIO) -> int:
    """Write a `<sitemapindex>` naming each (sitemap location, its latest lastmod); returns the count."""
    return _write_limited(_INDEX, "sitemap", MAX_SITEMAPS, sitemaps, out)


def w3c_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def entry_size(location: str, modified: datetime) -> int:
    """The bytes one `<url>` element takes in a sitemap file."""
    return len(_Entries("url")(location, modified))
