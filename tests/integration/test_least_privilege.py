"""Least privilege, proved by use: every AWS call a function makes in full runs of the stack (API and
feed mode, changes, closing, expiry) is allowed by that function's own statements in template.yaml
(no broad grant). test_template.py pins the statements; this checks them against what the code really does.

Calls are recorded at botocore's `_make_api_call` while the embedded runtime runs a handler (it runs
one at a time), turned into IAM actions and resource ARNs, and matched against the template's
statements resolved to the embedded stack's names (conditions on lock items and list prefixes too).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.client
import pytest
from infra.runtime import EmbeddedStack
from infra.runtime.lambda_runner import FunctionInvoker

from tests.integration.pipeline_helpers import PARAMETERS, local_stack, posting, upload_jsonl
from tests.integration.test_template import function_policies, referenced, statements


@dataclass(frozen=True)
class Call:
    function: str
    action: str
    resource: str
    params: dict[str, Any]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    recorded: list[Call] = []
    running: list[str] = []
    real_invoke = FunctionInvoker.invoke
    real_call = botocore.client.BaseClient._make_api_call

    def invoke(self: FunctionInvoker, function: Any, event: Any) -> Any:
        running.append(function.logical_id)
        try:
            return real_invoke(self, function, event)
        finally:
            running.pop()

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if running:
            service = self.meta.service_model.service_name
            for action, resource, part in iam_terms(service, operation, params, self.meta.region_name):
                recorded.append(Call(running[-1], action, resource, part))
        return real_call(self, operation, params)

    monkeypatch.setattr(FunctionInvoker, "invoke", invoke)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
    yield recorded


_S3_ACTIONS = {
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "DeleteObject": "s3:DeleteObject",
    "ListObjectsV2": "s3:ListBucket",
}


# A transaction is authorized item by item, each as the single-item action it performs (DynamoDB
# developer guide, "Using IAM with DynamoDB transactions").
_TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def iam_terms(
    service: str, operation: str, params: dict[str, Any], region: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(IAM action, resource ARN, the parameters it acts with) of one API call, as IAM evaluates it."""
    if service == "s3":
        action = _S3_ACTIONS[operation]
        if operation == "GetObject" and params.get("VersionId"):
            action = "s3:GetObjectVersion"
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        return [(action, bucket if action == "s3:ListBucket" else f"{bucket}/{params['Key']}", params)]
    if service == "dynamodb" and operation == "TransactWriteItems":
        return [
            term
            for item in params["TransactItems"]
            for kind, part in item.items()
            for term in iam_terms(service, _TRANSACTION_ACTIONS[kind], part, region)
        ]
    if service == "dynamodb":
        tables = list(params["RequestItems"]) if operation == "BatchGetItem" else [params["TableName"]]
        arns = [f"arn:aws:dynamodb:{region}:123456789012:table/{table}" for table in tables]
        if params.get("IndexName"):
            arns = [f"{arn}/index/{params['IndexName']}" for arn in arns]
        return [(f"dynamodb:{operation}", arn, params) for arn in arns]
    if service == "sqs":
        return [("sqs:SendMessage", params["QueueUrl"], params)]
    if service == "secretsmanager":
        return [("secretsmanager:GetSecretValue", params["SecretId"], params)]
    raise AssertionError(f"a function called {service}.{operation}: add it to this test's IAM terms")


def grants(stack: EmbeddedStack, function: str) -> list[tuple[set[str], list[str], Any]]:
    """(actions, resource ARN patterns, condition) of each statement, resolved to the stack's names."""

    def arn_of(value: Any) -> str:
        target = referenced(value)
        if target is not None:
            return resource_arn(stack, target)
        text = value["Fn::Sub"]
        for logical in (*stack.model.buckets, *stack.model.tables):
            text = text.replace(f"${{{logical}.Arn}}", resource_arn(stack, logical))
            text = text.replace(f"${{{logical}}}", resource_arn(stack, logical).removeprefix("arn:aws:s3:::"))
        return str(text.replace("${AWS::Partition}", "aws"))

    found = []
    for policy in function_policies(function):
        if "Statement" in policy:
            for statement in statements(policy):
                actions = (
                    {str(a) for a in statement["Action"]}
                    if isinstance(statement["Action"], list)
                    else {statement["Action"]}
                )
                resources = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                found.append((actions, [arn_of(r) for r in resources], statement.get("Condition")))
            continue
        ((template_name, parameters),) = policy.items()
        target = referenced(next(iter(parameters.values())))
        assert target is not None
        if template_name == "SQSSendMessagePolicy":
            found.append(({"sqs:SendMessage"}, [stack.queue(target).url], None))
        elif template_name == "AWSSecretsManagerGetSecretValuePolicy":
            found.append(({"secretsmanager:GetSecretValue"}, [stack.secret(target).arn + "*"], None))
        else:
            raise AssertionError(f"{function}: policy template {template_name} has no IAM terms here")
    return found


