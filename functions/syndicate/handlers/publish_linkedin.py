"""LinkedIn publisher function: wires the SQS batch to the API or feed publisher of LINKEDIN_DELIVERY.

The flow, and why idempotency guards the call rather than each message, is in
docs/channels/linkedin.md, "How a job reaches LinkedIn".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.core.delivery import linkedin_delivery
from syndicate.core.messages import ChannelMessage
from syndicate.handlers import idempotency
from syndicate.handlers.batch import add_failures, seconds_left
from syndicate.pipeline.publishers.base import load_message
from syndicate.pipeline.publishers.linkedin import (
    Incoming,
    LinkedInApiPublisher,
    LinkedInFeedPublisher,
    answer_dict,
    read_incoming,
)

logger = Logger()
tracer = Tracer(patch_modules=("botocore", "requests"))  # only what this function calls
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
clients = ChannelClients(lambda: boto3.client("secretsmanager"))
_batch: list[Incoming] = []

submit_config = IdempotencyConfig(
    event_key_jmespath="digest",
    expires_after_seconds=idempotency.RETENTION_SECONDS,
    raise_on_no_idempotency_key=True,
)
message_config = idempotency.per_message_config()


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="request",
    persistence_store=idempotency.persistence_layer(dynamodb),  # one layer per guarded function
    config=submit_config,
)
def submit_once(request: dict[str, Any]) -> list[dict[str, Any]]:
    """One batch_create call; raises (caching nothing) when the call does not complete."""
    return [answer_dict(result) for result in clients.linkedin().batch_create(request["elements"])]


def submit(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = submit_once(request=dict(request))  # Powertools finds it by keyword
    return answers


api = LinkedInApiPublisher.from_environment(s3, dynamodb, sqs, clients.linkedin, submit)
feed = LinkedInFeedPublisher.from_environment(s3, dynamodb)


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="message",
    persistence_store=idempotency.persistence_layer(dynamodb),
    config=message_config,
)
def apply_to_feed(message: dict[str, Any]) -> str:
    outcome: str = feed.apply(ChannelMessage.from_dict(message))
    return outcome


@tracer.capture_method
def read_record(record: SQSRecord) -> None:
    receives = int(record.attributes.approximate_receive_count or 1)
    incoming = read_incoming(s3, record.body, record.message_id, receives)
    with logger.append_context_keys(posting_id=incoming.body.posting_id, channel="linkedin"):
        logger.info("message accepted", extra={"action": incoming.body.action, "receive_count": receives})
    _batch.append(incoming)


@tracer.capture_method
def feed_record(record: SQSRecord) -> str:
    message = load_message(s3, record.body)
    with logger.append_context_keys(posting_id=message.posting_id, channel="linkedin"):
        outcome: str = apply_to_feed(message=message.as_dict())
        logger.info("message applied", extra={"action": message.action, "outcome": outcome})
    metrics.add_metric(f"LinkedInFeed{outcome.capitalize()}", MetricUnit.Count, 1)
    return outcome


def through_api(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    api.configure()
    client = clients.linkedin()
    client.set_deadline(seconds_left(context))
    _batch.clear()
    response = process_partial_response(
        event=event, record_handler=read_record, processor=processor, context=context
    )
    failed = api.deliver(_batch)
    for outcome, count in api.outcomes.items():
        metrics.add_metric(f"LinkedIn{outcome.capitalize()}", MetricUnit.Count, count)
    return add_failures(response, failed)


def through_feed(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=feed_record, processor=processor, context=context
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    submit_config.register_lambda_context(context)
    message_config.register_lambda_context(context)
    if linkedin_delivery() == "feed":
        return through_feed(event, context)
    return through_api(event, context)
