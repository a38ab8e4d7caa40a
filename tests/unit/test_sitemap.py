"""Sitemaps at any size: files of at most 50,000 URLs and 50 MB, named by a valid sitemap index."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import pytest

from syndicate.core.channels import sitemap

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
START = datetime(2026, 11, 1, tzinfo=UTC)


class Parts:
    """Sitemap files written by `split_sitemaps`, kept in memory by part number."""

    def __init__(self) -> None:
        self.files: dict[int, bytes] = {}

    @contextmanager
    def open(self, number: int) -> Iterator[BinaryIO]:
        buffer = io.BytesIO()
        yield buffer
        self.files[number] = buffer.getvalue()


def pages(count: int) -> Iterator[tuple[str, datetime]]:
    for number in range(count):
        yield f"https://jobs.example.com/jobs/P{number:06d}.html", START + timedelta(minutes=number)


def test_more_than_50000_pages_make_several_sitemaps_and_a_valid_index() -> None:
    count = 120_001
    parts = Parts()
    newest = sitemap.split_sitemaps(pages(count), parts.open)

    assert len(parts.files) == 3 and len(newest) == 3
    seen: list[str] = []
    for number, body in sorted(parts.files.items()):
        root = ET.fromstring(body)
        assert root.tag == f"{NS}urlset"
        urls = root.findall(f"{NS}url")
        assert len(urls) <= sitemap.MAX_URLS and len(body) <= sitemap.MAX_BYTES
        seen += [(url.findtext(f"{NS}loc") or "") for url in urls]
        # The part's lastmod, as the index will name it, is its newest page's.
        assert newest[number] == max(
            datetime.fromisoformat(url.findtext(f"{NS}lastmod") or "") for url in urls
        )
    assert seen == [location for location, _ in pages(count)]  # every page once, in order

    index = io.BytesIO()
    named = [
        (f"https://jobs.example.com/sitemaps/{n}.xml", moment) for n, moment in enumerate(newest) if moment
    ]
    assert sitemap.write_index(named, index) == 3
    root = ET.fromstring(index.getvalue())
    assert root.tag == f"{NS}sitemapindex"
    entries = root.findall(f"{NS}sitemap")
    assert [e.findtext(f"{NS}loc") for e in entries] == [location for location, _ in named]
    last_page = START + timedelta(minutes=count - 1)
    assert entries[-1].findtext(f"{NS}lastmod") == sitemap.w3c_datetime(last_page)


def test_a_file_is_cut_before_it_would_pass_the_byte_limit() -> None:
    parts = Parts()
    one = sitemap.entry_size(*next(pages(1)))
    limit = 200 + 10 * one  # room for the envelope and about ten URLs
    sitemap.split_sitemaps(pages(35), parts.open, max_bytes=limit)

    assert all(len(body) <= limit for body in parts.files.values())
    total = sum(len(ET.fromstring(body).findall(f"{NS}url")) for body in parts.files.values())
    assert total == 35 and len(parts.files) == 4


def test_no_pages_make_one_empty_sitemap() -> None:
    parts = Parts()
    assert sitemap.split_sitemaps(iter(()), parts.open) == [None]
    assert ET.fromstring(parts.files[0]).findall(f"{NS}url") == []


def test_one_sitemap_refuses_a_url_past_the_limit() -> None:
    with pytest.raises(ValueError, match="50,000 <url>"):
        sitemap.write_sitemap(pages(sitemap.MAX_URLS + 1), io.BytesIO())


def test_locations_are_escaped_by_the_xml_generator() -> None:
    out = io.BytesIO()
    sitemap.write_sitemap([("https://jobs.example.com/jobs/a&b<c>.html", START)], out)
    assert b"a&amp;b&lt;c&gt;.html" in out.getvalue()
    assert (
        ET.fromstring(out.getvalue()).findtext(f"{NS}url/{NS}loc")
        == "https://jobs.example.com/jobs/a&b<c>.html"
    )
