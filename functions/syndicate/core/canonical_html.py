"""Canonical HTML (what nh3 writes) as one flat run of text and tags, parsed once per description.

nh3 parses untrusted HTML natively and writes it back in one fixed form, html5ever's serializer:
every `<` it writes opens a tag, text escapes `&`, `<` and `>`, and the only attributes the
canonical allowlist keeps (`href`, `rel` on links) are double-quoted with `"` escaped. Splitting
that output at its tags is therefore exact, where a pattern over arbitrary HTML never is, and it
is one pass of the regex engine instead of a pure-Python parser. Everything a description needs
is then a walk over the pieces: hashtags out of text, empty elements pruned, the visible text,
and each channel's reshaping, which is a token-for-token substitution (see `sanitize.py`).
See docs/performance.md for the measurements behind this design.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import unescape

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
_BLOCK_STARTED = frozenset(f"<{tag}>" for tag in BLOCK_TAGS | CONTAINER_TAGS)
_CONTAINER_OPENED = frozenset(f"<{tag}>" for tag in CONTAINER_TAGS)
_CONTAINER_CLOSED = frozenset(f"</{tag}>" for tag in CONTAINER_TAGS)
# Tags a reader sees as a break between words (blocks and table cells).
_SPACED = {token: " " for tag in BLOCK_TAGS | {"td", "th"} for token in (f"<{tag}>", f"</{tag}>")}


def _name(tag: str) -> str:
    """`p` for `<p>`, `a` for `<a href="...">`, `/p` for `</p>`."""
    return tag[1:-1].split(" ", 1)[0]


@dataclass(frozen=True, slots=True)
class CanonicalHtml:
    """Text at even positions (escaped as nh3 wrote it), whole tags at odd positions."""

    pieces: tuple[str, ...]

    @classmethod
    def parse(cls, canonical: str) -> CanonicalHtml:
        """Split nh3's output at its tags, without the whitespace that only lays out the markup."""
        pieces = _TAG.split(canonical)
        _drop_layout_whitespace(pieces)
        return cls(tuple(pieces))

    def html(self) -> str:
        return "".join(self.pieces).strip()

    def substituted(self, tags: Mapping[str, str]) -> str:
        """The HTML with every tag found in `tags` replaced by its value (text never matches a key)."""
        return "".join(map(tags.get, self.pieces, self.pieces))

    def visible_text(self) -> str:
        """The text a reader sees, blocks separated by single spaces."""
        parts = list(self.pieces)
        parts[1::2] = [_SPACED.get(tag, "") for tag in self.pieces[1::2]]
        return " ".join(unescape("".join(parts)).split())

    def map_text(self, change: Callable[[str], str]) -> CanonicalHtml:
        """Every text piece replaced by `change(text)`; `change` sees and returns escaped text."""
        pieces = list(self.pieces)
        pieces[0::2] = [change(text) if text else text for text in self.pieces[0::2]]
        return CanonicalHtml(tuple(pieces))

    def without_empty(self, tags: Iterable[str]) -> CanonicalHtml:
        """Without the elements of `tags` that hold no visible text (nor an image)."""
        prunable = frozenset(tags)
        pieces = list(self.pieces)
        open_elements: list[list[object]] = []  # [name, position of its start tag, holds text]
        for position in range(1, len(pieces), 2):
            text = pieces[position - 1]
            if open_elements and text.strip():
                open_elements[-1][2] = True
            name = _name(pieces[position])
            if name == "img":
                for element in open_elements:
                    element[2] = True
            elif name.startswith("/"):
                _close(pieces, open_elements, name[1:], position, prunable)
            elif name not in VOID_TAGS:
                open_elements.append([name, position, False])
        return CanonicalHtml(tuple(pieces))


def _close(
    pieces: list[str], open_elements: list[list[object]], name: str, end: int, prunable: frozenset[str]
) -> None:
    """Close the innermost open `name` (and what it still holds); blank it out if it is empty."""
    if not any(element[0] == name for element in open_elements):
        return  # a stray end tag closes nothing, as in an HTML parser
    while open_elements:
        element_name, start, holds_text = open_elements.pop()
        if holds_text and open_elements:
            open_elements[-1][2] = True
        if element_name == name:
            if not holds_text and element_name in prunable:
                assert isinstance(start, int)
                pieces[start : end + 1] = [""] * (end + 1 - start)
            return


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
