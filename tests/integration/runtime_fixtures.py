"""Handlers for test_runtime.py's small template: they record what Lambda would hand them.

`ingest` consumes S3 notifications from a queue (copying each decoded key into a DynamoDB table);
`work` consumes plain messages and fails them on request, to exercise retries and redrives.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus

import boto3

EVENTS: list[dict[str, Any]] = []  # every event `ingest` received
SNAPSHOTS: list[dict[str, Any]] = []  # environment and context as `ingest` saw them
ATTEMPTS: Counter[str] = Counter()  # work message id -> times the handler got to it
WATCHED_VARIABLES = ("KEYS_TABLE", "STAGE", "AWS_LAMBDA_FUNCTION_NAME", "MODE", "AWS_LAMBDA_LOG_LEVEL")
RECEIVES: dict[str, int] = {}  # work message id -> ApproximateReceiveCount when last delivered
# Read once per import, as the real handlers parse their settings: which container this is.
MODE_AT_IMPORT = os.environ.get("MODE")
IMPORT_TOKEN = object()


def reset() -> None:
    EVENTS.clear()
    SNAPSHOTS.clear()
    ATTEMPTS.clear()
    RECEIVES.clear()


def ingest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    SNAPSHOTS.append(
        {
            "env": {k: os.environ.get(k) for k in WATCHED_VARIABLES},
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    )
    table = boto3.client("dynamodb")
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("Event") == "s3:TestEvent":
            continue
        for s3_record in body["Records"]:
            key = unquote_plus(s3_record["s3"]["object"]["key"])
            if "poison" in key:
                failures.append({"itemIdentifier": record["messageId"]})
                continue
            table.put_item(
                TableName=os.environ["KEYS_TABLE"],
                Item={"key": {"S": key}, "sequencer": {"S": s3_record["s3"]["object"]["sequencer"]}},
            )
    return {"batchItemFailures": failures}


def work(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        RECEIVES[json.loads(record["body"])["id"]] = int(record["attributes"]["ApproximateReceiveCount"])
    for record in event["Records"]:
        body = json.loads(record["body"])
        ATTEMPTS[body["id"]] += 1
        receives = int(record["attributes"]["ApproximateReceiveCount"])
        if receives <= body.get("crash_times", 0):
            raise RuntimeError("this batch fails as a whole")
        if receives <= body.get("bogus_times", 0):
            return {"batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]}
        if body.get("poison") or receives <= body.get("fail_times", 0):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
