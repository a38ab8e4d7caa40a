"""The shared feed writer: each feed's name rule and name in its errors, CDATA that text cannot end."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from syndicate.core import xmlfeed


def written(write: Callable[[xmlfeed.FeedWriter], None]) -> bytes:
    out = io.BytesIO()
    writer = xmlfeed.FeedWriter(out, feed="Test", is_name=lambda name: name in {"root", "job", "a"})
    writer.start_document("root")
    write(writer)
    writer.end_document("root")
    return out.getvalue()


def test_a_feed_gives_its_own_rule_for_element_names_and_its_name_to_errors() -> None:
    assert ET.fromstring(written(lambda w: w.text_element("a", "x", 1))).findtext("a") == "x"
    with pytest.raises(ValueError, match="not a Test feed element name: 'b'"):
        written(lambda w: w.text_element("b", "x", 1))
    with pytest.raises(ValueError, match="not a Test feed element name: 'b'"):
        written(lambda w: w.element("job", {"b": "x"}, 1))


def test_the_default_rule_takes_plain_xml_names_only() -> None:
    assert xmlfeed.is_element_name("partnerJobId")
    assert xmlfeed.is_element_name("_a-1.b")
    for name in ("", "1a", "a b", "evil><script", "ns:name", "xmlthing", "XMLthing", "é"):
        assert not xmlfeed.is_element_name(name)


def test_no_text_ends_the_cdata_section_early() -> None:
    root = ET.fromstring(written(lambda w: w.text_element("a", "1]]>2]]]>3", 1)))
    assert root.findtext("a") == "1]]>2]]]>3"


def test_nothing_reaches_the_stream_before_a_flush() -> None:
    out = io.BytesIO()
    writer = xmlfeed.FeedWriter(out, feed="Test")
    writer.start_document("root")
    writer.element("job", {"a": "x"}, 1)
    assert out.getvalue() == b""
    writer.flush()
    assert b"<job>" in out.getvalue()
