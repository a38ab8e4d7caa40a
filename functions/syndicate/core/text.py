"""Plain-text hygiene shared by every channel."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF;
# lone surrogates). They never mean anything in a job ad and would break the Indeed feed.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def strip_forbidden(text: str) -> str:
    return _FORBIDDEN.sub("", text)


def single_line(text: str) -> str:
    """Trimmed, with every run of whitespace (newlines included) folded to one space."""
    return " ".join(strip_forbidden(text).split())
