"""Ingest one uploaded file: validate every posting, record versions, queue each channel's work.

Postings are handled one at a time as the file streams in, so a file of any size runs in
bounded memory. One bad posting never costs the others: it is rejected in the receipt, with
its errors, and the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from syndicate.adapters.queues import ChannelQueues, SendOutcome
from syndicate.adapters.state import ChannelMark, Version, time_text
from syndicate.core import plan as planning
from syndicate.core.assess import Assessment, assess, posting_id_of, rejected_for
from syndicate.core.delivery import LinkedInDelivery, linkedin_listing
from syndicate.core.intake import FileProblem, RawPosting, read_postings
from syndicate.core.intake import Item as IntakeItem
from syndicate.core.messages import ChannelMessage, content_hash, hash_of_record
from syndicate.core.model import Posting
from syndicate.pipeline.receipt import Receipt
from syndicate.pipeline.render import for_delivery, render_payload
from syndicate.pipeline.state_store import IngestState

MAX_RACE_RETRIES = 5
logger = Logger(child=True)


class StateContended(RuntimeError):
    """Other writers kept changing the posting's state: retrying the upload is the answer."""


# Failures of the services, not of a posting: the upload is retried whole rather than the posting
# rejected (a valid posting must not be lost to a throttled table or a dropped connection).
TRANSIENT_ERRORS = (ClientError, BotoCoreError, OSError, StateContended)


@dataclass(frozen=True, slots=True)
class Upload:
    bucket: str
    key: str
    event_time: str  # ISO 8601 from the S3 event
    sequencer: str  # hex from the S3 event
    version_id: str | None = None
    size: int | None = None  # bytes, from the S3 event

    def order_of(self, index: int) -> str:
        """Fixed-width text whose order is the upload order: event time, S3 sequencer, position.

        S3 sequencers only order events of one key, so the event time orders different files
        first; within a file the posting's position decides.
        """
        return f"{self.event_time[:23].ljust(23, '0')}|{self.sequencer.rjust(32, '0')}|{index:010d}"


def updated_at_text(posting_updated_at: datetime | None) -> str:
    """Fixed-width UTC text, so text order is time order in the state table."""
    return time_text(posting_updated_at) if posting_updated_at else ""


@dataclass
class IngestStats:
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    superseded: int = 0
    queued: dict[str, int] = field(default_factory=dict)
    ranges: int = 0  # byte ranges queued for a big upload, ingested by messages of their own


QueuesFactory = Callable[[Callable[[SendOutcome], None]], ChannelQueues]


