"""Plain-text hygiene shared by every channel."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF;
# lone surrogates). They never mean anything in a job ad and would break the Indeed feed.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# The same characters as UTF-8 bytes: the C0 controls are single bytes no other character's
# encoding holds, U+FFFE and U+FFFF three bytes each; a lone surrogate cannot be encoded at all.
_FORBIDDEN_BYTES = bytes(code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D))
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def strip_forbidden(text: str) -> str:
    if not _has_forbidden(text):
        return text
    return _FORBIDDEN.sub("", text)


def _has_forbidden(text: str) -> bool:
    # The regular expression tests character by character against its class (about 8 ns each):
    # the quickest answer for a short text, several times slower than native string methods on a
    # description's thousands of characters.
    if len(text) < 256:
        return _FORBIDDEN.search(text) is not None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate
    if b"\xef\xbf" in data and any(character in data for character in _NONCHARACTERS):
        return True
    return len(data.translate(None, _FORBIDDEN_BYTES)) != len(data)


def single_line(text: str) -> str:
    """Trimmed, with every run of whitespace (newlines included) folded to one space."""
    return " ".join(strip_forbidden(text).split())


def folded(text: str) -> str:
    """`text` with every run of whitespace folded to one space and none at either end, as
    `" ".join(text.split())`, without splitting when nothing needs folding. `split` builds an
    object per word (about 20 µs for 3 KB of text); a printable text holds no whitespace but the
    space (every other whitespace character is unprintable), so one without a double space and
    without a space at either end is already folded."""
    if "  " not in text and text[:1] != " " and text[-1:] != " " and text.isprintable():
        return text
    return " ".join(text.split())
