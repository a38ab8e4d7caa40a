"""Turn a posting's description (`text`, `markdown` or `html`) into a sanitized `Description`.

The conversion happens once per posting; channels narrow the result (see `sanitize.py`).
"""

from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt

from syndicate.core import htmltree, sanitize
from syndicate.core.model import Description

# `#LI-Remote`, `#LI-Hybrid`, `#LI-Onsite`, recruiter tags such as `#LI-MM` or `#LI-JS1`.
# Matched in text nodes only (never over markup), and only as a whole word.
HASHTAG = re.compile(r"(?<![\w#])#LI-[A-Za-z0-9]+(?![\w@-])", re.IGNORECASE)
_HASHTAG_AND_SPACE_BEFORE = re.compile(r"[ \t]*" + HASHTAG.pattern, re.IGNORECASE)

_LIST_MARKERS = ("- ", "* ", "• ")
_PRUNABLE = frozenset(
    {"p", "li", "ul", "ol", "b", "strong", "i", "em", "u", "h1", "h2", "h3", "h4", "h5", "h6"}
)

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


def text_to_html(text: str) -> str:
    """The contract's text rules: blank lines split paragraphs, a newline is a line break,
    lines starting with `- `, `* ` or `• ` form a list."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        # Consecutive runs of plain lines and of list items, in order: (is_list, lines).
        runs: list[tuple[bool, list[str]]] = []
        for raw_line in paragraph.split("\n"):
            line = raw_line.strip()
            if not line:
                continue
            marker = next((m for m in _LIST_MARKERS if line.startswith(m)), None)
            is_item = marker is not None
            content = line[len(marker) :].strip() if marker else line
            if runs and runs[-1][0] == is_item:
                runs[-1][1].append(content)
            else:
                runs.append((is_item, [content]))
        for is_list, lines in runs:
            if is_list:
                blocks.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in lines) + "</ul>")
            else:
                blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return "".join(blocks)


def markdown_to_html(markdown: str) -> str:
    html: str = _MARKDOWN.render(markdown)
    return html


def build_description(source: str, description_format: str = "text") -> Description:
    if description_format == "markdown":
        raw_html = markdown_to_html(source)
    elif description_format == "html":
        raw_html = source
    else:
        raw_html = text_to_html(source)
    tree = htmltree.parse(sanitize.canonical(raw_html))
    hashtags: list[str] = []

    def take_hashtags(text: str) -> str:
        found = HASHTAG.findall(text)
        if not found:
            return text
        hashtags.extend(tag for tag in found if tag not in hashtags)
        # Take the space before each tag too, so "required. #LI-KB1" ends at "required.".
        return _HASHTAG_AND_SPACE_BEFORE.sub("", text)

    htmltree.map_text(tree, take_hashtags)
    if hashtags:
        htmltree.prune_empty(tree, _PRUNABLE)
    html = htmltree.serialize(tree).strip()
    return Description(html=html, text=htmltree.visible_text(tree), hashtags=tuple(hashtags))
