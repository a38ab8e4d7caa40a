"""JSON and JSON Lines intake files: a document parsed whole, or streamed line by line (so a JSON Lines
file is bounded by the disk, not by memory); JSON decoded as the posting contract reads it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from syndicate.core.intake.items import EMPTY_FILE, FileProblem, Item, RawPosting
from syndicate.core.problems import Problem
from syndicate.core.wellformed import MAX_POSTING_CHARS, object_with_duplicates_marked

MAX_JSON_BYTES = 100 * 1024 * 1024  # a single JSON document is parsed whole; JSONL has no limit
# One JSON Lines line: read whole before parsing, so bounded (a posting's text is bounded the same
# way by `wellformed.MAX_POSTING_CHARS`, whatever the format).
MAX_POSTING_BYTES = MAX_POSTING_CHARS
_SKIP_CHUNK_BYTES = 1024 * 1024
# Python refuses to convert longer digit strings to int (sys.get_int_max_str_digits, CVE-2020-10735).
_MAX_INT_DIGITS = 4300
_BOM = b"\xef\xbb\xbf"


def read_json_document(stream: BinaryIO, source: str) -> Iterator[Item]:
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
    return read_json_lines(stream, source, first_line, whole_file=False)


def read_json_lines(
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
