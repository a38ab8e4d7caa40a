"""Indeed publisher: keep each posting's jobs in the feed table (the feed builder assembles the feed)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.core.messages import ChannelMessage
from syndicate.handlers import idempotency
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.indeed import IndeedPublisher
from syndicate.settings import IndeedPublisherSettings

settings = IndeedPublisherSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
idempotency_config = idempotency.per_message_config()
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
publisher = IndeedPublisher.from_settings(settings, s3, dynamodb)


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="message",
    persistence_store=idempotency.persistence_layer(dynamodb, settings.tables.idempotency_table),
    config=idempotency_config,
)
def apply(message: dict[str, Any]) -> str:
    outcome: str = publisher.apply(ChannelMessage.from_dict(message))
    return outcome


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="indeed"):
        outcome: str = apply(message=message.as_dict())
        logger.info("message applied", extra={"action": message.action, "outcome": outcome})
    metrics.add_metric(f"Indeed{outcome.capitalize()}", MetricUnit.Count, 1)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency_config.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
