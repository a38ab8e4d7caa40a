"""ATS webhook function: signed `POST /v1/postings` and `GET /v1/postings/{id}` behind API Gateway (REST).

Every AWS client comes from the one default boto3 session and there is no Powertools Tracer: cold
start is part of an ATS's request latency (docs/performance.md, "The webhook's cold start").
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.core import validation
from syndicate.handlers import cold_start_done
from syndicate.pipeline.api_gateway import ApiResponse, request_from_event
from syndicate.pipeline.webhook_service import IDEMPOTENCY_RETENTION_SECONDS, WebhookService
from syndicate.settings import WebhookSettings

# A secret added during a rotation is accepted within this many seconds (the cache's lifetime).
SECRETS_MAX_AGE_SECONDS = 300

settings = WebhookSettings.from_environ()
logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver()
dynamodb = boto3.client("dynamodb")
secrets = SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def client_secrets() -> dict[str, Any]:
    """client id -> active secret(s), cached; a secret that is not a JSON object authorizes nobody."""
    value = secrets.get(settings.client_secrets_arn, transform="json", max_age=SECRETS_MAX_AGE_SECONDS)
    return value if isinstance(value, dict) else {}


service = WebhookService.from_settings(settings, boto3.client("s3"), dynamodb, client_secrets)
# Per (client, Idempotency-Key); the body's digest must match, or the reuse is refused.
idempotency_config = IdempotencyConfig(
    event_key_jmespath="[client, key]",
    payload_validation_jmespath="body_sha256",
    expires_after_seconds=IDEMPOTENCY_RETENTION_SECONDS,
    raise_on_no_idempotency_key=True,
)
persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)
validation.warm_up()


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    data_keyword_argument="submission", persistence_store=persistence, config=idempotency_config
)
def accept_once(submission: dict[str, Any]) -> dict[str, Any]:
    return service.accept(submission)


def once(submission: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = accept_once(submission=submission)  # Powertools finds the data by keyword
    return result


def respond(result: ApiResponse, route: str) -> Response[Any]:
    metrics.add_metric(f"Webhook{result.status}", MetricUnit.Count, 1)
    logger.info("answered", extra={"route": route, "status": result.status, "request_id": result.request_id})
    return Response(result.status, "application/json", result.body, dict(result.headers))


@app.post("/v1/postings")
def submit_postings() -> Response[Any]:
    return respond(service.submit(request_from_event(app.current_event.raw_event), once), "submit")


@app.get("/v1/postings/<posting_id>")
def posting_status(posting_id: str) -> Response[Any]:
    return respond(service.status(request_from_event(app.current_event.raw_event), posting_id), "status")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency_config.register_lambda_context(context)
    return app.resolve(event, context)


cold_start_done()
