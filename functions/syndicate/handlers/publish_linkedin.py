"""LinkedIn publisher: the batch's jobs become Job Posting API request bodies (<= 100 jobs each).

Until the API client exists the bodies are recorded in the feed bucket, exactly as they would
be sent. Messages already delivered (per the state table) are dropped before batching, and each
body is recorded once: Powertools idempotency keys it by its content digest.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import idempotency
from syndicate.pipeline.messages import ChannelMessage
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.linkedin import LinkedInRecorder

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
recorder = LinkedInRecorder.from_environment(s3, dynamodb)
_batch: list[ChannelMessage] = []


body_config = IdempotencyConfig(
    event_key_jmespath="digest",
    expires_after_seconds=idempotency.RETENTION_SECONDS,
    raise_on_no_idempotency_key=True,
)


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="request",
    persistence_store=idempotency.persistence_layer(dynamodb),
    config=body_config,
)
def record_request(request: dict[str, Any]) -> str:
    recorder.record(request)
    return str(request["key"])


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="linkedin"):
        logger.info("message accepted", extra={"action": message.action})
    _batch.append(message)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    body_config.register_lambda_context(context)
    _batch.clear()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    to_send = recorder.still_to_send(_batch)
    for request in recorder.request_bodies(to_send):
        record_request(request=request)
        metrics.add_metric("LinkedInRequests", MetricUnit.Count, 1)
    recorder.mark_sent(to_send)
    metrics.add_metric("LinkedInPublished", MetricUnit.Count, len(to_send))
    return response
