"""The ingest function's work for one SQS record: an S3 notification, or one range of an upload.

Big JSON Lines uploads are split into ranges ingested in parallel, each retried on its own
(docs/design.md, "Ingest"). Built once per container from its settings (`IngestService.from_settings`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from syndicate.adapters import storage
from syndicate.adapters.queues import ChannelQueues, SendOutcome
from syndicate.adapters.state import StateTable
from syndicate.core.delivery import LinkedInDelivery
from syndicate.core.intake import read_json_lines_range
from syndicate.core.model import Channel
from syndicate.core.wellformed import printable
from syndicate.pipeline import ranges
from syndicate.pipeline.ingest import Ingest, IngestStats, Upload
from syndicate.pipeline.receipt import Receipt, assembled, write_document
from syndicate.pipeline.state_store import IngestState
from syndicate.settings import IngestSettings

INCOMING_PREFIX = "incoming/"
REPORTS_PREFIX = "reports/"
_SEND_BATCH = 10
_NUMBER_DIGITS = 6  # of a range's number in its part's key


def report_key(upload_key: str) -> str:
    return f"{REPORTS_PREFIX}{upload_key}.json"


def parts_prefix(upload: Upload) -> str:
    """Where the receipts of an upload's ranges go: one folder per upload event (the sequencer)."""
    return f"{REPORTS_PREFIX}{upload.key}.parts/{upload.sequencer or 'unordered'}/"


def part_key(work: ranges.RangeWork) -> str:
    """The range's part of the receipt; written when the range is done, so also the record of that."""
    return f"{parts_prefix(work.upload)}{work.number:0{_NUMBER_DIGITS}d}.json"


def failed_part_key(work: ranges.RangeWork) -> str:
    """The part a failed attempt of the range writes; sorts before `part_key`, which replaces it."""
    return f"{parts_prefix(work.upload)}{work.number:0{_NUMBER_DIGITS}d}.failed.json"


def range_text(span: ranges.ByteRange) -> str:
    lines = (
        f"lines {span.first_line + 1}-{span.end_line}"
        if span.end_line
        else f"from line {span.first_line + 1}"
    )
    return f"{lines}, bytes {span.start}-{span.end - 1}"


def uploads_in(notification: Mapping[str, Any]) -> list[Upload]:
    """The uploads an S3 notification announces; none for `s3:TestEvent` or other events."""
    if notification.get("Event") == "s3:TestEvent":
        return []
    uploads = []
    for record in notification.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        key = unquote_plus(s3["object"]["key"])  # S3 sends keys URL-encoded, spaces as '+'
        if not key.startswith(INCOMING_PREFIX):
            continue  # the pipeline's own writes can never trigger it
        uploads.append(
            Upload(
                bucket=s3["bucket"]["name"],
                key=key,
                event_time=str(record.get("eventTime", "")),
                sequencer=str(s3["object"].get("sequencer", "")),
                version_id=s3["object"].get("versionId"),
                size=s3["object"].get("size"),
            )
        )
    return uploads


