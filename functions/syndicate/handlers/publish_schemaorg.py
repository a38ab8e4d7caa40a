"""schema.org publisher function: one page and JSON-LD file per open job, each message applied once;
then, where GOOGLE_INDEXING is `enabled`, Google told about every page written or deleted.

Why a message handed back notifies again: docs/channels/google.md, "Telling Google".
"""

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

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.core.delivery import google_indexing_enabled
from syndicate.core.messages import ChannelMessage
from syndicate.handlers import idempotency
from syndicate.handlers.batch import add_failures, seconds_left
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.google import GoogleNotifier, Notice, notice_for
from syndicate.pipeline.publishers.schemaorg import SchemaOrgPublisher

logger = Logger()
tracer = Tracer(patch_modules=("botocore", "requests"))  # only what this function calls
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
idempotency_config = idempotency.per_message_config()
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
publisher = SchemaOrgPublisher.from_environment(s3, dynamodb)
clients = ChannelClients(lambda: boto3.client("secretsmanager"))
notifier = GoogleNotifier(publisher.state, clients.indexing)
_notices: list[Notice] = []


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="message",
    persistence_store=idempotency.persistence_layer(dynamodb),
    config=idempotency_config,
)
def apply(message: dict[str, Any]) -> str:
    outcome: str = publisher.apply(ChannelMessage.from_dict(message))
    return outcome


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="schemaorg"):
        outcome: str = apply(message=message.as_dict())
        logger.info("message applied", extra={"action": message.action, "outcome": outcome})
    notice = notice_for(record.message_id, message, outcome, publisher.page_url(message.posting_id))
    if notice is not None:
        _notices.append(notice)
    metrics.add_metric(f"SchemaOrg{outcome.capitalize()}", MetricUnit.Count, 1)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency_config.register_lambda_context(context)
    publisher.configure()
    _notices.clear()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    if google_indexing_enabled():
        failed = notifier.notify(_notices, seconds_left(context))
        metrics.add_metric("GoogleNotifications", MetricUnit.Count, len(_notices))
        add_failures(response, failed)
    return response
