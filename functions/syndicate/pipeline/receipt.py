"""The receipt of one upload: every posting accepted (with its channels) or rejected (with why).

Entries are spooled to a temporary file as the upload streams, and the JSON document is
encoded from the spool at the end, so a receipt for a million postings never sits in memory.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any, BinaryIO

from syndicate.core.assess import Assessment
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

    def write_to(self, out: BinaryIO) -> None:
        for chunk in iter_encoded(self.document(), indent=1):
            out.write(chunk.encode("utf-8"))
