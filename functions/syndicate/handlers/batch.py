"""Small pieces every SQS-consuming handler shares around Powertools' batch processing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

# Seconds kept back from the function's time for recording results and reporting failures.
DEADLINE_MARGIN_SECONDS = 5.0


def seconds_left(context: LambdaContext, margin: float = DEADLINE_MARGIN_SECONDS) -> Callable[[], float]:
    """The time this invocation may still spend on a channel's API, as a deadline callable."""
    return lambda: context.get_remaining_time_in_millis() / 1000.0 - margin


def process_records(
    processor: BatchProcessor,
    event: dict[str, Any],
    record_handler: Callable[[SQSRecord], Any],
    context: LambdaContext,
) -> list[Any]:
    """Every record through `record_handler`, a failing one failing alone; returns what it returned for
    each record that succeeded, in order (Powertools' "accessing processed messages" idiom). The
    partial batch response is `processor.response()` afterwards."""
    with processor(records=event["Records"], handler=record_handler, lambda_context=context):
        processed = processor.process()
    return [result for status, result, _ in processed if status == "success"]


def add_failures(
    response: PartialItemFailureResponse, message_ids: Iterable[str]
) -> PartialItemFailureResponse:
    """Add messages that failed after the records were processed (a channel call that did not
    complete), so SQS hands them back; each id once."""
    known = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    response["batchItemFailures"] += [
        {"itemIdentifier": id_} for id_ in dict.fromkeys(message_ids) if id_ not in known
    ]
    return response