@dataclass
class IngestService:
    s3: Any
    sqs: Any
    state: IngestState
    queue_urls: Mapping[Channel, str]
    intake_bucket: str
    linkedin_delivery: LinkedInDelivery = "api"
    # Where the ranges of a big upload are queued, and their size; without a queue nothing is split.
    range_queue_url: str | None = None
    range_bytes: int = 0
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_settings(cls, settings: IngestSettings, s3: Any, sqs: Any, dynamodb: Any) -> IngestService:
        return cls(
            s3=s3,
            sqs=sqs,
            state=StateTable(dynamodb, settings.state_table),
            queue_urls=settings.queue_urls,
            intake_bucket=settings.intake_bucket,
            linkedin_delivery=settings.linkedin_delivery,
            range_queue_url=settings.range_queue_url,
            range_bytes=settings.range_bytes,
        )

    def queues(self, on_sent: Callable[[SendOutcome], None]) -> ChannelQueues:
        return ChannelQueues(self.sqs, self.s3, self.queue_urls, self.intake_bucket, on_sent)

    def handle_message(self, message: Mapping[str, Any]) -> list[IngestStats]:
        """An S3 notification (each upload in it), or one range of a split upload."""
        if ranges.RANGE_MESSAGE in message:
            return [self.ingest_range(ranges.RangeWork.from_message(message))]
        return [self.ingest(upload) for upload in uploads_in(message)]

    def ingest(self, upload: Upload) -> IngestStats:
        now = self.clock()
        if self.range_queue_url and ranges.splits(upload, self.range_bytes):
            return IngestStats(ranges=self._queue_ranges(upload, now, self.range_queue_url))
        with Receipt(upload.key, now, upload.version_id) as receipt:
            try:
                body = storage.open_object(self.s3, upload.bucket, upload.key, upload.version_id)
                with body:
                    stats = Ingest(self.state, self.queues, now, self.linkedin_delivery).run(
                        upload, body, receipt
                    )
            except Exception as error:
                # The receipt is written even so: it says how far the upload got and that it is
                # retried (after the last retry the upload waits in the ingest dead-letter queue).
                receipt.file_problem(
                    f"processing stopped ({type(error).__name__}: {printable(str(error))[:300]}); "
                    "the upload is retried, and after 5 attempts kept in the ingest dead-letter queue"
                )
                self._write_receipt(upload, receipt)
                raise
            self._write_receipt(upload, receipt)
        return stats

    def _write_receipt(self, upload: Upload, receipt: Receipt) -> None:
        storage.put_large(
            self.s3, upload.bucket, report_key(upload.key), receipt.write_to, "application/json"
        )

    def _queue_ranges(self, upload: Upload, now: datetime, queue_url: str) -> int:
        """Plan the upload's ranges and queue one message each (planning again, on a retry, gives
        the same ranges; those already done are skipped when their message arrives)."""
        with storage.open_object(self.s3, upload.bucket, upload.key, upload.version_id) as body:
            spans = list(ranges.plan(body, self.range_bytes))
        works = [
            ranges.RangeWork(upload, number, len(spans), now.isoformat(), span)
            for number, span in enumerate(spans)
        ]
        for start in range(0, len(works), _SEND_BATCH):
            batch = works[start : start + _SEND_BATCH]
            result = self.sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(w.number), "MessageBody": json.dumps(w.to_message())} for w in batch],
            )
            if result.get("Failed"):
                raise RuntimeError(f"{upload.key}: could not queue ranges: {result['Failed']}")
        return len(works)

    def ingest_range(self, work: ranges.RangeWork) -> IngestStats:
        stats = IngestStats()
        if part_key(work) not in self._parts_written(work.upload):
            stats = self._ingest_span(work)
        self._assemble_when_complete(work)
        return stats

    def _ingest_span(self, work: ranges.RangeWork) -> IngestStats:
        """Ingest the range and write its part of the receipt. A range that fails writes a part of
        its own saying so (how far it got, which lines and bytes, why) before it is retried, so the
        upload's receipt is complete even when the range ends in the dead-letter queue; a later
        success (a retry, a redrive) writes the range's real part, which replaces it."""
        upload, span = work.upload, work.span
        received_at = datetime.fromisoformat(work.received_at)
        where: dict[str, Any] = {
            "number": work.number,
            "of": work.count,
            "bytes": [span.start, span.end],
            "lines": [span.first_line + 1, span.end_line],
        }
        with Receipt(upload.key, received_at, upload.version_id) as receipt:
            try:
                with storage.open_object(
                    self.s3, upload.bucket, upload.key, upload.version_id, (span.start, span.end)
                ) as body:
                    items = read_json_lines_range(body, upload.key, span.first_line)
                    ingest = Ingest(self.state, self.queues, self.clock(), self.linkedin_delivery)
                    stats = ingest.run_items(upload, items, receipt)
            except Exception as error:
                reason = f"{type(error).__name__}: {printable(str(error))[:300]}"
                receipt.file_problem(
                    f"range {work.number + 1} of {work.count} ({range_text(span)}) stopped ({reason}); "
                    "its postings not listed in this receipt are not ingested: the range is retried, "
                    "and after 5 attempts kept in the ingest dead-letter queue"
                )
                self._write_part(work, receipt, where | {"failed": reason}, failed_part_key(work))
                self._assemble_when_complete(work)
                raise
            self._write_part(work, receipt, where, part_key(work))
        return stats

    def _write_part(self, work: ranges.RangeWork, receipt: Receipt, where: dict[str, Any], key: str) -> None:
        write = functools.partial(receipt.write_to, extra={"range": where})
        storage.put_large(self.s3, work.upload.bucket, key, write, "application/json")

    def _assemble_when_complete(self, work: ranges.RangeWork) -> None:
        """Write the upload's receipt once every range has written its part (or its failed part,
        when it has no other). S3 lists what was written before, so the range that writes the last
        part always sees them all."""
        upload = work.upload
        chosen: dict[str, str] = {}
        for key in self._parts_written(upload):  # in key order: a range's part after its failed one
            chosen[key.rsplit("/", 1)[-1][:_NUMBER_DIGITS]] = key
        if len(chosen) < work.count:
            return
        loaders = [functools.partial(self._load_json, upload.bucket, chosen[n]) for n in sorted(chosen)]
        storage.put_large(
            self.s3,
            upload.bucket,
            report_key(upload.key),
            functools.partial(write_document, document=assembled(loaders)),
            "application/json",
        )

    def _parts_written(self, upload: Upload) -> list[str]:
        """The receipt parts of the upload's ranges written so far, in key order (one listing
        page holds the parts of a 4 GB upload at the default range size)."""
        return sorted(key for key, _ in storage.list_objects(self.s3, upload.bucket, parts_prefix(upload)))

    def _load_json(self, bucket: str, key: str) -> Mapping[str, Any]:
        loaded: Mapping[str, Any] = json.loads(storage.read_json_text(self.s3, bucket, key))
        return loaded