class Ingest:
    def __init__(
        self,
        state: IngestState,
        queues_factory: QueuesFactory,
        now: datetime,
        linkedin_delivery: LinkedInDelivery = "api",
    ) -> None:
        self._state = state
        self._queues_factory = queues_factory
        self._now = now
        self._linkedin_delivery = linkedin_delivery

    def run(self, upload: Upload, body: BinaryIO, receipt: Receipt) -> IngestStats:
        return self.run_items(upload, read_postings(body, upload.key), receipt)

    def run_items(self, upload: Upload, items: Iterable[IntakeItem], receipt: Receipt) -> IngestStats:
        """Ingest postings already read (the whole file, or one byte range of it)."""
        stats = IngestStats()
        # A version's messages, by (posting id, upload order): how many were queued, and the
        # outcomes of those sent so far. Its channels are marked in one write once all are sent.
        expected: dict[tuple[str, str], int] = {}
        outcomes: dict[tuple[str, str], list[SendOutcome]] = {}

        def sent(outcome: SendOutcome) -> None:
            message = outcome.message
            if outcome.error is None:
                stats.queued[message.channel] = stats.queued.get(message.channel, 0) + 1
            else:
                receipt.channel_failed(message.posting_id, message.channel, outcome.error)
            version = (message.posting_id, message.upload_order)
            arrived = outcomes.setdefault(version, [])
            arrived.append(outcome)
            if len(arrived) >= expected.get(version, 1):
                expected.pop(version, None)
                self._mark_sent(outcomes.pop(version))

        queues: ChannelQueues = self._queues_factory(sent)
        for item in items:
            if isinstance(item, FileProblem):
                receipt.file_problem(item.message)
                continue
            try:
                self._ingest_one(upload, item, receipt, queues, stats, expected)
            except TRANSIENT_ERRORS:
                raise  # AWS unavailable or contended: the whole upload is retried (state makes it safe)
            except Exception as error:  # one posting's failure must not cost the others
                rejected = rejected_for(item.source, item.index, posting_id_of(item.data), error)
                stats.rejected += 1
                receipt.posting(rejected, "rejected")
                logger.exception("posting failed", extra={"posting_id": rejected.id, "index": item.index})
        queues.flush()
        receipt.send_calls = {str(channel): calls for channel, calls in queues.send_calls.items()}
        return stats

    def _ingest_one(
        self,
        upload: Upload,
        item: RawPosting,
        receipt: Receipt,
        queues: ChannelQueues,
        stats: IngestStats,
        expected: dict[tuple[str, str], int],
    ) -> None:
        result = for_delivery(assess(item, self._now), self._now, self._linkedin_delivery)
        if not result.valid or result.posting is None:
            stats.rejected += 1
            receipt.posting(result, "rejected")
            logger.info(
                "posting rejected",
                extra={
                    "posting_id": result.id,
                    "index": result.index,
                    "errors": [str(e) for e in result.errors],
                },
            )
            return
        outcome, messages = self._decide(upload, result, item.data)
        receipt.posting(result, outcome, {m.channel: m.action for m in messages})
        for message in messages:
            logger.debug(
                "queued",
                extra={
                    "posting_id": message.posting_id,
                    "channel": message.channel,
                    "action": message.action,
                },
            )
        if outcome == "accepted":
            stats.accepted += 1
        elif outcome == "unchanged":
            stats.unchanged += 1
        else:
            stats.superseded += 1
        if messages:
            expected[(messages[0].posting_id, messages[0].upload_order)] = len(messages)
        for message in messages:
            queues.add(message)

    def _mark_sent(self, outcomes: list[SendOutcome]) -> None:
        """Mark the channels of one version queued (or failed, with why) once all its messages are
        sent: one write for all of them, or, when one channel moved on meanwhile (a newer version,
        expiry), one write per channel, so each channel still holding this version is marked."""
        marks = [
            ChannelMark(
                outcome.message.channel,
                outcome.message.content_hash,
                planning.QUEUED if outcome.error is None else planning.FAILED,
                outcome.message.action,
                outcome.error,  # None keeps the plan's reason (why it is taken down)
            )
            for outcome in outcomes
        ]
        posting_id = outcomes[0].message.posting_id
        if len(marks) > 1 and self._state.mark_all(posting_id, marks):
            return
        for mark in marks:
            self._state.mark(
                posting_id,
                mark.channel,
                mark.content_hash,
                mark.state,
                action=mark.action,
                reason=mark.reason,
            )

    def _decide(self, upload: Upload, result: Assessment, raw: Any) -> tuple[str, list[ChannelMessage]]:
        posting = result.posting
        assert posting is not None
        fresh_hash = content_hash(raw)
        version = Version(updated_at_text(posting.updated_at), upload.order_of(result.index))
        for _ in range(MAX_RACE_RETRIES):
            previous = self._state.get(posting.id)
            new_hash = hash_of_record((previous or {}).get("content_hash"), fresh_hash)
            seen = Version.of_item(previous) if previous else None
            if seen is not None and seen.upload_order == version.upload_order:
                # The same event delivered again: resend only what a crash left pending.
                return "duplicate", self._pending_messages(upload, result, new_hash, previous or {})
            if seen is not None and not version.is_newer_than(seen):
                return "superseded", []
            plan = planning.plan_channels(result, new_hash, previous, self._now)
            # Rendered before the version is recorded: a posting no renderer can take is rejected
            # with the state untouched.
            messages = [
                self._message(upload, result, new_hash, step.channel, step.action, previous)
                for step in plan.sends
                if step.action is not None
            ]
            recorded = self._state.record_version(
                posting_id=posting.id,
                version=version,
                seen=seen,
                content_hash=new_hash,
                status=posting.status,
                source=upload.key,
                plans=plan.channels,
                valid_through=time_text(posting.valid_through) if posting.valid_through else None,
                expires_at=self._expires_at(posting, plan),
            )
            if recorded:
                return ("accepted" if messages or previous is None else "unchanged"), messages
        raise StateContended(f"posting {posting.id}: state kept changing under {MAX_RACE_RETRIES} attempts")

    def _expires_at(self, posting: Posting, plan: planning.PostingPlan) -> str | None:
        """When the expiry function must take this version down: its `valid_through`, if it is open,
        not yet expired and live somewhere (a closed or expired version is taken down right here)."""
        until = posting.valid_through
        if until is None or not posting.is_open or until <= self._now:
            return None
        live = any(step.recorded_action == "upsert" for step in plan.channels)
        return time_text(until) if live else None

    def _pending_messages(
        self, upload: Upload, result: Assessment, new_hash: str, previous: dict[str, Any]
    ) -> list[ChannelMessage]:
        messages = []
        for channel, entry in previous.get("channels", {}).items():
            if (
                entry.get("state") == planning.PENDING
                and entry.get("hash") == new_hash
                and entry.get("action")
            ):
                messages.append(self._message(upload, result, new_hash, channel, entry["action"], previous))
        return messages

    def _message(
        self,
        upload: Upload,
        result: Assessment,
        new_hash: str,
        channel: Any,
        action: Any,
        previous: dict[str, Any] | None,
    ) -> ChannelMessage:
        posting = result.posting
        assert posting is not None
        payload = render_payload(
            posting,
            channel,
            action,
            self._now,
            linkedin_listing=linkedin_listing(previous),
            linkedin_delivery=self._linkedin_delivery,
        )
        return ChannelMessage(
            posting_id=posting.id,
            channel=channel,
            action=action,
            content_hash=new_hash,
            upload_order=upload.order_of(result.index),
            source=upload.key,
            payload=payload,
        )
