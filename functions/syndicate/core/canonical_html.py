"""Canonical HTML (what nh3 writes) as one flat run of text and tags, parsed once per description.

nh3's output has one fixed form, so splitting it at its tags is exact; hashtags, pruning, visible text
and each channel's reshaping are walks over the pieces. Why: docs/design.md, "Descriptions", and the
measurements in docs/performance.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from syndicate.core.text import folded

# One tag: quoted attribute values may hold any character but `"` (escaped as `&quot;`).
_TAG = re.compile(r'(<[^<>"]*(?:"[^"]*"[^<>"]*)*>)')

VOID_TAGS = frozenset({"br", "hr", "img"})
BLOCK_TAGS = frozenset(
    {"p", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre",
     "br", "hr"}
)  # fmt: skip
CONTAINER_TAGS = frozenset({"ul", "ol", "table", "thead", "tbody", "tr"})
# Whole tag tokens, compared as strings: canonical tags other than links carry no attributes.
_BLOCK_ENDED = frozenset(
    {f"</{tag}>" for tag in BLOCK_TAGS | CONTAINER_TAGS} | {f"<{tag}>" for tag in VOID_TAGS & BLOCK_TAGS}
)
_VOID_TOKENS = frozenset(f"<{tag}>" for tag in VOID_TAGS)
_BLOCK_STARTED = frozenset(f"<{tag}>" for tag in BLOCK_TAGS | CONTAINER_TAGS)
_CONTAINER_OPENED = frozenset(f"<{tag}>" for tag in CONTAINER_TAGS)
_CONTAINER_CLOSED = frozenset(f"</{tag}>" for tag in CONTAINER_TAGS)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_INLINE = frozenset({"b", "strong", "i", "em", "u", "a", "br"})
_INLINE_STARTS = frozenset(f"<{tag}>" for tag in _INLINE)  # and links, "<a href=...>"
# The nesting in which every channel's substitution is exact (see `sanitize.ChannelHtml`): blocks
# at the top or in list items, lists of items, tables of rows of cells, everything else inline.
# A paragraph cannot hold a block, so a quote or heading or cell holding one (which a channel
# turns into a paragraph) is left to an HTML parser's repair, as is anything unusual.
_FLOW = _INLINE | _HEADINGS | {"p", "ul", "ol", "blockquote", "table"}
_SIMPLE_CHILDREN: dict[str, frozenset[str]] = {
    "#root": _FLOW,
    "li": _FLOW,
    "ul": frozenset({"li"}),
    "ol": frozenset({"li"}),
    "table": frozenset({"thead", "tbody", "tr"}),
    "thead": frozenset({"tr"}),
    "tbody": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}),
}
# Tags a reader sees as a break between words (blocks and table cells), marked by a `<`: canonical
# text never holds one (nh3 escapes it), so one native substitution folds each run of breaks and
# the spaces after them.
_SPACED = {token: "<" for tag in BLOCK_TAGS | {"td", "th"} for token in (f"<{tag}>", f"</{tag}>")}
_BREAKS = re.compile("<[< ]*")


_KNOWN_NAMES = {
    token: token[1:-1]
    for tag in BLOCK_TAGS | CONTAINER_TAGS | VOID_TAGS | {"b", "strong", "i", "em", "u", "a", "td", "th"}
    for token in (f"<{tag}>", f"</{tag}>")
}


def split_at_tags(html: str) -> list[str]:
    """nh3's output as text at even positions and whole tags at odd ones (see the docstring)."""
    return _TAG.split(html)


