"""Greenhouse webhook function: `POST /v1/connections/{connection_id}/greenhouse` behind API Gateway."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import cold_start_done
from syndicate.pipeline.api_gateway import request_from_event
from syndicate.pipeline.connections import ConnectionStore, ConnectionSync
from syndicate.pipeline.greenhouse_webhook import GreenhouseWebhook
from syndicate.settings import GreenhouseWebhookSettings

SECRETS_MAX_AGE_SECONDS = 300  # a secret added during a rotation is accepted within this time

settings = GreenhouseWebhookSettings.from_environ()
logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver()
secrets = SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def connection_secrets() -> dict[str, Any]:
    value = secrets.get(settings.connection_secrets_arn, transform="json", max_age=SECRETS_MAX_AGE_SECONDS)
    return value if isinstance(value, dict) else {}


webhook = GreenhouseWebhook(
    ConnectionStore(boto3.client("ssm"), settings.connections.connections_path),
    # A sync already running for the connection gets a few seconds, not API Gateway's whole 29.
    ConnectionSync.from_settings(
        settings.connections, boto3.client("s3"), boto3.client("dynamodb"), lock_wait_seconds=5
    ),
    connection_secrets,
)


@app.post("/v1/connections/<connection_id>/greenhouse")
def greenhouse_delivery(connection_id: str) -> Response[Any]:
    result = webhook.handle(request_from_event(app.current_event.raw_event), connection_id)
    metrics.add_metric(f"GreenhouseWebhook{result.status}", MetricUnit.Count, 1)
    logger.info("answered", extra={"connection": connection_id, "status": result.status, "body": result.body})
    return Response(result.status, "application/json", result.body, dict(result.headers))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


cold_start_done()
