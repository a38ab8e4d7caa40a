"""Feed builder: on its schedule, the dirty shards re-rendered and the shared documents (Indeed feed,
LinkedIn XML feed, sitemap index) assembled from the shards (pipeline.feed_builder)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from syndicate.handlers import cold_start_done
from syndicate.handlers.batch import seconds_left
from syndicate.pipeline.feed_builder import FeedBuilder
from syndicate.settings import FeedBuilderSettings

settings = FeedBuilderSettings.from_environ()
logger = Logger()
tracer = Tracer(patch_modules=("botocore",))  # only what this function calls: patching imports each
metrics = Metrics()
s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
builder = FeedBuilder.from_settings(settings, s3, dynamodb)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rendered = builder.build_alone(seconds_left(context))
    if rendered is None:
        logger.info("another build holds the lock; the dirty shards wait for the next run")
        return {"skipped": True, "rendered": {}}
    for document, count in rendered.items():
        metrics.add_metric(f"ShardsRendered{document.capitalize()}", MetricUnit.Count, count)
    logger.info("feeds built", extra={"rendered": rendered})
    return {"skipped": False, "rendered": rendered}


cold_start_done()