def unescape_text(text: str) -> str:
    """Text as nh3 escapes it (`&amp;`, `&lt;`, `&gt;`; U+00A0 is written back by `sanitize`)."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _name(tag: str) -> str:
    """`p` for `<p>`, `a` for `<a href="...">`, `/p` for `</p>`."""
    return _KNOWN_NAMES.get(tag) or tag[1:-1].split(" ", 1)[0]


@dataclass(frozen=True, slots=True)
class CanonicalHtml:
    """Text at even positions (escaped as nh3 wrote it), whole tags at odd positions.

    `quotes_of_blocks` holds the positions of the start and end tags of quotes that hold blocks
    (paragraphs, lists): channels leave those tags out and keep the blocks as they are, since a
    paragraph (what a channel makes of a quote) cannot hold a paragraph. `nests_simply` says
    whether the elements, those quotes left out, nest in the plain way every channel's
    substitution keeps valid (`_SIMPLE_CHILDREN`). Removing text or whole elements (hashtags,
    pruning) changes neither, so derived documents keep them.
    """

    pieces: tuple[str, ...]
    nests_simply: bool
    quotes_of_blocks: tuple[int, ...] = ()

    @classmethod
    def parse(cls, canonical: str) -> CanonicalHtml:
        """Split nh3's output at its tags, without the whitespace that only lays out the markup."""
        pieces = split_at_tags(canonical)
        _drop_layout_whitespace(pieces)
        quotes = _quotes_of_blocks(pieces) if "<blockquote>" in pieces else ()
        return cls(tuple(pieces), _nests_simply(pieces, frozenset(quotes)), quotes)

    def html(self) -> str:
        return "".join(self.pieces).strip()

    def substituted(self, tags: Mapping[str, str], *, drop_other_tags: bool = False) -> str:
        """The HTML for channels with every tag found in `tags` replaced by its value (text never
        matches a key) and quotes of blocks left out; with `drop_other_tags`, a tag not in `tags`
        is left out too (its content stays)."""
        otherwise: Sequence[str] = self.pieces
        if drop_other_tags:
            otherwise = list(self.pieces)
            otherwise[1::2] = [""] * (len(otherwise) // 2)
        if not self.quotes_of_blocks:
            return "".join(map(tags.get, self.pieces, otherwise))
        parts = list(map(tags.get, self.pieces, otherwise))
        for position in self.quotes_of_blocks:
            parts[position] = ""
        return "".join(parts)

    def visible_text(self) -> str:
        """The text a reader sees, blocks separated by single spaces."""
        otherwise = list(self.pieces)
        otherwise[1::2] = [""] * (len(otherwise) // 2)
        marked = "".join(map(_SPACED.get, self.pieces, otherwise))
        # Newlines (markdown's soft breaks, layout after a <br>) and no-break spaces are the usual
        # whitespace in text; as spaces, most texts come out folded without splitting them.
        text = unescape_text(_BREAKS.sub(" ", marked.replace("\n", " ").replace("\u00a0", " ")))
        return folded(text.strip(" "))

    def map_text(self, change: Callable[[str], str], *, only_with: str = "") -> CanonicalHtml:
        """Every text piece replaced by `change(text)`; `change` sees and returns escaped text.
        With `only_with`, only the pieces that contain it are changed (the others need no call)."""
        pieces = list(self.pieces)
        pieces[0::2] = [change(text) if text and only_with in text else text for text in self.pieces[0::2]]
        return CanonicalHtml(tuple(pieces), self.nests_simply, self.quotes_of_blocks)

    def without_empty(self, tags: Iterable[str]) -> CanonicalHtml:
        """Without the elements of `tags` that hold no visible text (nor an image).

        nh3 writes well-nested HTML: every end tag closes the innermost open element."""
        prunable = frozenset(tags)
        pieces = list(self.pieces)
        starts: list[int] = []  # where each open element's start tag is
        outer_holds: list[bool] = []  # whether the element around it holds text so far
        holds = False  # whether the innermost open element holds text so far
        for position in range(1, len(pieces), 2):
            if not holds and pieces[position - 1].strip():
                holds = True
            tag = pieces[position]
            if tag[1] == "/":
                if not starts:
                    continue  # a stray end tag closes nothing
                start = starts.pop()
                if not holds and tag[2:-1] in prunable:
                    pieces[start : position + 1] = [""] * (position + 1 - start)
                holds = outer_holds.pop() or holds
            elif tag.startswith("<img"):
                holds = True
            elif tag not in _VOID_TOKENS:
                starts.append(position)
                outer_holds.append(holds)
                holds = False
        return CanonicalHtml(tuple(pieces), self.nests_simply, self.quotes_of_blocks)


def _drop_layout_whitespace(pieces: list[str]) -> None:
    """Blank the whitespace that only lays out source markup: between blocks, inside lists and
    tables, and at either end. It means nothing in HTML and would show as stray gaps once tags
    are reshaped."""
    last = len(pieces) - 1
    for position in range(0, len(pieces), 2):
        text = pieces[position]
        if not text or text.strip():
            continue
        if position in (0, last):
            pieces[position] = ""
            continue
        before, after = pieces[position - 1], pieces[position + 1]
        if (
            before in _BLOCK_ENDED
            or after in _BLOCK_STARTED
            or before in _CONTAINER_OPENED
            or after in _CONTAINER_CLOSED
            or (before[1] == "/" and after[1] != "/" and _parent_is_container(pieces, position))
        ):
            pieces[position] = ""


def _quotes_of_blocks(pieces: list[str]) -> tuple[int, ...]:
    """Positions of the start and end tags of every quote that holds a block, in any depth."""
    # Nothing before the first quote can hold or end one (nh3's output is well nested: an element
    # opened before it ends after it, and is then closed when no element is open here).
    first = pieces.index("<blockquote>")
    open_starts: list[int] = []  # the start tag of each open element, from the first quote on
    open_quotes: list[int] = []  # those of open quotes
    holding: set[int] = set()
    found: list[int] = []
    for position in range(first, len(pieces), 2):
        tag = pieces[position]
        if tag[1] == "/":
            if open_starts:
                start = open_starts.pop()
                if open_quotes and open_quotes[-1] == start:
                    open_quotes.pop()
                    if start in holding:
                        found += (start, position)
            continue
        if open_quotes and tag not in _INLINE_STARTS and not tag.startswith("<a "):
            holding.update(open_quotes)
        if tag not in _VOID_TOKENS:
            open_starts.append(position)
            if tag == "<blockquote>":
                open_quotes.append(position)
    return tuple(sorted(found))


def _nests_simply(pieces: list[str], left_out: frozenset[int]) -> bool:
    open_elements = ["#root"]
    for position in range(1, len(pieces), 2):
        parent = open_elements[-1]
        if pieces[position - 1] and parent in _SIMPLE_CHILDREN and parent not in ("#root", "li"):
            return False  # text straight in a list or table
        if position in left_out:
            continue
        tag = pieces[position]
        if tag[1] == "/":
            if tag[2:-1] != parent:
                return False
            open_elements.pop()
            continue
        name = _KNOWN_NAMES.get(tag) or _name(tag)
        if name not in _SIMPLE_CHILDREN.get(parent, _INLINE):
            return False
        if tag not in _VOID_TOKENS:
            open_elements.append(name)
    return open_elements == ["#root"]


def _parent_is_container(pieces: list[str], position: int) -> bool:
    """Whether the element that holds the text at `position` is a list, table or table part."""
    depth = 0
    for tag in reversed(pieces[1:position:2]):
        name = _name(tag)
        if name.startswith("/"):
            depth += 1
        elif name not in VOID_TAGS:
            if depth == 0:
                return name in CONTAINER_TAGS
            depth -= 1
    return False
