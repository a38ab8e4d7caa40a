"""Read intake files into raw postings, one at a time, never failing the whole file for one posting.

`read_postings` takes a binary stream (a local file or an S3 body) and yields, in file order,
`RawPosting` items (parsed JSON of one posting, or the reason it could not be parsed) and, when the
file as a whole is unreadable, a single `FileProblem`. One module per format: `json_files` (JSON and
JSON Lines), `csv_files`, `markdown_files`; each depends on `items`, never on this package's face.
The formats: docs/posting-format.md, "Intake files".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from syndicate.core.intake.items import (
    CSV_SUFFIXES,
    EMPTY_FILE,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    MARKDOWN_SUFFIXES,
    SUPPORTED_SUFFIXES,
    FileProblem,
    Item,
    RawPosting,
    suffix_of,
)
from syndicate.core.intake.json_files import (
    MAX_POSTING_BYTES,
    decode_json,
    read_json_document,
    read_json_lines,
    read_json_lines_range,
    whole_number,
)

__all__ = [
    "CSV_SUFFIXES",
    "EMPTY_FILE",
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "MARKDOWN_SUFFIXES",
    "MAX_POSTING_BYTES",
    "SUPPORTED_SUFFIXES",
    "FileProblem",
    "Item",
    "RawPosting",
    "decode_json",
    "read_json_lines_range",
    "read_postings",
    "suffix_of",
    "whole_number",
]


def read_postings(stream: BinaryIO, source: str, suffix: str | None = None) -> Iterator[Item]:
    """The postings in `stream`, read by the format `suffix` names (default: the source's own)."""
    suffix = suffix or suffix_of(source)
    if suffix in JSONL_SUFFIXES:
        yield from read_json_lines(stream, source)
    elif suffix in JSON_SUFFIXES:
        yield from read_json_document(stream, source)
    elif suffix in CSV_SUFFIXES:
        # Imported here for cold starts only: the schema walk and YAML load for the files that need them.
        from syndicate.core.intake.csv_files import read_csv  # noqa: PLC0415

        yield from read_csv(stream, source)
    elif suffix in MARKDOWN_SUFFIXES:
        from syndicate.core.intake.markdown_files import read_markdown  # noqa: PLC0415 - as above

        yield from read_markdown(stream, source)
    else:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        yield FileProblem(source, f"unsupported file type {suffix or '(none)'!r}; use one of {supported}")
