"""Expiry: take down every open posting whose `valid_through` has passed, on every channel it is (or may
still be) on, through the same channel queues as any other take-down.

Driven by the sparse expiry index; a second run sends nothing. The steps and why a crash is safe:
docs/design.md, "Expiry".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools import Logger

from syndicate.adapters.queues import ChannelQueues, SendOutcome
from syndicate.adapters.state import StateTable, Version, time_text
from syndicate.core import plan as planning
from syndicate.core.messages import ChannelMessage
from syndicate.core.model import CHANNELS, Channel
from syndicate.pipeline.state_store import StateStore
from syndicate.settings import ExpirySettings

REASON: Final = "valid_through has passed"
SOURCE: Final = "expiry"
MAX_RACE_RETRIES: Final = 5
FLUSH_EVERY: Final = 25  # postings whose messages are queued before they leave the index
RESERVE_SECONDS: Final = 30.0  # stop taking new postings with less time left (the next run goes on)

logger = Logger(child=True)


@dataclass
class ExpiryStats:
    expired: int = 0
    queued: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    stopped_early: bool = False


class Expiry:
    def __init__(
        self,
        state: StateStore,
        queues_factory: Callable[[Callable[[SendOutcome], None]], ChannelQueues],
        time_left: Callable[[], float] = lambda: float("inf"),
    ) -> None:
        self._state = state
        self._queues_factory = queues_factory
        self._time_left = time_left

    def run(self, now: datetime) -> ExpiryStats:
        stats = ExpiryStats()
        now_text = time_text(now)

        def sent(outcome: SendOutcome) -> None:
            message = outcome.message
            state = planning.QUEUED if outcome.error is None else planning.FAILED
            self._state.mark(
                message.posting_id,
                message.channel,
                message.content_hash,
                state,
                action=message.action,
                reason=outcome.error,  # None keeps REASON
            )
            if outcome.error is None:
                stats.queued[message.channel] = stats.queued.get(message.channel, 0) + 1
            else:
                stats.failed += 1

        queues = self._queues_factory(sent)
        waiting: list[tuple[str, Version]] = []
        for posting_id in self._state.expired_postings(now_text):
            if self._time_left() < RESERVE_SECONDS:
                stats.stopped_early = True
                break
            decided = self._take_down(posting_id, now_text)
            if decided is None:
                continue
            messages, version = decided
            for message in messages:
                queues.add(message)
            waiting.append((posting_id, version))
            stats.expired += 1
            logger.info(
                "posting expired", extra={"posting_id": posting_id, "channels": [m.channel for m in messages]}
            )
            if len(waiting) >= FLUSH_EVERY:
                self._settle(queues, waiting)
        self._settle(queues, waiting)
        return stats

    def _settle(self, queues: ChannelQueues, waiting: list[tuple[str, Version]]) -> None:
        """Queue what is pending, then let those postings leave the index (never before)."""
        queues.flush()
        for posting_id, version in waiting:
            self._state.leave_expiry_index(posting_id, version)
        waiting.clear()

    def _take_down(self, posting_id: str, now_text: str) -> tuple[list[ChannelMessage], Version] | None:
        for _ in range(MAX_RACE_RETRIES):
            item = self._state.get(posting_id)
            if item is None:
                return None
            expires_at = item.get("expires_at")
            if not expires_at or str(expires_at) > now_text:
                return None  # the index lagged behind a newer version, or another run was first
            version = Version.of_item(item)
            content_hash = str(item["content_hash"])
            removals: dict[Channel, dict[str, Any]] = {}
            again: list[Channel] = []
            for channel in CHANNELS:
                entry: Mapping[str, Any] = item.get("channels", {}).get(channel, {})
                if planning.may_be_on(item, channel):
                    removals[channel] = {
                        "state": planning.PENDING,
                        "hash": content_hash,
                        "action": "remove",
                        "reason": REASON,
                    }
                elif entry.get("state") == planning.PENDING and entry.get("action") == "remove":
                    again.append(channel)  # decided by a run that did not get to queue it
            if removals and not self._state.record_takedown(posting_id, version, content_hash, removals):
                continue  # the item changed under us: read it again
            messages = [
                ChannelMessage(
                    posting_id=posting_id,
                    channel=channel,
                    action="remove",
                    content_hash=content_hash,
                    upload_order=version.upload_order,
                    source=SOURCE,
                )
                for channel in [*removals, *again]
            ]
            return messages, version
        raise RuntimeError(f"posting {posting_id}: state kept changing under {MAX_RACE_RETRIES} attempts")


@dataclass
class ExpiryService:
    sqs: Any
    state: StateStore
    queue_urls: Mapping[Channel, str]

    @classmethod
    def from_settings(cls, settings: ExpirySettings, sqs: Any, dynamodb: Any) -> ExpiryService:
        return cls(sqs=sqs, state=StateTable(dynamodb, settings.state_table), queue_urls=settings.queue_urls)

    def queues(self, on_sent: Callable[[SendOutcome], None]) -> ChannelQueues:
        # A take-down carries no payload (the publishers render it from the state), so it never
        # outgrows a queue message and never travels in S3: no bucket, no S3 client, no S3 permission.
        return ChannelQueues(self.sqs, None, self.queue_urls, "", on_sent)

    def run(self, now: datetime, time_left: Callable[[], float]) -> ExpiryStats:
        return Expiry(self.state, self.queues, time_left).run(now)


def scheduled_time(event: Any) -> datetime:
    """ "Now" for a run: the schedule's own time (the event's `time`, which EventBridge sets to the
    scheduled time), so a retried invocation never expires more than the run it repeats, and a local
    run can be told the time; the clock when the event has none."""
    stamp = event.get("time") if isinstance(event, dict) else None
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            logger.warning("the event's time is not ISO 8601; using the clock", extra={"time": stamp})
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
