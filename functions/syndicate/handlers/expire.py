"""Expiry function, run by an EventBridge schedule: takes down every posting whose valid_through passed
at the schedule's time (pipeline.expiry)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import cold_start_done
from syndicate.pipeline.expiry import ExpiryService, scheduled_time
from syndicate.settings import ExpirySettings

settings = ExpirySettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
service = ExpiryService.from_settings(settings, boto3.client("sqs"), boto3.client("dynamodb"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = scheduled_time(event)
    stats = service.run(now, lambda: context.get_remaining_time_in_millis() / 1000.0)
    logger.info("expiry run", extra={"now": now.isoformat(), "stats": vars(stats)})
    metrics.add_metric("PostingsExpired", MetricUnit.Count, stats.expired)
    return {"now": now.isoformat(), **vars(stats)}


cold_start_done()
