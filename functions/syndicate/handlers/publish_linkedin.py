"""LinkedIn publisher function: wires the SQS batch to the publisher, which decides in the mode of the
settings (pipeline.publishers.linkedin.LinkedInPublisher).

The flow, and why Powertools idempotency guards the API call while each message is made idempotent by
its conditional state write (the feed mode keeps no idempotency record), is in
docs/channels/linkedin.md, "How a job reaches LinkedIn".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.handlers import cold_start_done, idempotency
from syndicate.handlers.batch import add_failures, process_records, seconds_left
from syndicate.pipeline.publishers.linkedin import LinkedInPublisher, Taken, answer_dict
from syndicate.settings import LinkedInPublisherSettings

settings = LinkedInPublisherSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # requests too, when the API client is first built
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
clients = ChannelClients(
    lambda: boto3.client("secretsmanager"),
    linkedin=settings.api,
    before_http=lambda: tracer.patch(["requests"]),
)
submit_config = IdempotencyConfig(
    event_key_jmespath="digest",
    expires_after_seconds=idempotency.RETENTION_SECONDS,
    raise_on_no_idempotency_key=True,
)


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="request",
    # One layer per guarded function (handlers.idempotency says why).
    persistence_store=idempotency.persistence_layer(dynamodb, settings.idempotency_table),
    config=submit_config,
)
def submit_once(request: dict[str, Any]) -> list[dict[str, Any]]:
    """One batch_create call; raises (caching nothing) when the call does not complete."""
    return [answer_dict(result) for result in clients.linkedin().batch_create(request["elements"])]


def submit(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = submit_once(request=dict(request))  # Powertools finds it by keyword
    return answers


publisher = LinkedInPublisher.from_settings(
    settings, s3, dynamodb, boto3.client("sqs"), clients.linkedin, submit
)


@tracer.capture_method
def record_handler(record: SQSRecord) -> Taken:
    incoming = publisher.read(
        record.body, record.message_id, int(record.attributes.approximate_receive_count or 1)
    )
    with logger.append_context_keys(posting_id=incoming.body.posting_id, channel="linkedin"):
        taken = publisher.take(incoming)
        logger.info(
            "message taken", extra={"action": incoming.body.action, "receives": incoming.receive_count}
        )
    return taken


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    submit_config.register_lambda_context(context)
    end = publisher.finish(process_records(processor, event, record_handler, context), seconds_left(context))
    for outcome, count in end.outcomes.items():
        metrics.add_metric(f"{publisher.metric_prefix}{outcome.capitalize()}", MetricUnit.Count, count)
    return add_failures(processor.response(), end.failed)


cold_start_done()
