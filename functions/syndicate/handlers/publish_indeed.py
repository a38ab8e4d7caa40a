"""Indeed publisher: keep each posting's jobs in the feed table (the feed builder assembles the feed).

No idempotency record: the publisher is idempotent through its state (PublisherBase.standing).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import cold_start_done
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.indeed import IndeedPublisher
from syndicate.settings import IndeedPublisherSettings

settings = IndeedPublisherSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
publisher = IndeedPublisher.from_settings(settings, s3, dynamodb)


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="indeed"):
        outcome = publisher.apply(message)
        logger.info("message applied", extra={"action": message.action, "outcome": outcome})
    metrics.add_metric(f"Indeed{outcome.capitalize()}", MetricUnit.Count, 1)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


cold_start_done()
