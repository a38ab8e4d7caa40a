"""Expiry function, run by an EventBridge schedule: takes down every posting whose valid_through passed.

"Now" is the schedule's own time (the event's `time`, which EventBridge sets to the scheduled time), so
a retried invocation never expires more than the run it repeats, and a local run can be told the time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.pipeline.expiry import ExpiryService
from syndicate.settings import ExpirySettings

settings = ExpirySettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
service = ExpiryService.from_settings(settings, boto3.client("sqs"), boto3.client("dynamodb"))


def scheduled_time(event: dict[str, Any]) -> datetime:
    stamp = event.get("time") if isinstance(event, dict) else None
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            logger.warning("the event's time is not ISO 8601; using the clock", extra={"time": stamp})
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = scheduled_time(event)
    stats = service.run(now, lambda: context.get_remaining_time_in_millis() / 1000.0)
    logger.info("expiry run", extra={"now": now.isoformat(), "stats": vars(stats)})
    metrics.add_metric("PostingsExpired", MetricUnit.Count, stats.expired)
    return {"now": now.isoformat(), **vars(stats)}
