"""ATS poll function, run by an EventBridge schedule: every connected job board synced into the intake."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import cold_start_done
from syndicate.pipeline.connections import ConnectionStore, ConnectionSync
from syndicate.settings import AtsPollSettings

settings = AtsPollSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore", "requests"))  # only what this function calls
metrics = Metrics()
sync = ConnectionSync.from_settings(settings.connections, boto3.client("s3"), boto3.client("dynamodb"))
connections = ConnectionStore(boto3.client("ssm"), settings.connections.connections_path, max_age=0)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reports = sync.run_all(connections, lambda: context.get_remaining_time_in_millis() / 1000.0)
    for report in reports:
        if report.error:
            logger.error("board not synced", extra={"report": vars(report)})
            metrics.add_metric("BoardUnreadable", MetricUnit.Count, 1)
        else:
            logger.info("board synced", extra={"report": vars(report)})
        metrics.add_metric("AtsPostingsSent", MetricUnit.Count, report.sent + report.closed)
    return {"connections": [vars(report) for report in reports]}


cold_start_done()
