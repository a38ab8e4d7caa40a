"""Big JSON Lines uploads in line-aligned byte ranges, each ingested as a message of its own.

A range starts at a line and ends after one, so every range holds whole postings; it carries the
number of its first line so postings keep their place in the file (their upload order and the line
numbers the receipt names). The planner streams the object once and only counts bytes and lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from syndicate.core.intake import JSONL_SUFFIXES, suffix_of
from syndicate.pipeline.ingest import Upload

RANGE_MESSAGE = "ingest_range"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int  # first byte
    end: int  # one past the last byte
    first_line: int  # line number (from 0) of the range's first line in the whole file
    end_line: int | None = None  # one past its last line (from 0); None in messages queued before it


@dataclass(frozen=True, slots=True)
class RangeWork:
    """One range of one upload: what its message carries."""

    upload: Upload
    number: int  # from 0
    count: int  # ranges of the upload
    received_at: str  # ISO 8601: when the upload's ingest began, the same in every part of its receipt
    span: ByteRange

    def to_message(self) -> dict[str, Any]:
        return {
            RANGE_MESSAGE: {
                "upload": asdict(self.upload),
                "number": self.number,
                "count": self.count,
                "received_at": self.received_at,
                "span": asdict(self.span),
            }
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> RangeWork:
        body = message[RANGE_MESSAGE]
        return cls(
            upload=Upload(**body["upload"]),
            number=int(body["number"]),
            count=int(body["count"]),
            received_at=str(body["received_at"]),
            span=ByteRange(**body["span"]),
        )


def splits(upload: Upload, range_bytes: int) -> bool:
    """Whether an upload is ingested in ranges: JSON Lines larger than one range. (A .json document
    is parsed whole, and a CSV posting may span rows with quoted line breaks, so neither splits.)"""
    return suffix_of(upload.key) in JSONL_SUFFIXES and upload.size is not None and upload.size > range_bytes


def plan(stream: BinaryIO, range_bytes: int) -> Iterator[ByteRange]:
    """Line-aligned ranges of at least `range_bytes` each (the last may be shorter), covering the
    stream; a line longer than a range makes a range of its own."""
    start = position = first_line = line = 0
    for line, raw_line in enumerate(stream, start=1):
        position += len(raw_line)
        if position - start >= range_bytes:
            yield ByteRange(start, position, first_line, line)
            start, first_line = position, line
    if position > start or position == 0:
        yield ByteRange(start, position, first_line, line)
