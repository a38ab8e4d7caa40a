"""A minimal element tree for HTML of any origin, on the standard library's tokenizer.

Descriptions take the fast path (`canonical_html.py`, over nh3's own output). This tree reads
what did not come from nh3: an extension overlay's HTML (its visible text, the tags it uses), and
serializes the few elements renderers build themselves (a skills list, a hashtag paragraph).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from syndicate.core.canonical_html import BLOCK_TAGS, VOID_TAGS


@dataclass(slots=True)
class Element:
    tag: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


Node = Element | str


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self._stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, [(name, value or "") for name, value in attrs])
        self._stack[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack[-1].children.append(Element(tag, [(name, value or "") for name, value in attrs]))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag only; a stray end tag closes nothing.
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def serialize(node: Node) -> str:
    parts: list[str] = []
    _serialize_into(node, parts)
    return "".join(parts)


def _serialize_into(node: Node, parts: list[str]) -> None:
    if isinstance(node, str):
        parts.append(escape(node, quote=False))
        return
    is_root = node.tag == "#root"
    if not is_root:
        attrs = "".join(f' {name}="{escape(value)}"' for name, value in node.attrs)
        parts.append(f"<{node.tag}{attrs}>")
        if node.tag in VOID_TAGS:
            return
    for child in node.children:
        _serialize_into(child, parts)
    if not is_root:
        parts.append(f"</{node.tag}>")


def visible_text(node: Node) -> str:
    """The text a reader sees, blocks separated by single spaces."""
    parts: list[str] = []
    _text_into(node, parts)
    return " ".join("".join(parts).split())


def _text_into(node: Node, parts: list[str]) -> None:
    if isinstance(node, str):
        parts.append(node)
        return
    spaced = node.tag in BLOCK_TAGS or node.tag in {"td", "th"}
    if spaced:
        parts.append(" ")
    for child in node.children:
        _text_into(child, parts)
    if spaced:
        parts.append(" ")


def iter_text_parents(node: Element) -> Iterator[Element]:
    yield node
    for child in node.children:
        if isinstance(child, Element):
            yield from iter_text_parents(child)
