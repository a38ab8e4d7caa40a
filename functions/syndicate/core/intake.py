"""Read intake files into raw postings, one at a time, never failing the whole file for one posting.

`read_postings` takes a binary stream (a local file or an S3 body) and yields, in file order,
`RawPosting` items (parsed JSON of one posting, or the reason it could not be parsed) and, when
the file as a whole is unreadable, a single `FileProblem`. JSON Lines files are streamed line by
line, so their size is bounded by the disk, not by memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from syndicate.core.problems import Problem

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = JSON_SUFFIXES | JSONL_SUFFIXES
MAX_JSON_BYTES = 100 * 1024 * 1024  # a single JSON document is parsed whole; JSONL has no limit
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawPosting:
    source: str
    index: int  # position in the file; for JSON Lines the line number from 0
    data: Any = None
    problems: tuple[Problem, ...] = field(default=())  # why `data` could not be read, if it could not


@dataclass(frozen=True, slots=True)
class FileProblem:
    source: str
    message: str


Item = RawPosting | FileProblem


def suffix_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def read_postings(stream: BinaryIO, source: str) -> Iterator[Item]:
    suffix = suffix_of(source)
    if suffix in JSONL_SUFFIXES:
        yield from _read_json_lines(stream, source)
    elif suffix in JSON_SUFFIXES:
        yield from _read_json_document(stream, source)
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


def _read_json_lines(stream: BinaryIO, source: str) -> Iterator[Item]:
    seen = 0
    for line_number, raw_line in enumerate(stream):
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
    if seen == 0:
        yield FileProblem(source, "the file is empty: no postings")


def _decode_json(body: bytes) -> tuple[Any, str | None]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (byte {error.start} cannot be decoded)"
    if not text.strip():
        return None, "the file is empty: no postings"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        return None, "not accepted: JSON nested too deep"
