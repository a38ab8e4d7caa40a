"""Descriptions: the contract's text rules, CommonMark, sanitizing and LinkedIn hashtags."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core import htmltree, sanitize
from syndicate.core.canonical_html import CanonicalHtml
from syndicate.core.description import build_description, text_to_html
from syndicate.core.text import folded


def test_text_rules_paragraphs_breaks_and_lists() -> None:
    html = text_to_html("First line\nsecond line\n\nYou will:\n- cook\n* clean\n• serve\n\nThanks & bye <3")
    assert html == (
        "<p>First line<br>second line</p><p>You will:</p><ul><li>cook</li><li>clean</li><li>serve</li></ul>"
        "<p>Thanks &amp; bye &lt;3</p>"
    )


def test_windows_line_endings_are_text_rules_too() -> None:
    assert text_to_html("a\r\n\r\nb") == "<p>a</p><p>b</p>"


def test_markdown_is_commonmark_and_sanitized() -> None:
    description = build_description(
        "## Duties\n\n1. one\n2. two\n\n[apply](javascript:alert(1)) <script>alert(2)</script>", "markdown"
    )
    assert "<h2>Duties</h2><ol><li>one</li><li>two</li></ol>" in description.html
    # CommonMark makes the link; nh3 drops a javascript: href, so the link text stays, never the URL.
    assert "href" not in description.html
    assert "<script" not in description.html and "alert(2)" not in description.html


def test_html_is_never_trusted() -> None:
    description = build_description(
        '<p onclick="steal()">Hello <a href="javascript:evil()">x</a><img src=x onerror=alert(1)>'
        "<iframe src=//evil></iframe><style>p{}</style><!-- note --></p>",
        "html",
    )
    assert description.html == '<p>Hello <a rel="noopener noreferrer nofollow">x</a></p>'
    assert description.text == "Hello x"


def test_linkedin_hashtags_are_separated_out() -> None:
    description = build_description(
        "Great job. #LI-Remote\n\n#LI-MM1 #li-hybrid\n\nEmail #LI-X@corp? no: C# rocks"
    )
    assert description.hashtags == ("#LI-Remote", "#LI-MM1", "#li-hybrid")
    assert description.html == "<p>Great job.</p><p>Email #LI-X@corp? no: C# rocks</p>"


def test_hashtags_are_collected_in_reading_order() -> None:
    description = build_description("<p><b>#LI-First</b> and #LI-Second</p><p>#LI-Third</p>", "html")
    assert description.hashtags == ("#LI-First", "#LI-Second", "#LI-Third")
    assert description.html == "<p> and</p>"


def test_a_quote_reaches_channels_as_its_paragraphs_never_as_empty_ones() -> None:
    source = "Intro\n\n> We value calm.\n>\n> And writing.\n\n> Short quote"
    description = build_description(source, "markdown")
    expected = "<p>Intro</p><p>We value calm.</p><p>And writing.</p><p>Short quote</p>"
    assert set(description.by_channel.values()) == {expected}


def test_channel_html_keeps_only_each_channels_tags() -> None:
    canonical = build_description(
        "# Title\n\n1. a\n\n*it* **b** <u>u</u>\n\n| h |\n|---|\n| c |", "markdown"
    ).html
    assert sanitize.LINKEDIN.render(canonical).startswith("<p><b>Title</b></p><ul><li>a</li></ul>")
    assert "<table>" in sanitize.INDEED.render(canonical)
    assert "<h1>Title</h1>" in sanitize.INDEED.render(canonical)
    assert sanitize.SCHEMAORG.render(canonical).startswith("<p><strong>Title</strong></p><ul>")


ALLOWED = {"linkedin": sanitize.LINKEDIN, "indeed": sanitize.INDEED, "schemaorg": sanitize.SCHEMAORG}


@settings(max_examples=150, deadline=None)
@given(st.text(), st.sampled_from(["text", "markdown", "html"]))
def test_any_input_yields_only_allowed_tags(source: str, source_format: str) -> None:
    description = build_description(source, source_format)
    for name, channel in ALLOWED.items():
        rendered = channel.render(description.html)
        # The precomputed channel HTML is exactly what rendering the canonical HTML gives.
        assert description.by_channel[name] == rendered  # type: ignore[index]
        tags = {e.tag for e in htmltree.iter_text_parents(htmltree.parse(rendered))} - {"#root"}
        assert tags <= channel.tags
        assert "<script" not in rendered.lower()


# Text that exercises the plain-text rules and everything an HTML serializer escapes or keeps.
plain_text = st.text(
    st.one_of(st.sampled_from("<>&\"'# \t\n\r\u00a0\u2003\u0085\x7f\ufdd0-*\u2022aé中"), st.characters())
)


@settings(max_examples=300, deadline=None)
@given(plain_text)
def test_plain_text_html_is_what_nh3_writes_for_it(source: str) -> None:
    # A text description's HTML is built without nh3: it must be exactly what nh3 would write.
    html = build_description(source, "text").html
    assert sanitize.canonical(html) == html


def test_no_whitespace_but_the_space_is_printable() -> None:
    # What `folded` relies on to skip folding: a printable text holds no other whitespace.
    assert not [c for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c).isprintable() and c != 32]


@settings(max_examples=300, deadline=None)
@given(plain_text)
def test_folding_whitespace_is_splitting_and_joining(text: str) -> None:
    assert folded(text) == " ".join(text.split())


def test_control_characters_and_lone_surrogates_are_dropped() -> None:
    for source_format in ("text", "markdown", "html"):
        description = build_description("Nurse\ud800 on\x01 nights", source_format)
        assert description.text == "Nurse on nights"


def test_a_channel_view_is_rendered_when_first_asked_for_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # `transform --channel X` reads X's view only: the other channels' are never rendered.
    rendered: list[sanitize.ChannelHtml] = []
    render_parsed = sanitize.ChannelHtml.render_parsed

    def counted(channel: sanitize.ChannelHtml, document: CanonicalHtml) -> str:
        rendered.append(channel)
        return render_parsed(channel, document)

    monkeypatch.setattr(sanitize.ChannelHtml, "render_parsed", counted)
    description = build_description("# Role\n\nShip **things**.", "markdown")
    assert rendered == []
    view = description.by_channel["indeed"]
    assert description.by_channel.get("indeed") is view
    assert rendered == [sanitize.INDEED]
    assert description.by_channel.get("elsewhere") is None  # type: ignore[call-overload]
    assert set(description.by_channel) == {"linkedin", "indeed", "schemaorg"}
    assert view == sanitize.INDEED.render(description.html)
