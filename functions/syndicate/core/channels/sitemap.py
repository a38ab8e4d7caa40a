"""sitemap.xml for the job pages (sitemaps.org protocol), written as a stream.

Google reads `lastmod` when it is accurate, so it is the time the page object was last written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import BinaryIO
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # the protocol's limit per sitemap file


def write_sitemap(entries: Iterable[tuple[str, datetime]], out: BinaryIO) -> int:
    """Write `<urlset>` with one `<url>` per (location, last modified); returns the count."""
    xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startElement("urlset", AttributesImpl({"xmlns": SITEMAP_NAMESPACE}))
    count = 0
    for location, modified in entries:
        if count == MAX_URLS:
            raise ValueError(f"a sitemap holds at most {MAX_URLS} URLs")
        xml.startElement("url", AttributesImpl({}))
        for name, text in (("loc", location), ("lastmod", _w3c_datetime(modified))):
            xml.startElement(name, AttributesImpl({}))
            xml.characters(text)
            xml.endElement(name)
        xml.endElement("url")
        count += 1
    xml.endElement("urlset")
    xml.endDocument()
    return count


def _w3c_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
