"""HTML sanitizing with nh3: the canonical allowlist, and each channel's narrower one.

Every description goes through nh3 twice: once into canonical HTML when the posting is
normalized, and once more through the channel's own allowlist after it is reshaped for that
channel. nh3 (ammonia, an html5ever-based allowlist sanitizer) removes `<script>`/`<style>`
with their content, event-handler attributes and `javascript:` URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import nh3

from syndicate.core import htmltree
from syndicate.core.model import Channel

CANONICAL_TAGS = frozenset(
    {
        "p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "u",
        "h1", "h2", "h3", "h4", "h5", "h6", "a", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

_CANONICAL = nh3.Cleaner(
    tags=set(CANONICAL_TAGS),
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def _without_nbsp_entity(html: str) -> str:
    # html5ever serializes U+00A0 as `&nbsp;`: an HTML entity that XML (the Indeed feed) does not
    # know. Writing the character itself is equivalent in HTML. The serializer escapes a literal
    # "&nbsp;" in text as "&amp;nbsp;", so this replacement can only hit the entity.
    return html.replace("&nbsp;", "\u00a0")


def canonical(html: str) -> str:
    """Sanitize untrusted HTML into the product's canonical tag set."""
    return _without_nbsp_entity(str(_CANONICAL.clean(html)))


@dataclass(frozen=True)
class ChannelHtml:
    """A channel's description HTML: reshape canonical HTML, then clean with its allowlist."""

    tags: frozenset[str]
    rules: htmltree.Reshape
    _cleaner: nh3.Cleaner = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cleaner = nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags={"script", "style"},
            attributes={},
            strip_comments=True,
            link_rel=None,
        )
        object.__setattr__(self, "_cleaner", cleaner)

    def render(self, canonical_html: str) -> str:
        return self.render_tree(htmltree.parse(canonical_html))

    def render_tree(self, tree: htmltree.Element) -> str:
        """The channel's HTML from an already parsed canonical tree (left unchanged)."""
        reshaped = htmltree.reshape(tree, self.rules)
        return _without_nbsp_entity(str(self._cleaner.clean(htmltree.serialize(reshaped)))).strip()


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# LinkedIn shows only b, strong, u, i, br, p, ul, li; anything else is shown as raw text.
LINKEDIN = ChannelHtml(
    tags=frozenset({"b", "strong", "u", "i", "br", "p", "ul", "li"}),
    rules=htmltree.Reshape(
        rename={"ol": "ul", "em": "i", "strong": "b", "blockquote": "p"},
        bold_blocks=_HEADINGS,
        bold_tag="b",
        flatten_tables=True,
    ),
)

# Indeed takes b, h1-h6, br, p, ul, li, strong, em and simple tables.
INDEED = ChannelHtml(
    tags=frozenset(
        {
            "b",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "br",
            "p",
            "ul",
            "li",
            "strong",
            "em",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        }
    ),
    rules=htmltree.Reshape(
        rename={"ol": "ul", "i": "em", "u": "em", "blockquote": "p"}, bold_blocks=frozenset()
    ),
)

# Google reads p, ul, li and line breaks; bold and italics are harmless and keep emphasis.
SCHEMAORG = ChannelHtml(
    tags=frozenset({"p", "br", "ul", "li", "strong", "b", "em", "i"}),
    rules=htmltree.Reshape(
        rename={"ol": "ul", "blockquote": "p", "u": "em"},
        bold_blocks=_HEADINGS,
        bold_tag="strong",
        flatten_tables=True,
    ),
)


BY_CHANNEL: dict[Channel, ChannelHtml] = {"linkedin": LINKEDIN, "indeed": INDEED, "schemaorg": SCHEMAORG}
