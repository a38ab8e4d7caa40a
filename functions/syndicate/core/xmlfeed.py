"""A job feed written as a stream of XML: one UTF-8 document, text in CDATA, one write per job.

The Indeed and LinkedIn feeds both write through `FeedWriter`, each naming itself and giving its
rule for element names. lxml (libxml2) builds and serializes every element. Why CDATA and how its
end is kept out of the text: docs/channels/indeed.md; why lxml: docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO

from syndicate.core.text import strip_forbidden

_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789.-")
# lxml writes its declaration with single quotes; this is the one the feeds have always carried
# (byte for byte what the standard library's XMLGenerator wrote), so no published feed changes.
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def is_element_name(name: str) -> bool:
    """An ASCII XML name without a namespace prefix, not in the reserved `xml...` space."""
    return (
        bool(name)
        and name[0] in _NAME_START
        and all(char in _NAME_CHARS for char in name)
        and name[:3].casefold() != "xml"
    )


class FeedWriter:
    """Writes one feed (or a fragment of one) to `out`; `feed` names it in errors, `is_name` is its
    rule for element names, checked once per name before the name is written."""

    def __init__(self, out: BinaryIO, *, feed: str, is_name: Callable[[str], bool] = is_element_name) -> None:
        # Imported here: only the processes that write a feed load libxml2 (validate, the ingest
        # and the publishers render jobs without writing one).
        from lxml import etree  # noqa: PLC0415

        self._etree = etree
        self._sub_element = etree.SubElement
        self._cdata = etree.CDATA
        self._out = out
        self._feed = feed
        self._is_name = is_name
        self._checked_names: set[str] = set()

    @contextmanager
    def document(self, root: str) -> Iterator[None]:
        """The XML declaration and the `root` element around everything written inside the block."""
        self._out.write(_DECLARATION)
        with self._etree.xmlfile(self._out, encoding="utf-8") as xml, xml.element(self._checked(root)):
            xml.flush()  # the start tag reaches `out` before the elements written straight to it
            yield
            xml.write("\n")
        self._out.write(b"\n")  # whitespace after the root: lxml's writer takes nothing there

    def element(self, name: str, value: Any, depth: int) -> None:
        """A value as elements, indented for `depth`, in one write to `out`: text in CDATA (an empty
        text as an empty element), a mapping as nested elements in its key order, a list as the
        element repeated; None writes nothing."""
        holder = self._etree.Element("holder")
        self._add(holder, name, value, depth)
        if len(holder):
            tostring = self._etree.tostring
            indent = _indent(depth).encode("ascii")
            built = (indent + tostring(element, encoding="utf-8", with_tail=False) for element in holder)
            self._out.write(b"".join(built))

    def _add(self, parent: Any, name: str, value: Any, depth: int) -> None:
        if value is None:
            return
        if isinstance(value, str):
            self._add_text(parent, name, value, depth)
        elif isinstance(value, Mapping):
            self._add_mapping(parent, name, value, depth)
        elif isinstance(value, Sequence):
            for item in value:
                self._add(parent, name, item, depth)
        else:
            kind = type(value).__name__
            raise TypeError(f"{self._feed} feed element {name!r} must be text, a dict or a list, not {kind}")

    # Each element's tail is the indentation of its next sibling; the last one's is mended to the
    # parent's closing indentation once the parent is complete.

    def _add_mapping(self, parent: Any, name: str, value: Mapping[Any, Any], depth: int) -> None:
        element = self._sub_element(parent, name if name in self._checked_names else self._checked(name))
        element.tail = _indent(depth)
        inner = _indent(depth + 1)
        element.text = inner
        for child_name, child in value.items():
            key = str(child_name)
            # Text, nearly every child, is added here rather than through `_add`: one call less
            # for each of a job's few dozen texts (measured: about a tenth of the writer's time).
            if isinstance(child, str):
                text_element = self._sub_element(
                    element, key if key in self._checked_names else self._checked(key)
                )
                text_element.tail = inner
                self._set_text(text_element, child)
            else:
                self._add(element, key, child, depth + 1)
        if len(element):
            element[-1].tail = _indent(depth)
        else:
            element.text = _indent(depth)

    def _add_text(self, parent: Any, name: str, text: str, depth: int) -> None:
        element = self._sub_element(parent, self._checked(name))
        element.tail = _indent(depth)
        self._set_text(element, text)

    def _set_text(self, element: Any, text: str) -> None:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text:
            element.text = ""  # `<name></name>`, as the feeds have always written an empty text
            return
        try:
            # lxml refuses exactly the characters XML 1.0 forbids (a test holds it to
            # `strip_forbidden`), natively; libxml2 splits a `]]>` across two CDATA sections on
            # output, so no text can end its section early (lxml >= 5.3).
            element.text = self._cdata(text)
        except ValueError:  # a forbidden character (UnicodeEncodeError, a lone surrogate, is one)
            cleaned = strip_forbidden(text)
            element.text = self._cdata(cleaned) if cleaned else ""

    def _checked(self, name: str) -> str:
        # lxml takes any valid XML name; each feed's rule is narrower.
        if name not in self._checked_names:
            if not self._is_name(name):
                raise ValueError(f"not a {self._feed} feed element name: {name!r}")
            self._checked_names.add(name)
        return name


_INDENTS = tuple("\n" + "  " * depth for depth in range(16))


def _indent(depth: int) -> str:
    return _INDENTS[depth] if depth < len(_INDENTS) else "\n" + "  " * depth


def copy_fragments(fragments: Iterable[BinaryIO], out: BinaryIO, chunk: int = 1024 * 1024) -> None:
    """Copy fragments written by a `FeedWriter` (jobs without the document around them) as they are."""
    for fragment in fragments:
        while block := fragment.read(chunk):
            out.write(block)
