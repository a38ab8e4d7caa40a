"""The shared feed writer: each feed's name rule and name in its errors, CDATA that text cannot end,
characters XML forbids left out, and the exact bytes the feeds have always carried."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from lxml import etree

from syndicate.core import xmlfeed
from syndicate.core.text import strip_forbidden


def written(write: Callable[[xmlfeed.FeedWriter], None]) -> bytes:
    out = io.BytesIO()
    writer = xmlfeed.FeedWriter(out, feed="Test", is_name=lambda name: name in {"root", "job", "a"})
    with writer.document("root"):
        write(writer)
    return out.getvalue()


def test_a_feed_gives_its_own_rule_for_element_names_and_its_name_to_errors() -> None:
    assert ET.fromstring(written(lambda w: w.element("a", "x", 1))).findtext("a") == "x"
    with pytest.raises(ValueError, match="not a Test feed element name: 'b'"):
        written(lambda w: w.element("b", "x", 1))
    with pytest.raises(ValueError, match="not a Test feed element name: 'b'"):
        written(lambda w: w.element("job", {"b": "x"}, 1))
    with pytest.raises(ValueError, match="not a Test feed element name: 'b'"):
        written(lambda w: w.element("job", {"a": [{"b": "x"}]}, 1))
    with pytest.raises(ValueError, match="not a Test feed element name: '1'"):
        written(lambda w: w.element("job", {1: "x"}, 1))


def test_the_default_rule_takes_plain_xml_names_only() -> None:
    assert xmlfeed.is_element_name("partnerJobId")
    assert xmlfeed.is_element_name("_a-1.b")
    for name in ("", "1a", "a b", "evil><script", "ns:name", "xmlthing", "XMLthing", "é"):
        assert not xmlfeed.is_element_name(name)


def test_no_text_ends_the_cdata_section_early() -> None:
    for text in ("1]]>2]]]>3", "]]>", "]]>]]>", "a]]", ">x", "<![CDATA[x]]><script>"):
        document = written(lambda w, text=text: w.element("job", {"a": text}, 1))
        # Text read back whole, and nothing in it became markup.
        assert ET.fromstring(document).findtext("job/a") == text
        assert [element.tag for element in ET.fromstring(document).iter()] == ["root", "job", "a"]


def test_characters_xml_forbids_are_left_out_and_line_ends_become_newlines() -> None:
    text = "a\x00b\x0bc\ufffed\ud800e\r\nf\rg\th"
    assert ET.fromstring(written(lambda w: w.element("a", text, 1))).findtext("a") == "abcde\nf\ng\th"
    assert b"<a></a>" in written(lambda w: w.element("a", "\x00\x01", 1))


def test_lxml_refuses_exactly_the_characters_strip_forbidden_removes() -> None:
    # The writer leaves the check to lxml (native) and strips only when lxml refuses a text.
    for code in [*range(0x00, 0x100), *range(0xD7F0, 0xE010), *range(0xFFF0, 0x10010), 0x10FFFF]:
        text = "a" + chr(code)
        try:
            etree.CDATA(text)
            refused = False
        except ValueError:
            refused = True
        assert refused == (strip_forbidden(text) != text), hex(code)


def test_the_bytes_are_those_the_feeds_have_always_carried() -> None:
    # As the standard library's XMLGenerator wrote them: published feeds do not change.
    job = {"a": "x & <y>", "e": "", "n": None, "l": [{"a": "1"}, {"a": "2"}], "m": {}}
    out = io.BytesIO()
    writer = xmlfeed.FeedWriter(out, feed="Test")
    with writer.document("root"):
        writer.element("h", "head", 1)
        writer.element("job", job, 1)
    assert out.getvalue() == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<root>\n  <h><![CDATA[head]]></h>\n  <job>\n'
        b"    <a><![CDATA[x & <y>]]></a>\n    <e></e>\n"
        b"    <l>\n      <a><![CDATA[1]]></a>\n    </l>\n    <l>\n      <a><![CDATA[2]]></a>\n    </l>\n"
        b"    <m>\n    </m>\n  </job>\n</root>\n"
    )


def test_each_element_reaches_the_stream_in_one_write() -> None:
    writes: list[bytes] = []

    class Recording(io.BytesIO):
        def write(self, data: object, /) -> int:
            writes.append(bytes(data))  # type: ignore[call-overload]
            return super().write(data)  # type: ignore[arg-type]

    writer = xmlfeed.FeedWriter(Recording(), feed="Test")
    writer.element("job", {"a": "x", "b": {"c": "y"}}, 1)
    assert writes == [
        b"\n  <job>\n    <a><![CDATA[x]]></a>\n    <b>\n      <c><![CDATA[y]]></c>\n    </b>\n  </job>"
    ]


def test_a_value_of_another_kind_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="Test feed element 'a' must be text, a dict or a list, not int"):
        written(lambda w: w.element("job", {"a": 1}, 1))
