"""schema.org publisher function: one page per open job (its JSON-LD embedded), each message applied
once (idempotent through its state: no idempotency record); then, where the settings enable it,
Google told about every page written or deleted (each record's notice read back from the batch
processor).

Why a message handed back notifies again: docs/channels/google.md, "Telling Google".
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.handlers import cold_start_done
from syndicate.handlers.batch import add_failures, process_records, seconds_left
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.google import GoogleNotifier, Notice, notice_for
from syndicate.pipeline.publishers.schemaorg import SchemaOrgPublisher
from syndicate.settings import SchemaOrgPublisherSettings

settings = SchemaOrgPublisherSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # requests too, when the Indexing API client is first built
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
publisher = SchemaOrgPublisher.from_settings(settings, s3, dynamodb)
clients = ChannelClients(
    lambda: boto3.client("secretsmanager"),
    indexing=settings.indexing,
    before_http=lambda: tracer.patch(["requests"]),
)
notifier = GoogleNotifier.from_settings(settings, publisher.state, clients)


@tracer.capture_method
def record_handler(record: SQSRecord) -> Notice | None:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="schemaorg"):
        outcome = publisher.apply(message)
        logger.info("message applied", extra={"action": message.action, "outcome": outcome})
    metrics.add_metric(f"SchemaOrg{outcome.capitalize()}", MetricUnit.Count, 1)
    return notice_for(record.message_id, message, outcome, publisher.page_url(message.posting_id))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    notices = [notice for notice in process_records(processor, event, record_handler, context) if notice]
    sent = notifier.notify(notices, seconds_left(context))
    metrics.add_metric("GoogleNotifications", MetricUnit.Count, sent.sent)
    return add_failures(processor.response(), sent.failed)


cold_start_done()
