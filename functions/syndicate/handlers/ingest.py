"""Ingest function: an S3 upload (via its SQS queue), or one range of a big one, becomes validated,
queued channel work."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.core import validation
from syndicate.handlers import cold_start_done
from syndicate.pipeline.ingest_service import IngestService
from syndicate.settings import IngestSettings

settings = IngestSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
service = IngestService.from_settings(
    settings, boto3.client("s3"), boto3.client("sqs"), boto3.client("dynamodb")
)
validation.warm_up()


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    for stats in service.handle_message(record.json_body):
        logger.info("upload ingested", extra={"stats": vars(stats)})
        metrics.add_metric("PostingsAccepted", MetricUnit.Count, stats.accepted)
        metrics.add_metric("PostingsRejected", MetricUnit.Count, stats.rejected)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


cold_start_done()
