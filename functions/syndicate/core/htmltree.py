"""A minimal element tree for HTML that nh3 has already sanitized.

nh3 decides what is safe; this module only reshapes safe HTML: it renames tags for a channel
(headings to bold paragraphs, ordered to unordered lists), unwraps tags a channel does not take,
drops hashtags from text and reads the visible text. It is built on the standard library's
tokenizer, never on regular expressions over markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

VOID_TAGS = frozenset({"br", "hr", "img"})
BLOCK_TAGS = frozenset(
    {
        "p",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "blockquote",
        "pre",
        "br",
        "hr",
    }
)


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
        # Sanitized input is well nested; still, close up to the matching open tag only.
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


CONTAINER_TAGS = frozenset({"ul", "ol", "table", "thead", "tbody", "tr"})


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    _drop_layout_whitespace(builder.root)
    return builder.root


def _is_block(node: Node | None) -> bool:
    return isinstance(node, Element) and node.tag in BLOCK_TAGS | CONTAINER_TAGS


def _drop_layout_whitespace(element: Element) -> None:
    """Remove whitespace that only lays out source markup (between blocks, inside lists and
    tables); it means nothing in HTML and would show as stray gaps once tags are reshaped."""
    children = element.children
    kept: list[Node] = []
    for position, child in enumerate(children):
        if isinstance(child, Element):
            _drop_layout_whitespace(child)
        elif not child.strip():
            before = children[position - 1] if position else None
            after = children[position + 1] if position + 1 < len(children) else None
            if (
                element.tag in CONTAINER_TAGS
                or _is_block(before)
                or _is_block(after)
                or (element.tag == "#root" and (before is None or after is None))
            ):
                continue
        kept.append(child)
    element.children = kept


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


def map_text(root: Element, change: Callable[[str], str]) -> None:
    """Replace every text node by `change(text)`, in place."""
    for element in iter_text_parents(root):
        element.children = [change(c) if isinstance(c, str) else c for c in element.children]


def prune_empty(root: Element, tags: frozenset[str]) -> None:
    """Remove elements of `tags` that hold no visible text (after hashtags were taken out)."""
    kept: list[Node] = []
    for child in root.children:
        if isinstance(child, Element):
            prune_empty(child, tags)
            if child.tag in tags and not visible_text(child) and not _has_void(child):
                continue
        kept.append(child)
    root.children = kept


def _has_void(element: Element) -> bool:
    return any(isinstance(c, Element) and (c.tag == "img" or _has_void(c)) for c in element.children)


@dataclass(frozen=True, slots=True)
class Reshape:
    """How one channel reshapes canonical HTML before its own allowlist is applied."""

    rename: dict[str, str]  # tag -> tag, e.g. ol -> ul
    bold_blocks: frozenset[str]  # block tags that become <p><b>...</b></p> (headings)
    bold_tag: str = "b"
    flatten_tables: bool = False  # channels without tables: one paragraph per row, cells spaced


def reshape(root: Element, rules: Reshape) -> Element:
    """A reshaped copy of the tree: renames and headings-as-bold-paragraphs."""
    return Element(root.tag, list(root.attrs), [_reshape_node(c, rules) for c in root.children])


def _reshape_node(node: Node, rules: Reshape) -> Node:
    if isinstance(node, str):
        return node
    children = [_reshape_node(c, rules) for c in node.children]
    if rules.flatten_tables and node.tag in {"td", "th"}:
        return Element("span", [], [*children, " "])
    if rules.flatten_tables and node.tag == "tr":
        return Element("p", [], children)
    if node.tag in rules.bold_blocks:
        return Element("p", [], [Element(rules.bold_tag, [], children)])
    return Element(rules.rename.get(node.tag, node.tag), list(node.attrs), children)