def resource_arn(stack: EmbeddedStack, logical: str) -> str:
    model = stack.model
    if logical in model.buckets:
        return model.buckets[logical].arn
    if logical in model.tables:
        return model.tables[logical].arn
    raise AssertionError(f"{logical}: not a bucket or table of the stack")


def allowed(call: Call, granted: list[tuple[set[str], list[str], Any]]) -> bool:
    for actions, patterns, condition in granted:
        if call.action not in actions or not any(fnmatch.fnmatchcase(call.resource, p) for p in patterns):
            continue
        if condition is None:
            return True
        like = condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
        if like is not None:
            key = call.params["Key"] if "Key" in call.params else call.params["Item"]
            if any(fnmatch.fnmatchcase(key["posting_id"]["S"], p) for p in like):
                return True
            continue
        prefix = condition.get("StringLike", {}).get("s3:prefix")
        if prefix is not None and fnmatch.fnmatchcase(call.params.get("Prefix", ""), prefix):
            return True
    return False


def run_the_lifecycle(stack: EmbeddedStack) -> None:
    now = datetime.now(UTC)
    soon = (now + timedelta(days=2)).date().isoformat()
    first = [posting(f"LP-{n}", valid_through=soon) for n in range(3)]
    upload_jsonl(stack, "incoming/first.jsonl", [json.dumps(p) for p in first])
    stack.drain()
    changed = [posting("LP-0", title="Head Cook", valid_through=soon), posting("LP-1", status="closed")]
    upload_jsonl(stack, "incoming/changes.jsonl", [json.dumps(p) for p in changed])
    stack.drain()
    stack.run_schedule("ExpiryFunction", now + timedelta(days=4))
    stack.drain()


def check(stack: EmbeddedStack, calls: list[Call]) -> set[str]:
    functions = {call.function for call in calls}
    refused = [
        f"{c.function}: {c.action} on {c.resource}"
        for c in calls
        if not allowed(c, grants(stack, c.function))
    ]
    assert not refused, "calls the template does not allow:\n" + "\n".join(sorted(set(refused)))
    return functions


@pytest.mark.parametrize("delivery", ["api", "feed"])
def test_every_call_of_every_function_is_allowed_by_its_own_statements(
    calls: list[Call], delivery: str
) -> None:
    parameters = {**PARAMETERS, "LinkedInDelivery": delivery, "GoogleIndexing": "enabled"}
    with local_stack(parameters) as (stack, _):
        run_the_lifecycle(stack)
        functions = check(stack, calls)
    assert functions >= {
        "IngestFunction",
        "LinkedInPublisherFunction",
        "IndeedPublisherFunction",
        "SchemaOrgPublisherFunction",
        "ExpiryFunction",
        "FeedBuilderFunction",
    }
    actions = {(call.function, call.action) for call in calls}
    # Not vacuous: entries stored before their states are marked, the shared documents built from their
    # shards under the build lock, and versioned uploads read.
    assert ("IngestFunction", "s3:GetObjectVersion") in actions
    assert ("IndeedPublisherFunction", "dynamodb:PutItem") in actions  # the entry
    assert (
        "SchemaOrgPublisherFunction",
        "dynamodb:PutItem",
    ) in actions  # a page's entry, a closed one's tombstone
    assert ("FeedBuilderFunction", "dynamodb:Query") in actions
    assert ("FeedBuilderFunction", "s3:PutObject") in actions
    assert ("FeedBuilderFunction", "dynamodb:DeleteItem") in actions  # the build lock released


def test_a_big_uploads_ranges_make_only_allowed_calls(calls: list[Call]) -> None:
    with local_stack({**PARAMETERS, "IngestRangeBytes": "1024"}) as (stack, _):
        lines = [json.dumps(posting(f"BIG-{n}")) for n in range(12)]
        upload_jsonl(stack, "incoming/big.jsonl", lines)
        stack.drain()
        check(stack, calls)
    actions = {(call.function, call.action) for call in calls}
    # Not vacuous: the ranges were queued, each listed the parts, and the last read them.
    assert ("IngestFunction", "sqs:SendMessage") in actions
    assert ("IngestFunction", "s3:ListBucket") in actions
    assert ("IngestFunction", "s3:GetObject") in actions
