"""What a posting must be before any validator or renderer sees it: bounded, real text, real numbers.

One walk finds what would make the validators or the channels fail instead of answer (too deep, too
long, lone surrogates, `1e400`, repeated keys), each a `Problem` with its pointer.
"""

from __future__ import annotations

import math
import re
from typing import Any

from syndicate.core.problems import Problem

MAX_NESTING = 64  # far beyond any real posting; deeper input is refused before the validators see it
# Keys and text of one posting. The largest valid posting is a 65,000-character description plus
# bounded fields; lists (responsibilities, skills) and extension overlays have no count limit, so
# this is what bounds the work one posting can cost. Also the webhook's body limit.
MAX_POSTING_CHARS = 1024 * 1024
MAX_INTEGER_BITS = 1024  # beyond this an integer is no longer a float either: no channel reads it

_SURROGATE = re.compile("[\ud800-\udfff]")

# Codes of these checks, with what each means (validation lists them with the semantic codes).
CODES = {
    "depth": f"the posting nests objects or lists more than {MAX_NESTING} levels deep",
    "size": f"the posting holds more than {MAX_POSTING_CHARS:,} characters",
    "unicode": "text holds a lone UTF-16 surrogate, which is not a character",
    "number": "a number too large to be a number any channel reads",
    "duplicate_key": "a JSON object names the same key twice",
}


class DuplicateKeys(dict[str, Any]):
    """A JSON object that named some keys more than once (the last value is kept, as JSON readers do)."""

    duplicates: tuple[str, ...] = ()


def object_with_duplicates_marked(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads(object_pairs_hook=...)`: a plain dict, or a `DuplicateKeys` naming the repeats."""
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = DuplicateKeys(result)
    counts: dict[str, int] = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    marked.duplicates = tuple(key for key, count in counts.items() if count > 1)
    return marked


def printable(text: str) -> str:
    """`text` with lone surrogates written as `\\udXXX` escapes: safe to encode, print and log."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def printable_strings(value: Any) -> Any:
    """`value` (JSON-like) with every string, key included, made `printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(key)): printable_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable_strings(item) for item in value]
    return value


def has_lone_surrogate(text: str) -> bool:
    # UTF-8 encodes every code point but the surrogates, and its native encoder is several times
    # faster on a long text than a character-class search (about 6 µs against 35 for 5 KB).
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def problems(raw: Any) -> tuple[list[Problem], list[Problem]]:
    """(fatal, other): fatal problems stop validation (the validators would fail on that input);
    the others (repeated keys) are reported along with the contract's errors."""
    if not _may_have_problems(raw):
        return [], []
    return _located_problems(raw)


def _may_have_problems(raw: Any) -> bool:
    """Whether `raw` may hold any problem `problems` reports: one walk that builds no pointer
    (nearly every posting has none; the walk that names where each problem is runs only then)."""
    chars = 0
    stack: list[tuple[Any, int]] = [(raw, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_NESTING or isinstance(value, DuplicateKeys):
                return True
            for key, item in value.items():
                chars += len(key)
                if has_lone_surrogate(key):
                    return True
                if isinstance(item, str):
                    chars += len(item)
                    if has_lone_surrogate(item):
                        return True
                else:
                    stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_NESTING:
                return True
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            chars += len(value)
            if has_lone_surrogate(value):
                return True
        elif isinstance(value, float):
            if not math.isfinite(value):
                return True
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INTEGER_BITS:
            return True
        if chars > MAX_POSTING_CHARS:
            return True
    return False


def _located_problems(raw: Any) -> tuple[list[Problem], list[Problem]]:
    fatal: list[Problem] = []
    other: list[Problem] = []
    chars = 0
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:
        value, pointer, depth = stack.pop()
        if isinstance(value, str):
            chars += len(value)
            if _SURROGATE.search(value):
                fatal.append(_unicode_problem(pointer))
        elif isinstance(value, float):
            if not math.isfinite(value):
                fatal.append(_number_problem(pointer, value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > MAX_INTEGER_BITS:
                fatal.append(_number_problem(pointer, value))
        elif isinstance(value, dict | list):
            if depth >= MAX_NESTING:
                fatal.append(
                    Problem(
                        "",
                        "depth",
                        f"the posting nests objects or lists more than {MAX_NESTING} levels deep.",
                    )
                )
                break
            if isinstance(value, dict):
                for key in getattr(value, "duplicates", ()):
                    other.append(_duplicate_problem(pointer, key))
                for key, item in value.items():
                    chars += len(key)
                    child = f"{pointer}/{_token(key)}"
                    if _SURROGATE.search(key):
                        fatal.append(_unicode_problem(child))
                    stack.append((item, child, depth + 1))
            else:
                stack.extend((item, f"{pointer}/{index}", depth + 1) for index, item in enumerate(value))
        if chars > MAX_POSTING_CHARS:
            fatal.append(
                Problem(
                    "",
                    "size",
                    f"the posting holds more than {MAX_POSTING_CHARS:,} characters of text; "
                    "no valid posting is that large.",
                )
            )
            break
    return sorted(fatal, key=lambda p: p.pointer), sorted(other, key=lambda p: p.pointer)


def _token(key: str) -> str:
    return printable(key).replace("~", "~0").replace("/", "~1")


def _label(pointer: str) -> str:
    return pointer.strip("/").replace("/", ".") or "the posting"


def _unicode_problem(pointer: str) -> Problem:
    return Problem(
        pointer,
        "unicode",
        f"{_label(pointer)} holds a lone UTF-16 surrogate (an escape such as \\ud800 without its pair), "
        "which is not a character; fix the text's encoding.",
    )


def _number_problem(pointer: str, value: float) -> Problem:
    if isinstance(value, float):
        shown = "not a finite number (too large to read, such as 1e400, or not a number at all)"
    else:
        shown = f"a whole number of more than {int(MAX_INTEGER_BITS * math.log10(2))} digits"
    return Problem(pointer, "number", f"{_label(pointer)} is {shown}; no channel can read it.")


def _duplicate_problem(pointer: str, key: str) -> Problem:
    where = f"in {_label(pointer)} " if pointer else ""
    return Problem(
        f"{pointer}/{_token(key)}",
        "duplicate_key",
        f'the key "{printable(key)}" appears more than once {where}(only one value can count); '
        "write it once.",
    )
