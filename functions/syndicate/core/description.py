"""Turn a posting's description (`text`, `markdown` or `html`) into a sanitized `Description`.

The conversion happens once per posting; channels narrow the result (see `sanitize.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import escape

import pyromark

from syndicate.core import sanitize
from syndicate.core.canonical_html import CanonicalHtml
from syndicate.core.model import Channel, Description
from syndicate.core.text import folded, strip_forbidden

# `#LI-Remote`, `#LI-Hybrid`, `#LI-Onsite`, recruiter tags such as `#LI-MM` or `#LI-JS1`.
# Matched in text nodes only (never over markup), and only as a whole word.
# The look-behind comes after the `#` so that the pattern starts with a literal, which the regex
# engine finds with a fast scan instead of trying every position (60x faster on a 3 KB text).
HASHTAG = re.compile(r"#(?<![\w#]#)LI-[A-Za-z0-9]+(?![\w@-])", re.IGNORECASE)

_LIST_MARKERS = ("- ", "* ", "• ")  # all two characters long
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_PRUNABLE = frozenset(
    {"p", "li", "ul", "ol", "b", "strong", "i", "em", "u", "h1", "h2", "h3", "h4", "h5", "h6"}
)

# CommonMark (pulldown-cmark, native) with GitHub tables; raw HTML passes through to nh3.
_MARKDOWN = pyromark.Markdown(options=pyromark.Options.ENABLE_TABLES)


def text_blocks(text: str) -> list[tuple[bool, list[str]]]:
    """The contract's text rules: blank lines split paragraphs, a newline is a line break,
    lines starting with `- `, `* ` or `• ` form a list. Returns (is_list, lines) blocks."""
    blocks: list[tuple[bool, list[str]]] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        runs: list[tuple[bool, list[str]]] = []  # consecutive plain lines or list items, in order
        for raw_line in paragraph.split("\n"):
            content = raw_line.strip()
            is_item = content.startswith(_LIST_MARKERS)
            if is_item:
                content = content[2:].strip()
            if not content:
                continue
            if runs and runs[-1][0] == is_item:
                runs[-1][1].append(content)
            else:
                runs.append((is_item, [content]))
        blocks.extend(runs)
    return blocks


def _blocks_to_html(blocks: list[tuple[bool, list[str]]]) -> str:
    # One escape per block: its lines joined by a newline (which no line holds and escaping keeps),
    # then each newline made the break between items or lines. Text is escaped as nh3 writes it
    # (`&`, `<`, `>`; quotes need no escape outside attributes), so this already is canonical HTML.
    parts = []
    for is_list, lines in blocks:
        text = escape("\n".join(lines), quote=False)
        if is_list:
            parts.append("<ul><li>" + text.replace("\n", "</li><li>") + "</li></ul>")
        else:
            parts.append("<p>" + text.replace("\n", "<br>") + "</p>")
    return "".join(parts)


def text_to_html(text: str) -> str:
    return _blocks_to_html(text_blocks(text))


def _take_hashtags(text: str, found: list[str]) -> str:
    """Remove LinkedIn hashtags from plain text, collecting them (first seen first) in `found`."""
    if "#" not in text:
        return text
    kept: list[str] = []
    end = 0
    for match in HASHTAG.finditer(text):
        if match.group() not in found:
            found.append(match.group())
        # Take the space before each tag too, so "required. #LI-KB1" ends at "required.".
        kept.append(text[end : match.start()].rstrip(" \t"))
        end = match.end()
    return "".join(kept) + text[end:] if kept else text


def markdown_to_html(markdown: str) -> str:
    return _MARKDOWN.html(markdown)


def build_description(source: str, description_format: str = "text") -> Description:
    # Control characters and lone surrogates mean nothing in a job ad, and nh3 (Rust) cannot
    # take a lone surrogate at all.
    source = strip_forbidden(source)
    if description_format == "text":
        return _plain_text_description(source)
    raw_html = markdown_to_html(source) if description_format == "markdown" else source
    # One native parse and clean (nh3), split once; every view below is derived from it.
    canonical = sanitize.canonical(raw_html)
    document = CanonicalHtml.parse(canonical)
    hashtags: list[str] = []
    # Canonical text is escaped, but a hashtag holds no character that escaping changes. A hashtag
    # in a text piece is one in the whole HTML too (a tag's `<` or `>` beside it is no word
    # character), so one native search spares most descriptions the walk over their pieces.
    if HASHTAG.search(canonical) is not None:
        document = document.map_text(lambda text: _take_hashtags(text, hashtags), only_with="#")
    if hashtags:
        document = document.without_empty(_PRUNABLE)
    return Description(
        html=document.html(),
        text=document.visible_text(),
        hashtags=tuple(hashtags),
        by_channel=ChannelViews(document),
    )


class ChannelViews(Mapping[Channel, str]):
    """Each channel's HTML of one description, rendered from its one parse when first asked for
    and kept: a command that writes one channel's output renders that channel's view only."""

    __slots__ = ("_document", "_views")

    def __init__(self, document: CanonicalHtml) -> None:
        self._document = document
        self._views: dict[Channel, str] = {}

    def __getitem__(self, channel: Channel) -> str:
        view = self._views.get(channel)
        if view is None:
            # A KeyError for a name that is no channel, as a dict would raise.
            view = self._views[channel] = sanitize.BY_CHANNEL[channel].render_parsed(self._document)
        return view

    def __iter__(self) -> Iterator[Channel]:
        return iter(sanitize.BY_CHANNEL)

    def __len__(self) -> int:
        return len(sanitize.BY_CHANNEL)

    def __repr__(self) -> str:
        return repr(dict(self))


def _plain_text_description(source: str) -> Description:
    """Plain text needs no HTML parsing: its HTML is built escaped, from p, br, ul and li only,
    which every channel takes as they are. It is what nh3 would write for it (text escaped as
    nh3 escapes it, no attribute, nothing to repair; a property test holds the two equal), so
    nh3 is not run on it: that pass was a third of a text description's time."""
    hashtags: list[str] = []
    blocks = text_blocks(_take_hashtags(source, hashtags))
    html = _blocks_to_html(blocks)
    text = folded(" ".join([line for _, lines in blocks for line in lines]))
    by_channel = {name: html for name in sanitize.BY_CHANNEL}
    return Description(html=html, text=text, hashtags=tuple(hashtags), by_channel=by_channel)
