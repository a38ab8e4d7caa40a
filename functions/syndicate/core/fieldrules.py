"""Rules on one value that a contract field and the extension overlay replacing it share.

A web address is an absolute http(s) URL nothing can mistake for the end of an attribute; a title
holds no characters that reorder or hide what it says. Which characters, and why those:
docs/design.md, "Validation".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

MAX_TITLE_CHARS = 200
# Characters RFC 3986 never allows in a URI and that end an HTML attribute or an XML value, or
# hide in one: whitespace, quotes, angle brackets, backslash, backtick, controls.
_URL_FORBIDDEN = re.compile(r'[\s"<>\\`\x00-\x1f\x7f]')
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")


def url_problem(value: str) -> str | None:
    """Why `value` is not a usable web address, or None when it is."""
    if not value.lower().startswith(("http://", "https://")):
        return "must be an absolute http or https address"
    bad = _URL_FORBIDDEN.search(value)
    if bad is not None:
        return f"must not contain {_named(bad.group())} (percent-encode it, e.g. %20 for a space)"
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        host = None
    if not host or ("." not in host.strip(".") and host != "localhost"):
        return "has no valid host name"
    return None


def markup_in(text: str) -> bool:
    # A '<' followed by a letter, '/' or '!' opens a tag or comment in HTML; "C++ < Java" does not.
    if "<" not in text:
        return False  # most titles: no walk over every character
    return any(
        text[i] == "<" and (text[i + 1].isalpha() or text[i + 1] in "/!") for i in range(len(text) - 1)
    )


def invisible_in(text: str) -> str | None:
    """The first character that reorders or hides text, as "U+202E RIGHT-TO-LEFT OVERRIDE"."""
    found = _INVISIBLE.search(text)
    return None if found is None else _named(found.group())


def title_problems(value: Any, label: str) -> Iterator[tuple[str, str]]:
    """(code, message) for a title, top-level or an overlay's."""
    if not isinstance(value, str):
        yield "type", f"{label} must be text."
        return
    if not value.strip():
        yield "minLength", f"{label} must not be empty."
        return
    if len(value) > MAX_TITLE_CHARS:
        yield "maxLength", f"{label} must be at most {MAX_TITLE_CHARS} characters long; it has {len(value)}."
    if markup_in(value):
        yield "title_markup", f"{label} must be plain text; it contains markup such as a <tag>."
    invisible = invisible_in(value)
    if invisible is not None:
        yield (
            "invisible_characters",
            f"{label} contains {invisible}, which changes how the title reads without being seen; remove it.",
        )


def _named(char: str) -> str:
    if char == " ":
        return "a space"
    if char.isprintable():
        return f"'{char}'"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")
