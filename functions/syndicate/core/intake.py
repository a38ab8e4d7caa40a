"""Read intake files into raw postings, one at a time, never failing the whole file for one posting.

`read_postings` takes a binary stream (a local file or an S3 body) and yields, in file order,
`RawPosting` items and, when the file as a whole is unreadable, a single `FileProblem`. The formats:
docs/posting-format.md, "Intake files".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from syndicate.core.problems import Problem
from syndicate.core.wellformed import MAX_POSTING_CHARS, object_with_duplicates_marked

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
MARKDOWN_SUFFIXES = frozenset({".md"})
SUPPORTED_SUFFIXES = JSON_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES | MARKDOWN_SUFFIXES
MAX_JSON_BYTES = 100 * 1024 * 1024  # a single JSON document is parsed whole; JSONL has no limit
# One JSON Lines line: read whole before parsing, so bounded (a posting's text is bounded the same
# way by `wellformed.MAX_POSTING_CHARS`, whatever the format).
MAX_POSTING_BYTES = MAX_POSTING_CHARS
_SKIP_CHUNK_BYTES = 1024 * 1024
# Python refuses to convert longer digit strings to int (sys.get_int_max_str_digits, CVE-2020-10735).
_MAX_INT_DIGITS = 4300
_BOM = b"\xef\xbb\xbf"
EMPTY_FILE = "the file is empty: no postings"


@dataclass(frozen=True, slots=True)
class RawPosting:
    source: str
    index: int  # position in the file; for JSON Lines the line number from 0, for CSV the row from 0
    data: Any = None
    problems: tuple[Problem, ...] = field(default=())  # why `data` could not be read, if it could not
    # Where each field was written, for formats whose own terms beat a JSON pointer: pointer ->
    # 'row 7, column "salary.min"' (CSV) or 'front matter key "salary.min" (line 5)' (Markdown);
    # "" is the posting as a whole. Empty for JSON, where the pointer is the file's own term.
    places: Mapping[str, str] = field(default_factory=dict)

    def located(self, problems: Iterable[Problem]) -> tuple[Problem, ...]:
        """`problems` with the place each one points at put before its message; pointers unchanged."""
        if not self.places:
            return tuple(problems)
        return tuple(
            Problem(p.pointer, p.code, f"{place}: {p.message}") if (place := self.place_of(p.pointer)) else p
            for p in problems
        )

    def place_of(self, pointer: str) -> str | None:
        """The place of `pointer`, or of the nearest field that contains it."""
        while True:
            place = self.places.get(pointer)
            if place is not None or not pointer:
                return place
            pointer = pointer.rsplit("/", 1)[0]


@dataclass(frozen=True, slots=True)
class FileProblem:
    source: str
    message: str


Item = RawPosting | FileProblem


def suffix_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def read_postings(stream: BinaryIO, source: str, suffix: str | None = None) -> Iterator[Item]:
    """The postings in `stream`, read by the format `suffix` names (default: the source's own)."""
    suffix = suffix or suffix_of(source)
    if suffix in JSONL_SUFFIXES:
        yield from _read_json_lines(stream, source)
    elif suffix in JSON_SUFFIXES:
        yield from _read_json_document(stream, source)
    elif suffix in CSV_SUFFIXES:
        from syndicate.core.intake_csv import read_csv  # noqa: PLC0415 - it imports this module

        yield from read_csv(stream, source)
    elif suffix in MARKDOWN_SUFFIXES:
        from syndicate.core.intake_markdown import read_markdown  # noqa: PLC0415 - as above; and YAML

        yield from read_markdown(stream, source)
    else:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        yield FileProblem(source, f"unsupported file type {suffix or '(none)'!r}; use one of {supported}")


def _read_json_document(stream: BinaryIO, source: str) -> Iterator[Item]:
    body = stream.read(MAX_JSON_BYTES + 1)
    if len(body) > MAX_JSON_BYTES:
        yield FileProblem(source, f"a .json file may hold at most {MAX_JSON_BYTES // 2**20} MiB; use .jsonl")
        return
    document, reason = _decode_json(body.removeprefix(_BOM))
    if reason is not None:
        yield FileProblem(source, reason)
        return
    postings: Iterable[Any]
    if isinstance(document, dict) and set(document) == {"postings"}:
        if not isinstance(document["postings"], list):
            yield FileProblem(source, '"postings" must be a list of posting objects')
            return
        postings = document["postings"]
    elif isinstance(document, list):
        postings = document
    else:
        postings = [document]
    count = 0
    for index, data in enumerate(postings):
        count += 1
        yield RawPosting(source, index, data)
    if count == 0:
        yield FileProblem(source, "the file holds no postings (an empty list)")


def read_json_lines_range(stream: BinaryIO, source: str, first_line: int) -> Iterator[Item]:
    """The postings of one line-aligned byte range of a JSON Lines file that starts at line
    `first_line` (from 0): numbered as in the whole file; an empty range is no problem of its own."""
    return _read_json_lines(stream, source, first_line, whole_file=False)


def _read_json_lines(
    stream: BinaryIO, source: str, first_line: int = 0, *, whole_file: bool = True
) -> Iterator[Item]:
    seen = 0
    for line_number, raw_line in enumerate(_bounded_lines(stream), start=first_line):
        if raw_line is None:  # longer than a posting may be: skipped unread, not held in memory
            seen += 1
            limit = f"{MAX_POSTING_BYTES:,} bytes"
            message = f"line {line_number + 1}: longer than {limit}, the most one posting may be"
            yield RawPosting(source, line_number, None, (Problem("", "size", message),))
            continue
        line = raw_line.removeprefix(_BOM) if line_number == 0 else raw_line
        if not line.strip():
            continue
        seen += 1
        data, reason = _decode_json(line)
        if reason is not None:
            reason = reason.replace(" at line 1, column", " at column")  # one line: its column is enough
            problem = Problem("", "json", f"line {line_number + 1}: {reason}")
            yield RawPosting(source, line_number, None, (problem,))
        else:
            yield RawPosting(source, line_number, data)
    if seen == 0 and whole_file:
        yield FileProblem(source, EMPTY_FILE)


def _bounded_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """Each line of `stream`, or None for a line over MAX_POSTING_BYTES (read past in chunks)."""
    while True:
        line = stream.readline(MAX_POSTING_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_POSTING_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(_SKIP_CHUNK_BYTES)
        yield None


def decode_json(text: str) -> Any:
    """JSON as the contract reads it: NaN and Infinity refused (not JSON), integers too long for
    Python's int conversion read as the float they overflow to (so the posting, not the file, is
    refused, by `wellformed`), repeated keys marked (`wellformed.DuplicateKeys`).

    Raises ValueError (json.JSONDecodeError where the position is known) or RecursionError."""
    return json.loads(
        text,
        object_pairs_hook=object_with_duplicates_marked,
        parse_int=whole_number,
        parse_constant=_refuse_constant,
    )


def whole_number(text: str) -> int | float:
    """Digits as an int; past Python's conversion limit, the float they overflow to (infinity)."""
    return int(text) if len(text) <= _MAX_INT_DIGITS else float(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _decode_json(body: bytes) -> tuple[Any, str | None]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (byte {error.start} cannot be decoded)"
    if not text.strip():
        return None, "the file is empty: no postings"
    try:
        return decode_json(text), None
    except json.JSONDecodeError as error:
        return None, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        return None, "not accepted: JSON nested too deep"
    except ValueError as error:
        return None, f"not valid JSON: {error}"
