"""Send channel messages to the channel queues with SendMessageBatch, losing none.

Batches within SQS's limits, large payloads in S3, failed entries retried unless the sender is at
fault, and `QueueUnavailable` when they still fail (docs/design.md, "Channel messages").
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.core.messages import ChannelMessage
from syndicate.core.model import Channel

SQS_MAX_BATCH_ENTRIES = 10
SQS_MAX_MESSAGE_BYTES = 262_144  # per message and per SendMessageBatch call
RETRY_ATTEMPTS = 5
PAYLOAD_PREFIX = "payloads/"


class QueueUnavailable(RuntimeError):
    """SQS kept failing entries that were not the sender's fault; retry the whole upload later."""


@dataclass(frozen=True, slots=True)
class SendOutcome:
    message: ChannelMessage
    error: str | None = None  # None: queued


class ChannelQueues:
    def __init__(
        self,
        sqs: Any,
        s3: Any,
        queue_urls: Mapping[Channel, str],
        payload_bucket: str,
        on_sent: Callable[[SendOutcome], None],
        max_message_bytes: int = SQS_MAX_MESSAGE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sqs = sqs
        self._s3 = s3
        self._urls = dict(queue_urls)
        self._bucket = payload_bucket
        self._on_sent = on_sent
        self._limit = max_message_bytes
        self._sleep = sleep
        self._pending: dict[Channel, list[tuple[ChannelMessage, str]]] = defaultdict(list)
        self._pending_bytes: Counter[Channel] = Counter()
        self.send_calls: Counter[Channel] = Counter()
        self.payloads_offloaded = 0

    def add(self, message: ChannelMessage) -> None:
        body = message.to_json()
        if len(body.encode("utf-8")) > self._limit:
            body = self._offload(message).to_json()
        size = len(body.encode("utf-8"))
        channel = message.channel
        full = len(self._pending[channel]) == SQS_MAX_BATCH_ENTRIES
        if full or self._pending_bytes[channel] + size > self._limit:
            self._flush(channel)
        self._pending[channel].append((message, body))
        self._pending_bytes[channel] += size

    def flush(self) -> None:
        for channel in list(self._pending):
            self._flush(channel)

    def _offload(self, message: ChannelMessage) -> ChannelMessage:
        key = f"{PAYLOAD_PREFIX}{message.posting_id}/{message.content_hash}-{message.channel}.json"
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=message.to_json().encode("utf-8"),
            ContentType="application/json",
        )
        self.payloads_offloaded += 1
        return message.without_payload({"bucket": self._bucket, "key": key})

    def _flush(self, channel: Channel) -> None:
        batch = self._pending.pop(channel, [])
        self._pending_bytes[channel] = 0
        if not batch:
            return
        waiting = {str(position): entry for position, entry in enumerate(batch)}
        for attempt in range(RETRY_ATTEMPTS):
            if attempt:
                self._sleep(min(0.1 * 2**attempt, 2.0))
            self.send_calls[channel] += 1
            response = self._sqs.send_message_batch(
                QueueUrl=self._urls[channel],
                Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, (_, body) in waiting.items()],
            )
            for success in response.get("Successful", []):
                message, _ = waiting.pop(success["Id"])
                self._on_sent(SendOutcome(message))
            for failure in response.get("Failed", []):
                if failure.get("SenderFault"):
                    message, _ = waiting.pop(failure["Id"])
                    code, text = failure.get("Code"), failure.get("Message")
                    reason = f"{channel} queue refused the message: {code}: {text}"
                    self._on_sent(SendOutcome(message, reason))
            if not waiting:
                return
        raise QueueUnavailable(
            f"{len(waiting)} message(s) for {channel} could not be queued after {RETRY_ATTEMPTS} tries"
        )
