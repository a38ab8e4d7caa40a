"""The ingest function's work for one SQS record: the S3 notification it carries.

Built once per container (`IngestService.from_environment`), used by the thin handler.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from syndicate.adapters import storage
from syndicate.adapters.queues import ChannelQueues, SendOutcome
from syndicate.adapters.state import StateTable
from syndicate.core.model import Channel
from syndicate.core.wellformed import printable
from syndicate.pipeline.delivery import linkedin_delivery
from syndicate.pipeline.ingest import Ingest, IngestStats, Upload
from syndicate.pipeline.receipt import Receipt

INCOMING_PREFIX = "incoming/"
REPORTS_PREFIX = "reports/"


def report_key(upload_key: str) -> str:
    return f"{REPORTS_PREFIX}{upload_key}.json"


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
            )
        )
    return uploads


@dataclass
class IngestService:
    s3: Any
    sqs: Any
    state: StateTable
    queue_urls: Mapping[Channel, str]
    intake_bucket: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_environment(cls, s3: Any, sqs: Any, dynamodb: Any) -> IngestService:
        return cls(
            s3=s3,
            sqs=sqs,
            state=StateTable(dynamodb, os.environ["STATE_TABLE"]),
            queue_urls={
                "linkedin": os.environ["LINKEDIN_QUEUE_URL"],
                "indeed": os.environ["INDEED_QUEUE_URL"],
                "schemaorg": os.environ["SCHEMAORG_QUEUE_URL"],
            },
            intake_bucket=os.environ["INTAKE_BUCKET"],
        )

    def queues(self, on_sent: Callable[[SendOutcome], None]) -> ChannelQueues:
        return ChannelQueues(self.sqs, self.s3, self.queue_urls, self.intake_bucket, on_sent)

    def handle_notification(self, notification: Mapping[str, Any]) -> list[IngestStats]:
        return [self.ingest(upload) for upload in uploads_in(notification)]

    def ingest(self, upload: Upload) -> IngestStats:
        now = self.clock()
        with Receipt(upload.key, now, upload.version_id) as receipt:
            try:
                body = storage.open_object(self.s3, upload.bucket, upload.key, upload.version_id)
                with body:
                    stats = Ingest(self.state, self.queues, now, linkedin_delivery()).run(
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
        storage.put_streamed(
            self.s3, upload.bucket, report_key(upload.key), receipt.write_to, "application/json"
        )
