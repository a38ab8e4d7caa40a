"""Canonical HTML split at its tags: exact on anything nh3 writes, and the views derived from it."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core import htmltree, sanitize
from syndicate.core.canonical_html import CanonicalHtml
from syndicate.core.description import HASHTAG

# Markup fragments that make nh3 write every canonical tag, links with awkward URLs, entities,
# layout whitespace and text that looks like markup.
FRAGMENTS = [
    *(f"<{tag}>" for tag in sanitize.CANONICAL_TAGS),
    *(f"</{tag}>" for tag in sanitize.CANONICAL_TAGS),
    "<a href=\"https://x.example/?a=1&b='2'&c=&quot;3&quot;&d=<4>\">",
    "<a href='mailto:jobs@example.com'>",
    "<span style='color:red'>",
    "<div>",
    "</div>",
    "<script>alert(1)</script>",
    "<!-- note -->",
    "<img src=x>",
    " ",
    "\n",
    "\u00a0",
    "&nbsp;",
    "&amp;",
    "&lt;b&gt;",
    "<",
    ">",
    '"',
    "text",
    "é 中文",
    "#LI-Remote",
]
canonical_html = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(
    lambda fragments: sanitize.canonical("".join(fragments))
)


class _Events(HTMLParser):
    """The standard library's reading of the same HTML: tags in order and the text between them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _events(html: str) -> _Events:
    events = _Events()
    events.feed(html)
    events.close()
    return events


@settings(max_examples=300, deadline=None)
@given(canonical_html)
def test_splitting_nh3_output_finds_the_tags_an_html_parser_finds(canonical: str) -> None:
    pieces = CanonicalHtml.parse(canonical).pieces
    tags = pieces[1::2]
    assert [tag[1:-1].split(" ", 1)[0] for tag in tags] == _events(canonical).tags
    # Only layout whitespace is left out; every other character stays where it was.
    assert "".join("".join(pieces).split()) == "".join(canonical.split())


@settings(max_examples=300, deadline=None)
@given(canonical_html)
def test_visible_text_is_what_an_html_parser_reads(canonical: str) -> None:
    expected = htmltree.visible_text(htmltree.parse(canonical))
    assert CanonicalHtml.parse(canonical).visible_text() == expected


def _canonical_html_with(*extra: str) -> st.SearchStrategy[str]:
    """nh3's output for runs of `FRAGMENTS` and `extra`."""
    return st.lists(st.sampled_from([*FRAGMENTS, *extra]), max_size=40).map(
        lambda fragments: sanitize.canonical("".join(fragments))
    )


# Every kind of whitespace next to breaks and inside text, and text that looks like a break.
spaced_html = _canonical_html_with("\t", "\u2003", "\u3000", "  ", " \n ", "<br>", "&lt;p&gt;", "&lt; ")


@settings(max_examples=300, deadline=None)
@given(spaced_html)
def test_visible_text_folds_every_whitespace_as_an_html_parser_reads_it(canonical: str) -> None:
    expected = htmltree.visible_text(htmltree.parse(canonical))
    assert CanonicalHtml.parse(canonical).visible_text() == expected


def test_layout_whitespace_between_blocks_and_inside_lists_and_tables_is_dropped() -> None:
    canonical = "\n<p>a <b>b</b> <i>c</i></p>\n<ul>\n<li>x</li>\n</ul>"
    canonical += "<table><tbody><tr><td>1</td> <td>2</td></tr></tbody></table>\n"
    assert CanonicalHtml.parse(canonical).html() == (
        "<p>a <b>b</b> <i>c</i></p><ul><li>x</li></ul>"
        "<table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
    )


def test_inline_whitespace_inside_a_list_is_layout_too() -> None:
    assert CanonicalHtml.parse("<ul><b>x</b> <i>y</i></ul><p><b>x</b> <i>y</i></p>").html() == (
        "<ul><b>x</b><i>y</i></ul><p><b>x</b> <i>y</i></p>"
    )


def test_elements_left_without_text_are_pruned_inside_out() -> None:
    document = CanonicalHtml.parse("<p><b> </b><br></p><ul><li><i></i></li><li>kept</li></ul><p>a</p>")
    assert document.without_empty({"p", "li", "ul", "b", "i"}).html() == "<ul><li>kept</li></ul><p>a</p>"


def test_substitution_replaces_whole_tags_only() -> None:
    document = CanonicalHtml.parse("<p>&lt;p&gt; stays text</p>")
    assert document.substituted({"<p>": "<div>", "</p>": "</div>"}) == "<div>&lt;p&gt; stays text</div>"


def test_text_changes_see_escaped_text_and_never_tags() -> None:
    document = CanonicalHtml.parse('<p>a &amp; b<a href="x" rel="y">c</a></p>')
    seen: list[str] = []
    changed = document.map_text(lambda text: seen.append(text) or text.upper())
    assert seen == ["a &amp; b", "c"]
    assert changed.html() == '<p>A &AMP; B<a href="x" rel="y">C</a></p>'


@settings(max_examples=500, deadline=None)
@given(canonical_html)
def test_each_channels_substitution_is_exactly_what_its_nh3_allowlist_writes(canonical: str) -> None:
    document = CanonicalHtml.parse(canonical)
    for channel in sanitize.BY_CHANNEL.values():
        assert channel.render_parsed(document) == channel.cleaned(document)


hashtag_html = _canonical_html_with("#LI-A1", "x#LI-B", "##LI-C", "#LI-D-", "#LI-E@", "#li-f", "#", "LI-")


@settings(max_examples=300, deadline=None)
@given(hashtag_html)
def test_a_hashtag_in_any_text_piece_is_found_by_searching_the_whole_html(canonical: str) -> None:
    # `build_description` walks the pieces for hashtags only when a search of the whole HTML finds one.
    if any(HASHTAG.search(text) for text in CanonicalHtml.parse(canonical).pieces[0::2]):
        assert HASHTAG.search(canonical) is not None
