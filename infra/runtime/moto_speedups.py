"""Make moto's SQS fast enough for thousands of messages, without changing what it does.

moto's SQS asks the clock through a datetime round trip (~5 us) for every message each time it
counts visible messages, and ReceiveMessage recomputes every queue attribute (three scans of the
whole queue) for each message it returns, to read the retention period. Both are quadratic in
queue depth: draining 1,000 messages took ~25 s. The replacements return the same values:
the current POSIX time, and the queue's own MessageRetentionPeriod. They are only performance
patches: if moto's internals move, they are skipped and moto runs as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import moto.sqs.models as sqs_models


def _fast_clock(original: Callable[..., float], scale: float) -> Callable[..., float]:
    def clock(dt: Any = None) -> float:
        return time.time() * scale if dt is None else original(dt)

    return clock


def _retention_check(backend: Any, queue_name: str, message: Any) -> bool:
    queue = backend.get_queue(queue_name)
    retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
    return bool(retain_until > time.time())


@contextmanager
def _replaced(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def faster_sqs() -> Iterator[None]:
    with ExitStack() as patches:
        unix_time = getattr(sqs_models, "unix_time", None)
        unix_time_millis = getattr(sqs_models, "unix_time_millis", None)
        if callable(unix_time) and callable(unix_time_millis):
            patches.enter_context(_replaced(sqs_models, "unix_time", _fast_clock(unix_time, 1.0)))
            patches.enter_context(
                _replaced(sqs_models, "unix_time_millis", _fast_clock(unix_time_millis, 1000.0))
            )
        backend = getattr(sqs_models, "SQSBackend", None)
        if backend is not None and hasattr(backend, "is_message_valid_based_on_retention_period"):
            patches.enter_context(
                _replaced(backend, "is_message_valid_based_on_retention_period", _retention_check)
            )
        yield
