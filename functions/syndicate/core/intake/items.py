"""What reading an intake file gives: raw postings (or why one could not be read) and file problems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from syndicate.core.problems import Problem

JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
MARKDOWN_SUFFIXES = frozenset({".md"})
SUPPORTED_SUFFIXES = JSON_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES | MARKDOWN_SUFFIXES
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
