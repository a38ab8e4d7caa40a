"""Hypothesis strategies shared by the feed tests: text built to break XML and CDATA."""

from __future__ import annotations

from hypothesis import strategies as st

# Fragments that end CDATA, open or close markup, look like entities, or are not allowed in XML 1.0.
NASTY = st.sampled_from(
    [
        "]]>",
        "]]",
        "]",
        ">",
        "<![CDATA[",
        "</title>",
        "<job>",
        "&",
        "&amp;",
        "&nbsp;",
        "\r\n",
        "\r",
        "\x00",
        "\ufffe",
    ]
)
ANY_CHAR = st.characters(exclude_categories=())  # includes lone surrogates and control characters
HOSTILE_TEXT = st.lists(st.one_of(ANY_CHAR, NASTY), max_size=40).map("".join)
