"""Deliver SQS messages to the real handlers the way a Lambda SQS event source mapping does.

Batches, partial batch responses, failed messages made visible again at once, and moto's redrive to
the dead-letter queue: docs/local-runtime.md, "SQS event sources".
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast

from infra.runtime.aws_env import patched_environ
from infra.runtime.lambda_context import LambdaContext, reserved_variables
from infra.runtime.observe import calling_as, event_source_of, invocation
from infra.runtime.specs import FunctionSpec, QueueSpec, SqsEventSource, StackModel

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

LOG = logging.getLogger("infra.runtime")

Handler = Callable[[dict[str, Any], Any], Any]

_RECEIVE_LIMIT = 10  # ReceiveMessage returns at most 10 messages per call


class DrainError(RuntimeError):
    """The queues did not empty within the bounds; the message lists what is left where."""


@dataclass(frozen=True)
class BatchOutcome:
    function: str  # logical id
    queue: str  # logical id
    message_ids: tuple[str, ...]
    failed_ids: tuple[str, ...]
    error: str | None  # why the whole batch failed, if it did
    duration_ms: float
    over_timeout: bool  # Lambda would have stopped the invocation at its Timeout


@dataclass(frozen=True)
class DrainProgress:
    settled: int  # messages processed and deleted so far
    waiting: int  # messages the consumed queues still hold (visible, in flight or delayed)


ProgressListener = Callable[[DrainProgress], None]
PROGRESS_INTERVAL_SECONDS = 0.5  # queue depths cost a scan of each queue in moto: not every round


@dataclass
class DrainReport:
    rounds: int = 0
    settled: int = 0  # messages processed and deleted
    invocations: Counter[str] = field(default_factory=Counter)  # function logical id -> invocations
    # Scheduled functions run once the queues were empty (Metadata EmbeddedRuntime.RunWhenDrained).
    scheduled: Counter[str] = field(default_factory=Counter)
    dead_lettered: dict[str, int] = field(default_factory=dict)  # DLQ logical id -> messages moved in
    failed_batches: list[BatchOutcome] = field(default_factory=list)  # any message failed
    slow_batches: list[BatchOutcome] = field(default_factory=list)  # ran longer than the function's Timeout


class FunctionInvoker:
    """Imports handlers lazily and calls them inside the function's env.

    A handler module is imported once per stack, like a warm container, and imported again (a fresh
    container) when the stack configures its function differently from the configuration it was last
    imported under: Lambda starts new execution environments for a changed configuration, and the
    handlers parse their settings once, at import. That covers a stack opened after another in the
    same process, and a variable overridden while a stack runs (`renew_containers`). A module two
    functions share (test fixtures do) is imported once per stack, for whichever runs first."""

    # module name -> the configuration it was last imported under; process-wide, as sys.modules is
    _imported_under: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, model: StackModel) -> None:
        self._model = model
        self._warm: set[str] = set()  # modules this stack's functions already run in

    def renew_containers(self) -> None:
        """The configuration may have changed: the next invocation of each function checks it again."""
        self._warm.clear()

    def configured(self, function: FunctionSpec) -> dict[str, str]:
        """The variables the function is configured with (those Lambda adds vary per invocation)."""
        return {**function.environment, **self._model.environment_overrides}

    def environment(self, function: FunctionSpec) -> dict[str, str]:
        return {**self.configured(function), **reserved_variables(function, self._model.region)}

    def invoke(self, function: FunctionSpec, event: Mapping[str, Any]) -> Any:
        """Call the handler as Lambda would: a JSON copy of the event, a fresh context, the env set."""
        payload = json.loads(json.dumps(event))
        with patched_environ(self.environment(function)):
            handler = self._handler(function, self.configured(function))
            with invocation(function.logical_id):
                return handler(payload, LambdaContext(function))

    def _handler(self, function: FunctionSpec, configured: dict[str, str]) -> Handler:
        module_name, _, attribute = function.handler.rpartition(".")
        if not module_name:
            raise ImportError(f"{function.logical_id}: Handler {function.handler!r} is not module.function")
        module = sys.modules.get(module_name)
        if module is None:
            module = importlib.import_module(module_name)
        elif module_name not in self._warm and FunctionInvoker._imported_under.get(module_name) != configured:
            module = importlib.reload(module)
        if module_name not in self._warm:
            FunctionInvoker._imported_under[module_name] = configured
            self._warm.add(module_name)
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise ImportError(f"{function.logical_id}: {module_name} has no function {attribute!r}")
        return cast(Handler, handler)


def sqs_event(messages: list[MessageTypeDef], queue: QueueSpec, region: str) -> dict[str, Any]:
    """The event Lambda passes for a batch of SQS messages."""
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record.update({"eventSource": "aws:sqs", "eventSourceARN": queue.arn, "awsRegion": region})
        records.append(record)
    return {"Records": records}


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    converted["stringListValues"] = list(value.get("StringListValues", []))
    converted["binaryListValues"] = [
        base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])
    ]
    converted["dataType"] = value["DataType"]
    return converted


def failed_message_ids(response: Any, message_ids: tuple[str, ...]) -> tuple[str, ...] | str:
    """The messages a partial batch response reports as failed, or why the whole batch counts as failed."""
    if response is None:
        return ()
    if not isinstance(response, dict):
        return f"the response is not a batch response object: {response!r:.200}"
    failures = response.get("batchItemFailures")
    if failures is None:
        return ()
    if not isinstance(failures, list):
        return "batchItemFailures is not a list"
    failed: list[str] = []
    for item in failures:
        if not isinstance(item, dict) or "itemIdentifier" not in item:
            return f"a batch item failure without itemIdentifier: {item!r:.200}"
        identifier = item["itemIdentifier"]
        if not isinstance(identifier, str) or not identifier:
            return f"an empty or null itemIdentifier: {item!r:.200}"
        if identifier not in message_ids:
            return f"itemIdentifier {identifier!r} is not a message of this batch"
        failed.append(identifier)
    return tuple(dict.fromkeys(failed))


class QueuePoller:
    """One SQS event source mapping: receive a batch, invoke, settle each message."""

    def __init__(
        self,
        sqs: SQSClient,
        invoker: FunctionInvoker,
        model: StackModel,
        function: FunctionSpec,
        source: SqsEventSource,
    ) -> None:
        self._sqs = sqs
        self._invoker = invoker
        self._model = model
        self.function = function
        self.source = source
        self.queue = model.queues[source.queue]
        self._caller = event_source_of(function.logical_id)

    def poll_once(self) -> BatchOutcome | None:
        with calling_as(self._caller):
            messages = self._receive()
        if not messages:
            return None
        ids = tuple(m["MessageId"] for m in messages)
        started = time.monotonic()
        error: str | None = None
        response: Any = None
        try:
            response = self._invoker.invoke(
                self.function, sqs_event(messages, self.queue, self._model.region)
            )
            json.dumps(response)  # Lambda serializes the result; a failure there fails the invocation
        except Exception as exc:
            # Lambda logs an unhandled error and fails the invocation; so do we, and keep going.
            error = "".join(traceback.format_exception_only(exc)).strip()
            LOG.error(
                "%s failed a batch of %d from %s: %s",
                self.function.logical_id,
                len(ids),
                self.queue.logical_id,
                error,
                exc_info=LOG.isEnabledFor(logging.DEBUG),
            )
        duration_ms = (time.monotonic() - started) * 1000
        if error is None and self.source.report_batch_item_failures:
            verdict = failed_message_ids(response, ids)
            if isinstance(verdict, str):
                error = f"invalid partial batch response: {verdict}"
                failed = ids
            else:
                failed = verdict
        else:
            failed = ids if error is not None else ()
        with calling_as(self._caller):
            self._settle(messages, set(failed))
        return BatchOutcome(
            function=self.function.logical_id,
            queue=self.queue.logical_id,
            message_ids=ids,
            failed_ids=failed,
            error=error,
            duration_ms=duration_ms,
            over_timeout=duration_ms > self.function.timeout * 1000,
        )

    def _receive(self) -> list[MessageTypeDef]:
        received: list[MessageTypeDef] = []
        while len(received) < self.source.batch_size:
            response = self._sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(_RECEIVE_LIMIT, self.source.batch_size - len(received)),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            batch = response.get("Messages", [])
            if not batch:
                break
            received.extend(batch)
        return received

    def _settle(self, messages: list[MessageTypeDef], failed: set[str]) -> None:
        done = [m for m in messages if m["MessageId"] not in failed]
        again = [m for m in messages if m["MessageId"] in failed]
        for start in range(0, len(done), _RECEIVE_LIMIT):
            chunk = done[start : start + _RECEIVE_LIMIT]
            result = self._sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            if result.get("Failed"):
                raise DrainError(
                    f"{self.queue.logical_id}: could not delete processed messages: {result['Failed']}"
                )
        for start in range(0, len(again), _RECEIVE_LIMIT):
            chunk = again[start : start + _RECEIVE_LIMIT]
            result = self._sqs.change_message_visibility_batch(
                QueueUrl=self.queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )
            if result.get("Failed"):
                raise DrainError(
                    f"{self.queue.logical_id}: could not release failed messages: {result['Failed']}"
                )


def queue_depth(sqs: SQSClient, queue: QueueSpec) -> int:
    """Visible + in flight + delayed: what a queue still holds."""
    # "All", not the three names: moto recomputes every attribute once per name asked for.
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    return (
        int(attributes.get("ApproximateNumberOfMessages", "0"))
        + int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0"))
        + int(attributes.get("ApproximateNumberOfMessagesDelayed", "0"))
    )


def _depths(sqs: SQSClient, model: StackModel, queues: set[str]) -> dict[str, int]:
    return {logical: queue_depth(sqs, model.queues[logical]) for logical in sorted(queues)}


def drain(
    model: StackModel,
    sqs: SQSClient,
    invoker: FunctionInvoker,
    *,
    max_rounds: int = 10_000,
    max_idle_seconds: float = 30.0,
    on_progress: ProgressListener | None = None,
) -> DrainReport:
    """Poll every event source round-robin until no consumed queue holds a message.

    A round gives each enabled mapping one batch. Rounds are bounded (`max_rounds`), and so is waiting
    for messages that exist but cannot be received yet (delayed or in flight elsewhere).
    """
    pollers = [
        QueuePoller(sqs, invoker, model, function, source)
        for function in model.functions.values()
        for source in function.sqs_events
        if source.enabled
    ]
    consumed = {poller.queue.logical_id for poller in pollers}
    unconsumed = [q for q in model.queues.values() if q.logical_id not in consumed | model.dead_letter_queues]
    dead_letter_queues = [model.queues[q] for q in sorted(model.dead_letter_queues)]
    before = {q.logical_id: queue_depth(sqs, q) for q in dead_letter_queues}
    report = DrainReport()
    idle_since: float | None = None
    last_idle_total: int | None = None
    settled = 0
    reported_at = time.monotonic()
    while True:
        if report.rounds >= max_rounds:
            raise DrainError(
                f"queues still hold messages after {max_rounds} rounds: {_depths(sqs, model, consumed)}; "
                f"last failure: {report.failed_batches[-1] if report.failed_batches else None}"
            )
        report.rounds += 1
        progressed = False
        for poller in pollers:
            outcome = poller.poll_once()
            if outcome is None:
                continue
            progressed = True
            settled += len(outcome.message_ids) - len(outcome.failed_ids)
            report.invocations[outcome.function] += 1
            if outcome.failed_ids:
                report.failed_batches.append(outcome)
            if outcome.over_timeout:
                report.slow_batches.append(outcome)
        if progressed:
            idle_since, last_idle_total = None, None
            if on_progress is not None and time.monotonic() - reported_at >= PROGRESS_INTERVAL_SECONDS:
                on_progress(DrainProgress(settled, sum(_depths(sqs, model, consumed).values())))
                reported_at = time.monotonic()
            continue
        # Nothing was received: drained, or what is left cannot be received yet. Only now ask for
        # depths (moto computes them by scanning every message, so asking every round is costly).
        stranded = {q.logical_id: n for q in unconsumed if (n := queue_depth(sqs, q))}
        if stranded:
            raise DrainError(f"messages in queues no enabled function consumes: {stranded}")
        depths = _depths(sqs, model, consumed)
        total = sum(depths.values())
        if total == 0:
            break
        if last_idle_total is None or total < last_idle_total:
            # A receive that only moved messages to a dead-letter queue is progress too.
            idle_since, last_idle_total = None, total
            continue
        # Delayed, or in flight elsewhere: wait a little, within bounds.
        idle_since = idle_since if idle_since is not None else time.monotonic()
        if time.monotonic() - idle_since > max_idle_seconds:
            raise DrainError(f"queues hold messages nothing can receive for {max_idle_seconds}s: {depths}")
        time.sleep(0.05)
    report.dead_lettered = {
        q.logical_id: queue_depth(sqs, q) - before[q.logical_id] for q in dead_letter_queues
    }
    report.settled = settled
    if on_progress is not None:
        on_progress(DrainProgress(settled, 0))
    return report
