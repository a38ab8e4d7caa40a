"""The receipt of one upload: every posting accepted (with its channels) or rejected (with why).

Spooled to a temporary file as the upload streams, so a million postings never sit in memory;
a ranged upload's receipt is assembled from its ranges' parts, a failed range's part naming its
lines, bytes and why (docs/design.md, "Ingest").
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO, Any, BinaryIO

from syndicate.core.assess import Assessment
from syndicate.core.intake import EMPTY_FILE
from syndicate.core.jsonstream import StreamedArray, iter_encoded
from syndicate.core.wellformed import printable_strings

SPOOL_IN_MEMORY_BYTES = 1024 * 1024


class Receipt:
    def __init__(self, source: str, received_at: datetime, version_id: str | None = None) -> None:
        self.source = source
        self.received_at = received_at
        self.version_id = version_id
        self.file_problems: list[str] = []
        self.counts = {"accepted": 0, "rejected": 0, "unchanged": 0, "superseded": 0, "duplicate": 0}
        self.channel_failures: list[dict[str, str]] = []
        self.send_calls: dict[str, int] = {}
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> Receipt:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def file_problem(self, message: str) -> None:
        self.file_problems.append(message)

    def posting(self, result: Assessment, outcome: str, actions: dict[str, Any] | None = None) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        entry = result.to_report() | {"outcome": outcome, "queued": actions or {}}
        try:
            line = json.dumps(entry, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # text that is not Unicode (a lone surrogate) is shown escaped
            line = json.dumps(printable_strings(entry), ensure_ascii=False).encode("utf-8")
        self._spool.write(line + b"\n")

    def channel_failed(self, posting_id: str, channel: str, reason: str) -> None:
        self.channel_failures.append({"id": posting_id, "channel": channel, "reason": reason})

    def document(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version_id": self.version_id,
            "received_at": self.received_at.isoformat(),
            "summary": self.counts | {"file_errors": len(self.file_problems)},
            "file_errors": self.file_problems,
            "channel_failures": self.channel_failures,
            "postings": StreamedArray(self._spooled_entries()),
        }

    def _spooled_entries(self) -> Iterator[Any]:
        self._spool.seek(0)
        for line in self._spool:
            yield json.loads(line)

    def write_to(self, out: BinaryIO, extra: Mapping[str, Any] | None = None) -> None:
        write_document(out, self.document() | dict(extra or {}))


def write_document(out: BinaryIO, document: Mapping[str, Any]) -> None:
    for chunk in iter_encoded(document, indent=1):
        out.write(chunk.encode("utf-8"))


_HEADER_FIELDS = ("source", "version_id", "received_at")


def assembled(parts: Sequence[Callable[[], Mapping[str, Any]]]) -> dict[str, Any]:
    """One receipt from the receipts of an upload's ranges, in range order. `parts` load a part
    each time they are called: the totals are summed in a first pass, and the postings streamed
    in a second, so only one part is ever in memory."""
    summary: Counter[str] = Counter()
    file_errors: list[str] = []
    channel_failures: list[Any] = []
    failed_ranges: list[Any] = []
    header: dict[str, Any] = {}
    for load in parts:
        part = load()
        # The upload's own fields come from the first part; only they are kept of it.
        header = header or {field: part.get(field) for field in _HEADER_FIELDS}
        summary.update(part.get("summary", {}))
        file_errors += part.get("file_errors", [])
        channel_failures += part.get("channel_failures", [])
        if "failed" in part.get("range", {}):
            failed_ranges.append(part["range"])
        del part  # let it go before the next part loads, so only one is ever held
    if not any(summary[outcome] for outcome in summary if outcome != "file_errors") and not file_errors:
        file_errors.append(EMPTY_FILE)
    summary["file_errors"] = len(file_errors)
    return {
        **header,
        "summary": dict(summary),
        "file_errors": file_errors,
        "channel_failures": channel_failures,
        "ranges": len(parts),
        "failed_ranges": failed_ranges,  # their postings not listed were not ingested (file_errors says)
        "postings": StreamedArray(_postings_of(parts)),
    }


def _postings_of(parts: Sequence[Callable[[], Mapping[str, Any]]]) -> Iterator[Any]:
    """Every part's postings in order, each part let go before the next one loads."""
    for load in parts:
        postings = load().get("postings", [])
        yield from postings
        del postings
