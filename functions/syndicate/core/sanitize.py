"""HTML sanitizing with nh3: the canonical allowlist, and each channel's narrower one.

Every description goes through nh3 twice: once into canonical HTML when the posting is
normalized, and once more through the channel's own allowlist after it is reshaped for that
channel (whole tags substituted in the canonical HTML, parsed once: `canonical_html.py`).
nh3 (ammonia, an html5ever-based allowlist sanitizer) removes `<script>`/`<style>` with their
content, event-handler attributes and `javascript:` URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import nh3

from syndicate.core.canonical_html import CanonicalHtml
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


@dataclass(frozen=True, slots=True)
class Reshape:
    """How one channel reshapes canonical HTML before its own allowlist is applied."""

    rename: dict[str, str]  # tag -> tag, e.g. ol -> ul
    bold_blocks: frozenset[str]  # block tags that become <p><b>...</b></p> (headings)
    bold_tag: str = "b"
    flatten_tables: bool = False  # channels without tables: one paragraph per row, cells spaced

    def tag_table(self) -> dict[str, str]:
        """Each canonical tag this reshaping changes, as a whole token, and what it becomes.

        Every rule is context-free, so reshaping is a substitution of tag tokens. Only links carry
        attributes in canonical HTML, and no channel renames a link (its allowlist removes it)."""
        table: dict[str, str] = {}
        for tag, new in self.rename.items():
            table[f"<{tag}>"], table[f"</{tag}>"] = f"<{new}>", f"</{new}>"
        for tag in self.bold_blocks:
            table[f"<{tag}>"], table[f"</{tag}>"] = f"<p><{self.bold_tag}>", f"</{self.bold_tag}></p>"
        if self.flatten_tables:
            for cell in ("td", "th"):  # cells become spaced runs of text; the allowlist drops <span>
                table[f"<{cell}>"], table[f"</{cell}>"] = "<span>", " </span>"
            table["<tr>"], table["</tr>"] = "<p>", "</p>"
        return table


@dataclass(frozen=True)
class ChannelHtml:
    """A channel's description HTML: reshape canonical HTML, then clean with its allowlist."""

    tags: frozenset[str]
    rules: Reshape
    _cleaner: nh3.Cleaner = field(init=False, repr=False, compare=False)
    _tag_table: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cleaner = nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags={"script", "style"},
            attributes={},
            strip_comments=True,
            link_rel=None,
        )
        object.__setattr__(self, "_cleaner", cleaner)
        object.__setattr__(self, "_tag_table", self.rules.tag_table())

    def render(self, canonical_html: str) -> str:
        return self.render_parsed(CanonicalHtml.parse(canonical_html))

    def render_parsed(self, document: CanonicalHtml) -> str:
        """The channel's HTML from already parsed canonical HTML."""
        reshaped = document.substituted(self._tag_table)
        return _without_nbsp_entity(str(self._cleaner.clean(reshaped))).strip()


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# LinkedIn shows only b, strong, u, i, br, p, ul, li; anything else is shown as raw text.
LINKEDIN = ChannelHtml(
    tags=frozenset({"b", "strong", "u", "i", "br", "p", "ul", "li"}),
    rules=Reshape(
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
    rules=Reshape(rename={"ol": "ul", "i": "em", "u": "em", "blockquote": "p"}, bold_blocks=frozenset()),
)

# Google reads p, ul, li and line breaks; bold and italics are harmless and keep emphasis.
SCHEMAORG = ChannelHtml(
    tags=frozenset({"p", "br", "ul", "li", "strong", "b", "em", "i"}),
    rules=Reshape(
        rename={"ol": "ul", "blockquote": "p", "u": "em"},
        bold_blocks=_HEADINGS,
        bold_tag="strong",
        flatten_tables=True,
    ),
)


BY_CHANNEL: dict[Channel, ChannelHtml] = {"linkedin": LINKEDIN, "indeed": INDEED, "schemaorg": SCHEMAORG}
