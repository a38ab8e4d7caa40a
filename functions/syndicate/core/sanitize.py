"""HTML sanitizing with nh3: the canonical allowlist, and each channel's narrower one.

Html and markdown descriptions go through nh3 into canonical HTML when normalized, then through
the channel's allowlist after reshaping where that can change anything; plain text is built as
nh3 would write it (docs/design.md, "Descriptions").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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

    def tag_table(self, tags: Iterable[str], allowed: Collection[str] | None = None) -> dict[str, str]:
        """What each start and end tag of `tags` becomes, as whole tokens: every rule is
        context-free, so reshaping is a substitution of tags. With `allowed`, tags outside it are
        left out of the result (their content stays), as the channel's allowlist would."""

        def start(*names: str) -> str:
            return "".join(f"<{name}>" for name in names if allowed is None or name in allowed)

        def end(*names: str) -> str:
            return "".join(f"</{name}>" for name in names if allowed is None or name in allowed)

        table: dict[str, str] = {}
        for tag in tags:
            if self.flatten_tables and tag in ("td", "th"):  # spaced runs of text in the row
                opened, closed = start("span"), " " + end("span")
            elif self.flatten_tables and tag == "tr":
                opened, closed = start("p"), end("p")
            elif tag in self.bold_blocks:
                opened, closed = start("p", self.bold_tag), end(self.bold_tag, "p")
            else:
                opened, closed = start(self.rename.get(tag, tag)), end(self.rename.get(tag, tag))
            table[f"<{tag}>"], table[f"</{tag}>"] = opened, closed
        return table


@dataclass(frozen=True)
class ChannelHtml:
    """A channel's description HTML: reshape canonical HTML, then clean with its allowlist.

    Where the canonical HTML nests simply (`CanonicalHtml.nests_simply`: no block would end up
    inside a paragraph, nothing for an HTML parser to repair), the substitution already is what
    nh3 would write: the same tags, kept or left out by the same allowlist, around text nh3
    escaped itself. Only then is the second nh3 pass skipped (a test holds the two paths equal on
    generated HTML); anything else goes through the channel's nh3.
    """

    tags: frozenset[str]
    rules: Reshape
    _cleaner: nh3.Cleaner = field(init=False, repr=False, compare=False)
    _reshaped: dict[str, str] = field(init=False, repr=False, compare=False)
    _allowed_only: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "a" in self.tags:  # the substitution has no way to keep a link's attributes
            raise ValueError("a channel's allowlist cannot take links")
        cleaner = nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags={"script", "style"},
            attributes={},
            strip_comments=True,
            link_rel=None,
        )
        object.__setattr__(self, "_cleaner", cleaner)
        object.__setattr__(self, "_reshaped", self.rules.tag_table(CANONICAL_TAGS))
        object.__setattr__(self, "_allowed_only", self.rules.tag_table(CANONICAL_TAGS, self.tags))

    def render(self, canonical_html: str) -> str:
        return self.render_parsed(CanonicalHtml.parse(canonical_html))

    def render_parsed(self, document: CanonicalHtml) -> str:
        """The channel's HTML from already parsed canonical HTML."""
        if document.nests_simply:
            # Links, the only canonical tags with attributes, are in no channel's allowlist.
            return document.substituted(self._allowed_only, drop_other_tags=True).strip()
        return self.cleaned(document)

    def cleaned(self, document: CanonicalHtml) -> str:
        """The channel's HTML through its nh3 allowlist, whatever the nesting."""
        reshaped = document.substituted(self._reshaped)
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
