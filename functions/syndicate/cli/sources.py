"""Local files as intake: PATHs (files, folders, `-` for standard input) read as postings.

A folder stands for every posting file inside it, recursively, in sorted order (hidden folders
such as .git or .venv are skipped). `-` reads standard input, its format given by `--format` or
recognized from its first line. A missing or unreadable file is reported once, as a `FileProblem`.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from syndicate.core.assess import Assessment, assess
from syndicate.core.intake import SUPPORTED_SUFFIXES, FileProblem, Item, read_postings
from syndicate.core.model import CHANNELS, Channel
from syndicate.core.wellformed import printable

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

STDIN = "-"
STDIN_SOURCE = "<stdin>"  # how reports name standard input
FORMATS = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "md": ".md"}
PATH_HELP = (
    "posting files (.json, .jsonl, .ndjson, .csv, .md), folders (every such file inside, "
    "recursively, in sorted order) or - for standard input"
)


def add_path_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH... and `--format` (for `-`), the same for every command that reads postings."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help=PATH_HELP)
    parser.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default=None,
        help="the format of standard input (-); default: recognized from its first line",
    )


def expand(paths: Iterable[str]) -> Iterator[str]:
    """Each PATH, a folder replaced by its posting files (sorted, recursively); `-` as it is."""
    for path in paths:
        folder = Path(path)
        if path == STDIN or not folder.is_dir():
            yield path
            continue
        found = sorted(
            (
                file
                for file in folder.rglob("*")
                if file.suffix.lower() in SUPPORTED_SUFFIXES
                and file.is_file()
                and not any(part.startswith(".") for part in file.relative_to(folder).parts)
            ),
            key=lambda file: file.relative_to(folder).parts,
        )
        yield from (str(file) for file in found)
        if not found:
            yield path  # reported by `items` as a folder without postings


def items(paths: Iterable[str], stdin_format: str | None = None) -> Iterator[Item]:
    """The raw postings of every PATH in order, or a `FileProblem` for one that is not postings."""
    for path in expand(paths):
        if path == STDIN:
            yield from _stdin_items(stdin_format)
            continue
        if Path(path).is_dir():
            supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
            yield FileProblem(path, f"a folder without posting files ({supported})")
            continue
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is drained
        except OSError as error:
            yield FileProblem(path, f"cannot open: {error.strerror or error}")
            continue
        with stream:
            yield from _guarded(path, read_postings(stream, path))


def _guarded(source: str, read: Iterator[Item]) -> Iterator[Item]:
    """`read`'s items; a reader failing on input no rule foresaw ends its file with a `FileProblem`
    naming how far it got, never a traceback, and the other files are still read."""
    count = 0
    try:
        for item in read:
            count += 1
            yield item
    except Exception as error:  # a file never stops the others
        reason = printable(str(error))[:200]
        yield FileProblem(source, f"reading stopped after {count} item(s): {type(error).__name__}: {reason}")


def assessments(
    paths: Iterable[str],
    now: datetime,
    stdin_format: str | None = None,
    channels: Iterable[Channel] = CHANNELS,
) -> Iterator[Assessment | FileProblem]:
    """Each posting's assessment (readiness for `channels` only) in file order; a `FileProblem`
    for a file that is not postings."""
    channels = tuple(channels)
    for item in items(paths, stdin_format):
        yield item if isinstance(item, FileProblem) else assess(item, now, channels)


# Standard input -------------------------------------------------------------------------------


class _Replayed(io.RawIOBase):
    """The bytes already read from a stream, then the rest of it: a peek of any length."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        target = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(target), len(self._head))
            target[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        chunk = self._rest.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)


def sniff_suffix(first_line: bytes) -> str:
    """The format standard input is in, from its first line: Markdown front matter (`---`), a
    JSON array, one JSON posting per line, a JSON document spread over lines, or else CSV."""
    text = first_line.removeprefix(b"\xef\xbb\xbf").strip()
    if text == b"---":
        return ".md"
    if text.startswith(b"["):
        return ".json"
    if text.startswith(b"{"):
        try:
            document = json.loads(text)
        except ValueError:
            return ".json"  # an object spread over several lines
        # One object on the line: JSON Lines, unless it is the {"postings": [...]} wrapper.
        return ".json" if isinstance(document, dict) and set(document) == {"postings"} else ".jsonl"
    return ".csv"


def _stdin_items(stdin_format: str | None) -> Iterator[Item]:
    stream = sys.stdin.buffer
    if stdin_format is not None:
        yield from _guarded(STDIN_SOURCE, read_postings(stream, STDIN_SOURCE, FORMATS[stdin_format]))
        return
    head = b""
    while not head.strip():  # skip blank lines before the first one that says something
        line = stream.readline()
        if not line:
            yield FileProblem(STDIN_SOURCE, "standard input is empty")
            return
        head += line
    replayed = io.BufferedReader(_Replayed(head, stream))
    suffix = sniff_suffix(head.strip(b"\r\n\t ").split(b"\n")[0])
    yield from _guarded(STDIN_SOURCE, read_postings(replayed, STDIN_SOURCE, suffix))
