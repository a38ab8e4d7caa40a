"""A job feed written as a stream of XML: one UTF-8 document, text in CDATA, one write per job.

The Indeed and LinkedIn feeds both write through `FeedWriter`, each naming itself and giving its
rule for element names. Why CDATA and how its end is kept out of the text: docs/channels/indeed.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, BinaryIO
from xml.sax.xmlreader import AttributesImpl

from syndicate.core.text import strip_forbidden

_NO_ATTRIBUTES = AttributesImpl({})
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789.-")


def is_element_name(name: str) -> bool:
    """An ASCII XML name without a namespace prefix, not in the reserved `xml...` space."""
    return (
        bool(name)
        and name[0] in _NAME_START
        and all(char in _NAME_CHARS for char in name)
        and name[:3].casefold() != "xml"
    )


def xml_text(text: str) -> str:
    """The text as a feed carries it: characters XML 1.0 forbids removed, line ends as `\\n`.

    XML 1.0 Char is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]: exactly
    what `strip_forbidden` keeps."""
    cleaned = strip_forbidden(text)
    if "\r" in cleaned:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    return cleaned


class _JobBuffer(io.TextIOBase):
    """The XMLGenerator's text sink: collects one job's text and hands it to the binary stream
    as UTF-8 on `flush`, so the stream gets one write per job and memory holds one job at most."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self._out = out
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str, /) -> int:
        self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        # Never flushes or closes `out` itself: the caller owns that stream.
        if self._parts:
            self._out.write("".join(self._parts).encode("utf-8"))
            self._parts.clear()


class FeedWriter:
    """Writes one feed (or a fragment of one) to `out`; `feed` names it in errors, `is_name` is its
    rule for element names, checked once per name before the name is written."""

    def __init__(self, out: BinaryIO, *, feed: str, is_name: Callable[[str], bool] = is_element_name) -> None:
        self._sink = _JobBuffer(out)
        # Imported here: xml.sax.saxutils loads urllib.request, http.client and ssl, which every
        # process rendering jobs without writing a feed (validate, the ingest) would pay.
        from xml.sax.saxutils import XMLGenerator  # noqa: PLC0415

        self._xml = XMLGenerator(self._sink, encoding="utf-8", short_empty_elements=False)
        self._feed = feed
        self._is_name = is_name
        self._checked_names: set[str] = set()

    def start_document(self, root: str) -> None:
        self._xml.startDocument()
        self._xml.startElement(self._checked(root), _NO_ATTRIBUTES)

    def end_document(self, root: str) -> None:
        """Close the root element and the document, and hand everything written to `out`."""
        self._xml.ignorableWhitespace("\n")
        self._xml.endElement(root)
        self._xml.ignorableWhitespace("\n")
        self._xml.endDocument()  # flushes the sink

    def flush(self) -> None:
        """Hand what was written since the last flush to `out` (after each job)."""
        self._sink.flush()

    def start_element(self, name: str, depth: int) -> None:
        self._xml.ignorableWhitespace(_indent(depth))
        self._xml.startElement(self._checked(name), _NO_ATTRIBUTES)

    def end_element(self, name: str, depth: int) -> None:
        self._xml.ignorableWhitespace(_indent(depth))
        self._xml.endElement(name)

    def text_element(self, name: str, text: str, depth: int) -> None:
        """`<name>` holding `text` in CDATA (nothing for an empty text)."""
        self._xml.ignorableWhitespace(_indent(depth))
        self._xml.startElement(self._checked(name), _NO_ATTRIBUTES)
        cleaned = xml_text(text)
        if cleaned:
            # XMLGenerator has no CDATA call. The structure around it comes from the generator;
            # only the CDATA wrapper is written here, and a `]]>` in the text is split across
            # two sections so that no text can end the section early.
            self._sink.write("<![CDATA[" + cleaned.replace("]]>", "]]]]><![CDATA[>") + "]]>")
        self._xml.endElement(name)

    def element(self, name: str, value: Any, depth: int) -> None:
        """A value as elements: text in CDATA, a mapping as nested elements in its key order, a
        list as the element repeated; None writes nothing."""
        if value is None:
            return
        if isinstance(value, str):
            self.text_element(name, value, depth)
        elif isinstance(value, Mapping):
            self.start_element(name, depth)
            for child_name, child in value.items():
                self.element(str(child_name), child, depth + 1)
            self.end_element(name, depth)
        elif isinstance(value, Sequence):
            for item in value:
                self.element(name, item, depth)
        else:
            kind = type(value).__name__
            raise TypeError(f"{self._feed} feed element {name!r} must be text, a dict or a list, not {kind}")

    def _checked(self, name: str) -> str:
        # XMLGenerator writes any name it is given: an unchecked one could open markup.
        if name not in self._checked_names:
            if not self._is_name(name):
                raise ValueError(f"not a {self._feed} feed element name: {name!r}")
            self._checked_names.add(name)
        return name


def _indent(depth: int) -> str:
    return "\n" + "  " * depth


def copy_fragments(fragments: Iterable[BinaryIO], out: BinaryIO, chunk: int = 1024 * 1024) -> None:
    """Copy fragments written by a `FeedWriter` (jobs without the document around them) as they are."""
    for fragment in fragments:
        while block := fragment.read(chunk):
            out.write(block)
