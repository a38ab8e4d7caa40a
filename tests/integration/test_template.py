"""Rules the SAM stack must keep, asserted on the parsed template.yaml (offline, no SAM CLI needed).

cfn-lint and `sam validate --lint` (make template-check) check that the template is valid; these tests
check that it is the stack the README's "How it works" describes: every queue parks its failures
in a dead-letter queue that raises an alarm, no retry can start while the previous attempt still runs,
nothing is readable over plain HTTP or publicly, no IAM statement grants `*`, and the pipeline can
never trigger itself or touch an upload.

Sources relied on: AWS Lambda developer guide, "Using Lambda with Amazon SQS" (visibility timeout at
least six times the function timeout; ReportBatchItemFailures); Amazon S3 user guide, "Enforce
encryption in transit" (Deny when aws:SecureTransport is false); AWS SAM policy template list.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from syndicate.pipeline.feed_builder import LEASE_SECONDS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
HANDLERS_DIR = ROOT / "functions" / "syndicate" / "handlers"

MAX_RECEIVE_COUNT = 5
MAX_MESSAGE_SIZE = 262_144
DLQ_RETENTION_SECONDS = 1_209_600
SQS_DEFAULT_VISIBILITY_TIMEOUT = 30
LAMBDA_DEFAULT_TIMEOUT = 3
INTAKE_PREFIX = "incoming/"
INTAKE_WRITABLE_PREFIXES = ("reports/", "payloads/", "connections/")

# PIPELINE.md: logical id -> type. The embedded runtime looks resources up by these ids.
CONTRACT_RESOURCES = {
    "IntakeBucket": "AWS::S3::Bucket",
    "IntakeBucketPolicy": "AWS::S3::BucketPolicy",
    "IngestQueue": "AWS::SQS::Queue",
    "IngestDeadLetterQueue": "AWS::SQS::Queue",
    "IngestQueuePolicy": "AWS::SQS::QueuePolicy",
    "IngestFunction": "AWS::Serverless::Function",
    "LinkedInQueue": "AWS::SQS::Queue",
    "LinkedInDeadLetterQueue": "AWS::SQS::Queue",
    "IndeedQueue": "AWS::SQS::Queue",
    "IndeedDeadLetterQueue": "AWS::SQS::Queue",
    "SchemaOrgQueue": "AWS::SQS::Queue",
    "SchemaOrgDeadLetterQueue": "AWS::SQS::Queue",
    "LinkedInPublisherFunction": "AWS::Serverless::Function",
    "IndeedPublisherFunction": "AWS::Serverless::Function",
    "SchemaOrgPublisherFunction": "AWS::Serverless::Function",
    "StateTable": "AWS::DynamoDB::Table",
    "IdempotencyTable": "AWS::DynamoDB::Table",
    "FeedBucket": "AWS::S3::Bucket",
    "SiteBucket": "AWS::S3::Bucket",
    # The ATS webhook.
    "WebhookApi": "AWS::Serverless::Api",
    "WebhookFunction": "AWS::Serverless::Function",
    "WebhookClientSecrets": "AWS::SecretsManager::Secret",
    # Channel credentials and expiry.
    "LinkedInApiCredentials": "AWS::SecretsManager::Secret",
    "GoogleServiceAccount": "AWS::SecretsManager::Secret",
    "ExpiryFunction": "AWS::Serverless::Function",
    # ATS connections.
    "AtsPollFunction": "AWS::Serverless::Function",
    "GreenhouseWebhookFunction": "AWS::Serverless::Function",
    "AtsConnectionSecrets": "AWS::SecretsManager::Secret",
}

# PIPELINE.md: function -> (handler, queue it consumes, batch size or None when the contract leaves it open).
CONTRACT_FUNCTIONS = {
    "IngestFunction": ("syndicate.handlers.ingest.handler", "IngestQueue", 1),
    "LinkedInPublisherFunction": ("syndicate.handlers.publish_linkedin.handler", "LinkedInQueue", 10),
    "IndeedPublisherFunction": ("syndicate.handlers.publish_indeed.handler", "IndeedQueue", 10),
    "SchemaOrgPublisherFunction": ("syndicate.handlers.publish_schemaorg.handler", "SchemaOrgQueue", None),
}

# Functions behind the API: function -> (handler, {(METHOD, path)} of its Api events).
API_FUNCTIONS = {
    "WebhookFunction": (
        "syndicate.handlers.webhook.handler",
        {("POST", "/v1/postings"), ("GET", "/v1/postings/{posting_id}")},
    ),
    "GreenhouseWebhookFunction": (
        "syndicate.handlers.greenhouse_webhook.handler",
        {("POST", "/v1/connections/{connection_id}/greenhouse")},
    ),
}
WEBHOOK_WRITABLE_PREFIX = "incoming/webhook/"
# The ATS connections create uploads of a board's changed postings below their own prefix.
CONNECTIONS_WRITABLE_PREFIX = "incoming/connections/"
CONNECTION_FUNCTIONS = {"AtsPollFunction", "GreenhouseWebhookFunction"}

# Functions run by a schedule: function -> (handler, schedule expression).
SCHEDULED_FUNCTIONS = {
    "ExpiryFunction": ("syndicate.handlers.expire.handler", "rate(15 minutes)"),
    "AtsPollFunction": ("syndicate.handlers.ats_poll.handler", "rate(15 minutes)"),
    # The shared documents assembled from their changed shards, at a configurable interval.
    "FeedBuilderFunction": (
        "syndicate.handlers.build_feeds.handler",
        {"Fn::Sub": "rate(${FeedBuildIntervalMinutes} minutes)"},
    ),
}

# Variables a function has beside the shared ones: secrets by ARN only, never a value.
FUNCTION_ENVIRONMENT = {
    "WebhookFunction": {"WEBHOOK_SECRETS_ARN": {"Ref": "WebhookClientSecrets"}},
    "LinkedInPublisherFunction": {
        "LINKEDIN_CREDENTIALS_SECRET_ARN": {"Ref": "LinkedInApiCredentials"},
        "LINKEDIN_VERSION": {"Ref": "LinkedInVersion"},
        "LINKEDIN_TASK_POLL_DELAY_SECONDS": "30",
        "LINKEDIN_TASK_POLL_ATTEMPTS": "12",
    },
    "SchemaOrgPublisherFunction": {
        "GOOGLE_INDEXING": {"Ref": "GoogleIndexing"},
        "GOOGLE_SERVICE_ACCOUNT_SECRET_ARN": {"Ref": "GoogleServiceAccount"},
    },
    # Big uploads: their ranges go back to the ingest's own queue.
    "IngestFunction": {
        "INGEST_QUEUE_URL": {"Ref": "IngestQueue"},
        "INGEST_RANGE_BYTES": {"Ref": "IngestRangeBytes"},
    },
    "AtsPollFunction": {"CONNECTIONS_PARAMETER_PATH": {"Fn::Sub": "/${AWS::StackName}/connections"}},
    "GreenhouseWebhookFunction": {
        "CONNECTIONS_PARAMETER_PATH": {"Fn::Sub": "/${AWS::StackName}/connections"},
        "ATS_SECRETS_ARN": {"Ref": "AtsConnectionSecrets"},
        "HTTP_RETRIES": "1",
        "HTTP_READ_TIMEOUT_SECONDS": "15",
    },
}

# The one secret each function may read.
SECRET_READERS = {
    "WebhookFunction": "WebhookClientSecrets",
    "LinkedInPublisherFunction": "LinkedInApiCredentials",
    "SchemaOrgPublisherFunction": "GoogleServiceAccount",
    "GreenhouseWebhookFunction": "AtsConnectionSecrets",
}

# Who may send to which queue: the ingest and the expiry run fan out to every channel; the LinkedIn
# publisher queues its own task polls.
CHANNEL_QUEUE_NAMES = {"LinkedInQueue", "IndeedQueue", "SchemaOrgQueue"}
QUEUE_SENDERS = {
    "IngestFunction": CHANNEL_QUEUE_NAMES | {"IngestQueue"},  # the ranges of a big upload
    "ExpiryFunction": CHANNEL_QUEUE_NAMES,
    "LinkedInPublisherFunction": {"LinkedInQueue"},
}

# PIPELINE.md: environment variable -> the template value it must hold.
CONTRACT_ENVIRONMENT = {
    "STATE_TABLE": {"Ref": "StateTable"},
    "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"},
    "INTAKE_BUCKET": {"Ref": "IntakeBucket"},
    "FEED_BUCKET": {"Ref": "FeedBucket"},
    "SITE_BUCKET": {"Ref": "SiteBucket"},
    "LINKEDIN_QUEUE_URL": {"Ref": "LinkedInQueue"},
    "INDEED_QUEUE_URL": {"Ref": "IndeedQueue"},
    "SCHEMAORG_QUEUE_URL": {"Ref": "SchemaOrgQueue"},
    "FEED_TABLE": {"Ref": "FeedTable"},
    # The URL the pages, sitemaps and feeds name is the distribution's unless one is given.
    "SITE_BASE_URL": {
        "Fn::If": [
            "HasSiteBaseUrl",
            {"Ref": "SiteBaseUrl"},
            {"Fn::Sub": "https://${SiteDistribution.DomainName}/"},
        ]
    },
    "FEED_PUBLISHER": {"Ref": "FeedPublisher"},
    "FEED_PUBLISHER_URL": {"Ref": "FeedPublisherUrl"},
    "LINKEDIN_DELIVERY": {"Ref": "LinkedInDelivery"},
    "POWERTOOLS_SERVICE_NAME": "syndicate",
    "POWERTOOLS_METRICS_NAMESPACE": "Syndicate",
}

# Policy templates that let a function write or delete objects in the bucket they name.
S3_WRITING_POLICY_TEMPLATES = {"S3CrudPolicy", "S3WritePolicy", "S3FullAccessPolicy"}


# --- loading -------------------------------------------------------------------------------------------


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns short-form intrinsics (!Ref, !GetAtt, !Sub, ...) into their long form."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = suffix if suffix in {"Ref", "Condition"} else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


@functools.cache
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE_PATH.read_text("utf-8"), Loader=_CloudFormationLoader)
    return loaded


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template()["Resources"].items()
        if kind is None or resource["Type"] == kind
    }


def properties(name: str) -> dict[str, Any]:
    props: dict[str, Any] = template()["Resources"][name].get("Properties", {})
    return props


def function_setting(name: str, key: str, default: Any = None) -> Any:
    """A function property as deployed: its own value, else the Globals value, else SAM's default."""
    own = properties(name)
    if key in own:
        return own[key]
    return template().get("Globals", {}).get("Function", {}).get(key, default)


def referenced(value: Any) -> str | None:
    """The logical id a !Ref or !GetAtt points at."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def sqs_events(function: str) -> list[tuple[str, dict[str, Any]]]:
    """(queue logical id, event properties) for each SQS event of a function."""
    events = properties(function).get("Events", {}).values()
    found = []
    for event in events:
        if event["Type"] == "SQS":
            queue = referenced(event["Properties"]["Queue"])
            assert queue is not None, f"{function}: SQS event queue must be a !GetAtt of a template queue"
            found.append((queue, event["Properties"]))
    return found


def dead_letter_queues() -> dict[str, str]:
    """DLQ logical id -> the work queue that redrives into it."""
    dlqs: dict[str, str] = {}
    for name, queue in resources("AWS::SQS::Queue").items():
        redrive = queue.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            target = referenced(redrive["deadLetterTargetArn"])
            assert target is not None, f"{name}: deadLetterTargetArn must point at a template queue"
            assert target not in dlqs, f"{target} is the DLQ of both {dlqs[target]} and {name}"
            dlqs[target] = name
    return dlqs


def work_queues() -> list[str]:
    return sorted(set(resources("AWS::SQS::Queue")) - set(dead_letter_queues()))


def statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM statement anywhere under node: bucket/queue policies, inline function policies, ..."""
    if isinstance(node, dict):
        listed = node.get("Statement")
        if isinstance(listed, list | dict):
            yield from listed if isinstance(listed, list) else [listed]
        for value in node.values():
            yield from statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from statements(item)


def is_wildcard_resource(resource: Any) -> bool:
    """`*`, or an ARN whose service, region, account or resource part is `*` (e.g. arn:aws:sqs:*:*:*)."""
    text = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
    if isinstance(text, list):
        text = text[0]
    if not isinstance(text, str):
        return False
    if text.strip() == "*":
        return True
    # ${AWS::Partition} and friends hold colons of their own: blank them out before splitting the ARN.
    parts = re.sub(r"\$\{[^}]*\}", "x", text).split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and any(part == "*" for part in parts[2:])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_policies(function: str) -> list[Any]:
    return as_list(properties(function).get("Policies", []))


# The condition that confines a statement to the lease-lock and recent-changes items of the state table.
LOCK_ITEMS_ONLY = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["#lock#*", "#recent#*"]}}


def granted_permissions(function: str) -> set[tuple[str, str]]:
    """(action, resource) for every inline statement, (policy template, resource) for the rest; a
    resource confined to the lock items reads "<table> (lock items)"."""
    granted: set[tuple[str, str]] = set()
    for policy in function_policies(function):
        if "Statement" not in policy:
            ((template_name, parameters),) = policy.items()
            granted.add((template_name, str(referenced(next(iter(parameters.values()))))))
            continue
        for statement in statements(policy):
            assert statement["Effect"] == "Allow"
            condition = statement.get("Condition")
            assert condition in (None, LOCK_ITEMS_ONLY) or set(condition) == {"StringLike"}, condition
            suffix = " (lock items)" if condition == LOCK_ITEMS_ONLY else ""
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    target = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
                    granted.add((action, str(referenced(resource) or target) + suffix))
    return granted


def mentions(value: Any, logical_id: str) -> bool:
    """Whether a Resource value is built from logical_id (!Ref, !GetAtt or ${...} inside !Sub)."""
    if referenced(value) == logical_id:
        return True
    text = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(text, list):
        text = text[0]
    return isinstance(text, str) and (f"${{{logical_id}}}" in text or f"${{{logical_id}.Arn}}" in text)


def alarms() -> list[dict[str, Any]]:
    return [alarm["Properties"] for alarm in resources("AWS::CloudWatch::Alarm").values()]


def alarms_on_any_value(namespace: str, metric: str, dimension: str, target: str) -> list[dict[str, Any]]:
    """Alarms on namespace/metric for the resource `target` that fire as soon as the metric exceeds 0."""
    found = []
    for alarm in alarms():
        if alarm.get("Namespace") != namespace or alarm.get("MetricName") != metric:
            continue
        dimensions = {d["Name"]: referenced(d["Value"]) for d in alarm.get("Dimensions", [])}
        fires_above_zero = (
            alarm.get("ComparisonOperator") == "GreaterThanThreshold" and alarm.get("Threshold") == 0
        ) or (
            alarm.get("ComparisonOperator") == "GreaterThanOrEqualToThreshold" and alarm.get("Threshold") == 1
        )
        if dimensions.get(dimension) == target and fires_above_zero:
            found.append(alarm)
    return found


FUNCTIONS = sorted(resources("AWS::Serverless::Function"))
BUCKETS = sorted(resources("AWS::S3::Bucket"))
QUEUES = sorted(resources("AWS::SQS::Queue"))
DLQS = sorted(dead_letter_queues())
WORK_QUEUES = work_queues()


# --- the contract with the handlers and the embedded runtime ---------------------------------------------


def test_template_is_a_sam_template() -> None:
    assert template()["Transform"] == "AWS::Serverless-2016-10-31"


@pytest.mark.parametrize(("logical_id", "kind"), sorted(CONTRACT_RESOURCES.items()))
def test_contract_logical_ids_exist_with_their_types(logical_id: str, kind: str) -> None:
    assert resources().get(logical_id, {}).get("Type") == kind


def test_the_stack_has_exactly_the_contract_functions() -> None:
    assert set(FUNCTIONS) == set(CONTRACT_FUNCTIONS) | set(API_FUNCTIONS) | set(SCHEDULED_FUNCTIONS)


@pytest.mark.parametrize("function", sorted(SCHEDULED_FUNCTIONS))
def test_scheduled_function_handler_and_schedule_match_the_contract(function: str) -> None:
    handler, expression = SCHEDULED_FUNCTIONS[function]
    assert properties(function)["Handler"] == handler
    events = list(properties(function)["Events"].values())
    assert [(event["Type"], event["Properties"]["Schedule"]) for event in events] == [
        ("Schedule", expression)
    ]


@pytest.mark.parametrize("function", sorted(API_FUNCTIONS))
def test_api_function_handler_and_routes_match_the_contract(function: str) -> None:
    handler, routes = API_FUNCTIONS[function]
    assert properties(function)["Handler"] == handler
    events = properties(function)["Events"].values()
    assert {event["Type"] for event in events} == {"Api"}
    assert {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events} == routes
    assert {referenced(e["Properties"]["RestApiId"]) for e in events} == {"WebhookApi"}


@pytest.mark.parametrize("function", sorted(CONTRACT_FUNCTIONS))
def test_function_handler_and_trigger_match_the_contract(function: str) -> None:
    handler, queue, batch_size = CONTRACT_FUNCTIONS[function]
    assert properties(function)["Handler"] == handler
    events = sqs_events(function)
    assert [consumed for consumed, _ in events] == [queue]
    if batch_size is not None:
        assert events[0][1]["BatchSize"] == batch_size


def test_environment_variables_are_exactly_the_contract() -> None:
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables == CONTRACT_ENVIRONMENT


def test_no_function_overrides_the_shared_environment() -> None:
    # SAM merges a function's Variables over Globals; an override would silently break the contract.
    shared = set(template()["Globals"]["Function"]["Environment"]["Variables"])
    for function in FUNCTIONS:
        own = properties(function).get("Environment", {}).get("Variables", {})
        assert not set(own) & shared, function
        if function not in FUNCTION_ENVIRONMENT:
            assert "Environment" not in properties(function), function


@pytest.mark.parametrize("function", sorted(FUNCTION_ENVIRONMENT))
def test_functions_get_secrets_by_arn_never_a_secret(function: str) -> None:
    assert properties(function)["Environment"]["Variables"] == FUNCTION_ENVIRONMENT[function]


@pytest.mark.parametrize("secret", sorted(resources("AWS::SecretsManager::Secret")))
def test_every_secret_is_generated_never_written_in_the_template(secret: str) -> None:
    generated = properties(secret)
    assert "SecretString" not in generated, "a secret's value must never be written in the template"
    assert generated["GenerateSecretString"]["GenerateStringKey"]


def test_the_webhook_secret_generates_the_first_clients_secret() -> None:
    generated = properties("WebhookClientSecrets")
    assert generated["GenerateSecretString"]["GenerateStringKey"] == {"Ref": "WebhookClientId"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_reads_its_own_secret_and_no_other(function: str) -> None:
    read = {
        str(referenced(next(iter(parameters.values()))))
        for policy in function_policies(function)
        if "Statement" not in policy
        for name, parameters in policy.items()
        if name == "AWSSecretsManagerGetSecretValuePolicy"
    }
    inline = [
        statement
        for policy in function_policies(function)
        if "Statement" in policy
        for statement in statements(policy)
        if any(str(action).startswith("secretsmanager:") for action in as_list(statement["Action"]))
    ]
    assert not inline, f"{function}: secrets are read through the policy template only"
    assert read == ({SECRET_READERS[function]} if function in SECRET_READERS else set())


def test_webhook_api_throttles_and_passes_bodies_byte_for_byte() -> None:
    api = properties("WebhookApi")
    # Every media type binary: the function receives the exact bytes the client signed.
    assert api["BinaryMediaTypes"] == ["*~1*"]
    (stage_wide,) = [m for m in api["MethodSettings"] if m["ResourcePath"] == "/*" and m["HttpMethod"] == "*"]
    assert stage_wide["ThrottlingRateLimit"] > 0 and stage_wide["ThrottlingBurstLimit"] > 0


def test_webhook_permissions_are_exactly_what_it_needs() -> None:
    granted = granted_permissions("WebhookFunction")
    assert granted == {
        ("s3:PutObject", f"arn:${{AWS::Partition}}:s3:::${{IntakeBucket}}/{WEBHOOK_WRITABLE_PREFIX}*"),
        ("dynamodb:GetItem", "StateTable"),
        ("dynamodb:GetItem", "IdempotencyTable"),
        ("dynamodb:PutItem", "IdempotencyTable"),
        ("dynamodb:UpdateItem", "IdempotencyTable"),
        ("dynamodb:DeleteItem", "IdempotencyTable"),
        ("AWSSecretsManagerGetSecretValuePolicy", "WebhookClientSecrets"),
    }


@pytest.mark.parametrize("function", FUNCTIONS)
def test_handler_module_exists_and_defines_the_handler(function: str) -> None:
    module, _, attribute = properties(function)["Handler"].rpartition(".")
    package, _, name = module.rpartition(".")
    assert package == "syndicate.handlers", f"{function}: handlers live in syndicate/handlers/"
    path = HANDLERS_DIR / f"{name}.py"
    assert path.is_file(), f"{function}: {path.relative_to(ROOT)} does not exist"
    tree = ast.parse(path.read_text("utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert attribute in defined, f"{function}: {path.relative_to(ROOT)} defines no top-level `{attribute}`"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_share_one_python311_arm64_bundle_with_tracing(function: str) -> None:
    assert function_setting(function, "Runtime") == "python3.11"
    assert function_setting(function, "CodeUri") == "functions/"
    assert function_setting(function, "Architectures") == ["arm64"]
    assert function_setting(function, "Tracing") == "Active"


def bundled_requirements() -> list[Requirement]:
    lines = (ROOT / "functions" / "requirements.txt").read_text("utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_runtime_requirements_name_the_pyproject_runtime_dependencies() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = pyproject["dependencies"] + pyproject["optional-dependencies"]["aws"]
    # Versions may differ on purpose: the bundle must load on Amazon Linux 2 (glibc 2.26), so a
    # package may be capped at its last manylinux2014 release.
    wanted = {Requirement(line).name.lower() for line in declared}
    assert {req.name.lower() for req in bundled_requirements()} == wanted


def imports_tracer(path: Path) -> bool:
    tree = ast.parse(path.read_text("utf-8"))
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("aws_lambda_powertools")
        and any(alias.name == "Tracer" for alias in node.names)
        for node in ast.walk(tree)
    )


def test_bundle_ships_the_xray_sdk_when_a_handler_uses_tracer() -> None:
    # Powertools' Tracer() imports aws_xray_sdk when it is built, even with tracing disabled; without
    # the SDK in the bundle every invocation fails at import (Runtime.ImportModuleError).
    users = sorted(path.name for path in HANDLERS_DIR.glob("*.py") if imports_tracer(path))
    if not users:
        pytest.skip("no handler uses Powertools Tracer")
    shipped = any(
        req.name.lower() == "aws-xray-sdk"
        or (req.name.lower() == "aws-lambda-powertools" and req.extras & {"tracer", "all"})
        for req in bundled_requirements()
    )
    assert shipped, f"{users} use Tracer but functions/requirements.txt ships no aws-xray-sdk"


# --- queues: nothing lost, nothing retried while it still runs -------------------------------------------


def test_every_function_consumes_a_queue_and_every_work_queue_has_a_consumer() -> None:
    consumers = [queue for function in FUNCTIONS for queue, _ in sqs_events(function)]
    assert sorted(consumers) == WORK_QUEUES
    assert not set(consumers) & set(DLQS), "a dead-letter queue must park messages, not consume them"


@pytest.mark.parametrize("queue", WORK_QUEUES)
def test_work_queue_redrives_to_its_own_dead_letter_queue(queue: str) -> None:
    redrive = properties(queue).get("RedrivePolicy")
    assert redrive, f"{queue} has no RedrivePolicy"
    assert redrive["maxReceiveCount"] == MAX_RECEIVE_COUNT
    target = referenced(redrive["deadLetterTargetArn"])
    assert resources().get(target or "", {}).get("Type") == "AWS::SQS::Queue"
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [target, "Arn"]}


def test_dead_letter_queues_are_not_chained() -> None:
    for dlq in DLQS:
        assert "RedrivePolicy" not in properties(dlq), dlq


@pytest.mark.parametrize("queue", DLQS)
def test_dead_letter_queue_keeps_messages_for_14_days(queue: str) -> None:
    assert properties(queue)["MessageRetentionPeriod"] == DLQ_RETENTION_SECONDS


@pytest.mark.parametrize("queue", QUEUES)
def test_queue_is_encrypted_with_an_explicit_maximum_message_size(queue: str) -> None:
    props = properties(queue)
    assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props
    assert props.get("MaximumMessageSize") == MAX_MESSAGE_SIZE


@pytest.mark.parametrize("function", FUNCTIONS)
def test_visibility_timeout_is_at_least_6x_the_consumer_timeout(function: str) -> None:
    timeout = function_setting(function, "Timeout", LAMBDA_DEFAULT_TIMEOUT)
    for queue, _ in sqs_events(function):
        visibility = properties(queue).get("VisibilityTimeout", SQS_DEFAULT_VISIBILITY_TIMEOUT)
        assert visibility >= 6 * timeout, f"{queue}: {visibility}s < 6 x {function} timeout {timeout}s"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_consumers_report_batch_item_failures(function: str) -> None:
    for queue, event in sqs_events(function):
        assert event.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], queue


# --- alarms ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("queue", DLQS)
def test_every_dead_letter_queue_has_a_depth_alarm(queue: str) -> None:
    assert alarms_on_any_value("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_an_errors_alarm(function: str) -> None:
    assert alarms_on_any_value("AWS/Lambda", "Errors", "FunctionName", function)


def test_alarms_notify_the_topic_only_when_one_is_given() -> None:
    for alarm in alarms():
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


# --- buckets ---------------------------------------------------------------------------------------------


def tls_only_statements(bucket: str) -> list[dict[str, Any]]:
    found = []
    for policy in resources("AWS::S3::BucketPolicy").values():
        if referenced(policy["Properties"]["Bucket"]) != bucket:
            continue
        for statement in statements(policy["Properties"]["PolicyDocument"]):
            condition = statement.get("Condition", {}).get("Bool", {})
            if (
                statement.get("Effect") == "Deny"
                and statement.get("Principal") in ("*", {"AWS": "*"})
                and statement.get("Action") in ("s3:*", ["s3:*"])
                and str(condition.get("aws:SecureTransport")).lower() == "false"
            ):
                found.append(statement)
    return found


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_blocks_public_access(bucket: str) -> None:
    block = properties(bucket).get("PublicAccessBlockConfiguration", {})
    for setting in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        assert block.get(setting) is True, f"{bucket}: {setting}"


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_is_encrypted(bucket: str) -> None:
    rules = properties(bucket)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    algorithms = {rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in rules}
    assert algorithms
    assert algorithms <= {"AES256", "aws:kms", "aws:kms:dsse"}


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_denies_requests_without_tls_on_bucket_and_objects(bucket: str) -> None:
    denials = tls_only_statements(bucket)
    assert denials, f"{bucket} has no TLS-only bucket policy"
    covered = [as_list(statement["Resource"]) for statement in denials]
    assert any(
        {"Fn::GetAtt": [bucket, "Arn"]} in resource and {"Fn::Sub": f"${{{bucket}.Arn}}/*"} in resource
        for resource in covered
    ), f"{bucket}: the TLS-only denial must cover the bucket and its objects"


def test_intake_bucket_is_versioned() -> None:
    assert properties("IntakeBucket")["VersioningConfiguration"] == {"Status": "Enabled"}


def test_intake_bucket_notifies_the_ingest_queue_only_for_uploads_under_incoming() -> None:
    notifications = properties("IntakeBucket")["NotificationConfiguration"]
    assert set(notifications) == {"QueueConfigurations"}
    (only,) = notifications["QueueConfigurations"]
    assert only["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    assert only["Event"].startswith("s3:ObjectCreated:")
    assert only["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": INTAKE_PREFIX}]


def test_pipeline_outputs_never_trigger_the_pipeline() -> None:
    for bucket in BUCKETS:
        if bucket != "IntakeBucket":
            assert "NotificationConfiguration" not in properties(bucket), bucket
    for prefix in INTAKE_WRITABLE_PREFIXES:
        assert not prefix.startswith(INTAKE_PREFIX)


def test_only_the_intake_bucket_may_send_to_the_ingest_queue() -> None:
    # The bucket's name is built (not !GetAtt) so the queue policy can name it without a dependency
    # cycle; the two expressions must stay the same or S3 is refused and uploads are silently ignored.
    bucket_name = properties("IntakeBucket")["BucketName"]["Fn::Sub"]
    policy = properties("IngestQueuePolicy")
    assert policy["Queues"] == [{"Ref": "IngestQueue"}]
    (statement,) = list(statements(policy["PolicyDocument"]))
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"])
    assert statement["Resource"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    source_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert source_arn == [f"arn:${{AWS::Partition}}:s3:::{bucket_name[0]}", bucket_name[1]]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_intake_notification_waits_for_the_queue_policy() -> None:
    depends_on = as_list(resources()["IntakeBucket"].get("DependsOn", []))
    assert "IngestQueuePolicy" in depends_on


# --- tables ----------------------------------------------------------------------------------------------


def test_state_table_layout_recovery_and_encryption() -> None:
    table = properties("StateTable")
    assert table["KeySchema"] == [{"AttributeName": "posting_id", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    # The feeds live in the feed table; no index copies rendered payloads any more.
    assert set(indexes) == {"ExpiryIndex"}
    # The expiry run needs the ids only: it reads each item again before acting on it.
    assert indexes["ExpiryIndex"]["KeySchema"] == [
        {"AttributeName": "expiry", "KeyType": "HASH"},
        {"AttributeName": "expires_at", "KeyType": "RANGE"},
    ]
    assert indexes["ExpiryIndex"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {"posting_id": "S", "expiry": "S", "expires_at": "S"}


def test_feed_table_is_queried_by_partition_with_no_index() -> None:
    table = properties("FeedTable")
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert "GlobalSecondaryIndexes" not in table  # shards are read strongly consistent, from the table
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


# --- back-pressure ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_queue_consumer_has_a_concurrency_cap_and_holds_it(function: str) -> None:
    for queue, event in sqs_events(function):
        cap = event.get("ScalingConfig", {}).get("MaximumConcurrency")
        assert isinstance(cap, int) and 2 <= cap <= 10, f"{function} on {queue}: MaximumConcurrency {cap}"
        reserved = properties(function).get("ReservedConcurrentExecutions")
        # Reserved as much as the cap (never less: the event source would be throttled).
        assert reserved == {"Fn::If": ["ReservesConcurrency", cap, {"Ref": "AWS::NoValue"}]}, function


def test_the_feed_builder_never_runs_twice_at_once() -> None:
    assert properties("FeedBuilderFunction")["ReservedConcurrentExecutions"] == 1
    assert properties("FeedBuilderFunction")["Timeout"] == 900
    # The lease outlives any invocation, so a live build never loses its lock.
    assert properties("FeedBuilderFunction")["Timeout"] < LEASE_SECONDS


@pytest.mark.parametrize("queue", WORK_QUEUES)
def test_a_backlog_outlives_its_drain_and_its_dead_letter_queue_outlives_it(queue: str) -> None:
    retention = properties(queue)["MessageRetentionPeriod"]
    assert retention >= 7 * 86_400  # a week and more; a full backlog drains in hours at the caps
    # A standard queue's message expires by its first send, also in the dead-letter queue (SQS
    # developer guide, "dead-letter queue retention"): what fails last must still find days there.
    dead_letter_queue = referenced(properties(queue)["RedrivePolicy"]["deadLetterTargetArn"])
    assert properties(dead_letter_queue or "")["MessageRetentionPeriod"] - retention >= 4 * 86_400


# --- serving: CloudFront with origin access control in front of the private buckets --------------------


def distribution() -> dict[str, Any]:
    config: dict[str, Any] = properties("SiteDistribution")["DistributionConfig"]
    return config


def test_the_distribution_serves_both_buckets_through_origin_access_control_only() -> None:
    origins = {origin["Id"]: origin for origin in distribution()["Origins"]}
    assert {referenced(o["DomainName"]) for o in origins.values()} == {"SiteBucket", "FeedBucket"}
    for origin in origins.values():
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity
    control = properties("SiteOriginAccessControl")["OriginAccessControlConfig"]
    assert (control["SigningBehavior"], control["SigningProtocol"]) == ("always", "sigv4")


def test_every_path_is_https_and_each_document_has_its_cache_time() -> None:
    behaviours = [distribution()["DefaultCacheBehavior"], *distribution()["CacheBehaviors"]]
    for behaviour in behaviours:
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"] and behaviour["Compress"] is True
    by_path = {b.get("PathPattern", "default"): b for b in behaviours}
    assert referenced(by_path["default"]["CachePolicyId"]) == "JobPageCachePolicy"
    for path, origin in (
        ("/sitemap.xml", "site"),
        ("/sitemaps/*", "site"),
        ("/indeed/*", "feeds"),
        ("/linkedin/*", "feeds"),
    ):
        assert by_path[path]["TargetOriginId"] == origin, path
        assert referenced(by_path[path]["CachePolicyId"]) == "SharedDocumentCachePolicy", path
    for policy in ("JobPageCachePolicy", "SharedDocumentCachePolicy"):
        config = properties(policy)["CachePolicyConfig"]
        assert 0 < config["DefaultTTL"] <= config["MaxTTL"], policy


def distribution_grants(bucket: str) -> list[dict[str, Any]]:
    found = []
    for policy in resources("AWS::S3::BucketPolicy").values():
        if referenced(policy["Properties"]["Bucket"]) == bucket:
            found += [s for s in statements(policy["Properties"]["PolicyDocument"]) if s["Effect"] == "Allow"]
    return found


@pytest.mark.parametrize("bucket", ["SiteBucket", "FeedBucket"])
def test_served_buckets_grant_reading_to_the_distribution_alone(bucket: str) -> None:
    grants = distribution_grants(bucket)
    assert grants
    source = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${SiteDistribution}"
    for grant in grants:
        assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert as_list(grant["Action"]) in (["s3:GetObject"], ["s3:ListBucket"])
        assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": source}}}
    if bucket == "FeedBucket":  # the shards' fragments stay private
        [grant] = grants
        assert grant["Resource"] == [
            {"Fn::Sub": "${FeedBucket.Arn}/indeed/*"},
            {"Fn::Sub": "${FeedBucket.Arn}/linkedin/*"},
        ]


def test_the_intake_bucket_is_never_served() -> None:
    assert distribution_grants("IntakeBucket") == []


def test_outputs_say_where_each_channel_is_pointed() -> None:
    outputs = template()["Outputs"]
    for name, path in (
        ("SitemapUrl", "sitemap.xml"),
        ("IndeedFeedUrl", "indeed/feed.xml"),
        ("LinkedInFeedUrl", "linkedin/feed.xml"),
    ):
        assert outputs[name]["Value"]["Fn::Sub"][0] == f"https://${{Host}}/{path}", name


def test_idempotency_table_has_the_powertools_layout() -> None:
    table = properties("IdempotencyTable")
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


# --- permissions -----------------------------------------------------------------------------------------


def test_no_iam_statement_grants_a_wildcard_resource() -> None:
    found = list(statements(template()))
    # Not vacuous: every bucket policy, the queue policy and each inline function policy was walked.
    assert len(found) >= len(BUCKETS) + 1
    for statement in found:
        for key in ("Resource", "NotResource"):
            for resource in as_list(statement.get(key, [])):
                assert not is_wildcard_resource(resource), f"wildcard {key} in {statement}"


@pytest.mark.parametrize(
    ("resource", "wildcard"),
    [
        ("*", True),
        ({"Fn::Sub": "arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*"}, True),
        ("arn:aws:s3:::*", True),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${IntakeBucket}/reports/*"}, False),
        ({"Fn::GetAtt": ["IngestQueue", "Arn"]}, False),
    ],
)
def test_wildcard_detection(resource: Any, wildcard: bool) -> None:
    assert is_wildcard_resource(resource) is wildcard


@pytest.mark.parametrize("function", FUNCTIONS)
def test_permissions_are_policy_templates_on_named_resources_or_inline_statements(function: str) -> None:
    assert "Role" not in properties(function), "SAM policy templates need the SAM-generated role"
    for policy in function_policies(function):
        assert isinstance(policy, dict), f"{function}: managed policy {policy!r} is not least privilege"
        if "Statement" in policy:
            continue
        ((template_name, parameters),) = policy.items()
        for parameter, value in parameters.items():
            target = referenced(value)
            assert target in resources(), (
                f"{function}: {template_name}.{parameter} names no template resource"
            )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_can_change_or_delete_an_upload(function: str) -> None:
    for policy in function_policies(function):
        if "Statement" not in policy:
            ((template_name, parameters),) = policy.items()
            writes_intake = referenced(parameters.get("BucketName")) == "IntakeBucket"
            assert not (writes_intake and template_name in S3_WRITING_POLICY_TEMPLATES), (
                f"{function}: {template_name} on IntakeBucket could overwrite uploads under {INTAKE_PREFIX}"
            )
            continue
        for statement in statements(policy):
            actions = [action.lower() for action in as_list(statement["Action"])]
            if not any(a.startswith(("s3:put", "s3:delete", "s3:*")) or a == "s3:*" for a in actions):
                continue
            for resource in as_list(statement["Resource"]):
                if not mentions(resource, "IntakeBucket"):
                    continue
                text = resource["Fn::Sub"]
                key_part = text.split("${IntakeBucket}", 1)[1].lstrip("/")
                if function in CONNECTION_FUNCTIONS and key_part.startswith(INTAKE_PREFIX):
                    # A board's changed postings: new uploads (unique keys) below the connections' prefix.
                    assert key_part.startswith(CONNECTIONS_WRITABLE_PREFIX), f"{function} may write {text}"
                    assert actions == ["s3:putobject"], f"{function} may {actions} under {INTAKE_PREFIX}"
                    continue
                if function in API_FUNCTIONS and key_part.startswith(INTAKE_PREFIX):
                    # The webhook creates uploads (unique keys), only below its own prefix, never deletes.
                    assert key_part.startswith(WEBHOOK_WRITABLE_PREFIX), f"{function} may write {text}"
                    assert actions == ["s3:putobject"], f"{function} may {actions} under {INTAKE_PREFIX}"
                    continue
                assert key_part.startswith(INTAKE_WRITABLE_PREFIXES), f"{function} may write {text}"


def test_only_ingest_expiry_and_the_linkedin_task_polls_send_to_the_queues() -> None:
    senders: dict[str, set[str]] = {}
    for function in FUNCTIONS:
        for policy in function_policies(function):
            if "SQSSendMessagePolicy" in policy:
                queue = referenced(policy["SQSSendMessagePolicy"]["QueueName"])
                senders.setdefault(function, set()).add(str(queue))
            for statement in statements(policy):
                actions = [str(action).lower() for action in as_list(statement["Action"])]
                assert not any(a.startswith("sqs:send") for a in actions), f"{function}: inline sqs send"
    assert senders == QUEUE_SENDERS


def test_expiry_permissions_are_exactly_what_it_needs() -> None:
    granted = granted_permissions("ExpiryFunction")
    assert granted == {
        ("dynamodb:GetItem", "StateTable"),
        ("dynamodb:UpdateItem", "StateTable"),
        ("dynamodb:Query", "${StateTable.Arn}/index/ExpiryIndex"),
        ("SQSSendMessagePolicy", "LinkedInQueue"),
        ("SQSSendMessagePolicy", "IndeedQueue"),
        ("SQSSendMessagePolicy", "SchemaOrgQueue"),
    }


# The calls each function makes, as IAM actions on the resources they touch (no broad policy templates).
# Publishers share the state-table reads and writes and idempotency records; a feed
# publisher writes its entries in the feed table, never a shared document.
_SUB = "arn:${AWS::Partition}:s3:::"
_PUBLISHER_STATE = {
    ("dynamodb:GetItem", "StateTable"),
    ("dynamodb:UpdateItem", "StateTable"),
    ("s3:GetObject", _SUB + "${IntakeBucket}/payloads/*"),
}
# Powertools idempotency, where a publisher calls an outside API (LinkedIn); the feed publishers are
# idempotent through their state and keep no records.
_IDEMPOTENCY_RECORDS = {
    ("dynamodb:GetItem", "IdempotencyTable"),
    ("dynamodb:PutItem", "IdempotencyTable"),
    ("dynamodb:UpdateItem", "IdempotencyTable"),
    ("dynamodb:DeleteItem", "IdempotencyTable"),
}
_FEED_ENTRIES = {
    ("dynamodb:PutItem", "FeedTable"),  # an entry, or a removal's tombstone: publishers delete nothing
    ("dynamodb:UpdateItem", "FeedTable"),
}


EXACT_PERMISSIONS = {
    "IngestFunction": {
        ("s3:GetObject", _SUB + "${IntakeBucket}/incoming/*"),
        ("s3:GetObjectVersion", _SUB + "${IntakeBucket}/incoming/*"),
        ("s3:PutObject", _SUB + "${IntakeBucket}/reports/*"),
        ("s3:AbortMultipartUpload", _SUB + "${IntakeBucket}/reports/*"),
        ("s3:PutObject", _SUB + "${IntakeBucket}/payloads/*"),
        ("s3:AbortMultipartUpload", _SUB + "${IntakeBucket}/payloads/*"),
        ("dynamodb:GetItem", "StateTable"),
        ("dynamodb:UpdateItem", "StateTable"),
        ("SQSSendMessagePolicy", "LinkedInQueue"),
        ("SQSSendMessagePolicy", "IndeedQueue"),
        ("SQSSendMessagePolicy", "SchemaOrgQueue"),
        # A big upload's ranges: queued on the ingest's own queue, each listing the receipt parts
        # written so far, the last reading them into the upload's receipt.
        ("SQSSendMessagePolicy", "IngestQueue"),
        ("s3:ListBucket", "IntakeBucket"),
        ("s3:GetObject", _SUB + "${IntakeBucket}/reports/*.parts/*"),
    },
    "LinkedInPublisherFunction": _PUBLISHER_STATE
    | _IDEMPOTENCY_RECORDS
    | _FEED_ENTRIES
    | {
        ("dynamodb:GetItem", "FeedTable"),  # the job LinkedIn accepted, read again to close it
        ("SQSSendMessagePolicy", "LinkedInQueue"),
        ("AWSSecretsManagerGetSecretValuePolicy", "LinkedInApiCredentials"),
    },
    "IndeedPublisherFunction": _PUBLISHER_STATE | _FEED_ENTRIES,
    "SchemaOrgPublisherFunction": _PUBLISHER_STATE
    | _FEED_ENTRIES
    | {
        (action, _SUB + "${SiteBucket}/jobs/*")
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
    }
    | {("AWSSecretsManagerGetSecretValuePolicy", "GoogleServiceAccount")},
    # The builder reads shards and entries, holds its lock in the feed table, writes the feeds,
    # their fragments and the sitemaps; it lists only LinkedIn's extra feed files.
    "FeedBuilderFunction": {
        *(
            (action, "FeedTable")
            for action in ("dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
        ),
        *(
            (action, _SUB + f"${{FeedBucket}}/{prefix}/*")
            for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
            for prefix in ("fragments", "indeed", "linkedin")
        ),
        ("s3:ListBucket", "FeedBucket"),
        *(
            (action, _SUB + f"${{SiteBucket}}/{key}")
            for action in ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
            for key in ("sitemaps/*", "sitemap.xml")
        ),
        ("s3:GetObject", _SUB + "${SiteBucket}/robots.txt"),
        ("s3:PutObject", _SUB + "${SiteBucket}/robots.txt"),
    },
}


@pytest.mark.parametrize("function", sorted(EXACT_PERMISSIONS))
def test_function_permissions_are_exactly_the_calls_it_makes(function: str) -> None:
    assert granted_permissions(function) == EXACT_PERMISSIONS[function]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_uses_a_crud_policy_template(function: str) -> None:
    """DynamoDBCrudPolicy grants Scan, DeleteItem and BatchWriteItem; S3CrudPolicy deletes anything."""
    for policy in function_policies(function):
        assert not {"DynamoDBCrudPolicy", "S3CrudPolicy", "S3ReadPolicy"} & set(policy), (
            f"{function}: {policy}"
        )


def test_the_only_listings_are_of_linkedins_extra_feed_files_and_an_uploads_receipt_parts() -> None:
    # Both are bounded (a feed file per 500,000 jobs, a part per range of an upload); nothing lists
    # the pages or the uploads.
    listings = [
        s["Condition"]
        for function in FUNCTIONS
        for s in statements(function_policies(function))
        if "s3:ListBucket" in as_list(s["Action"])
    ]
    assert sorted(listings, key=str) == [
        {"StringLike": {"s3:prefix": "linkedin/feed-*"}},
        {"StringLike": {"s3:prefix": "reports/*.parts/*"}},
    ]


def test_the_webhook_stage_writes_json_access_logs_to_a_group_with_retention() -> None:
    setting = properties("WebhookApi")["AccessLogSetting"]
    assert referenced(setting["DestinationArn"]) == "WebhookApiAccessLogGroup"
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "method", "resourcePath", "status", "wafStatus"} <= set(fields)
    assert "RetentionInDays" in properties("WebhookApiAccessLogGroup")
    account = resources("AWS::ApiGateway::Account")["ApiGatewayAccountLogging"]
    assert account["Condition"] == "CreatesApiGatewayLoggingRole"


def test_a_firewall_rate_limits_each_client_and_address_in_front_of_the_stage() -> None:
    firewall = properties("WebhookFirewall")
    rules = {rule["Name"]: rule for rule in firewall["Rules"]}
    per_client = rules["PerClientAndAddress"]["Statement"]["RateBasedStatement"]
    assert per_client["AggregateKeyType"] == "CUSTOM_KEYS"
    assert per_client["CustomKeys"] == [
        {"Header": {"Name": "syndicate-client", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}},
        {"IP": {}},
    ]
    per_address = rules["PerAddress"]["Statement"]["RateBasedStatement"]
    assert per_address["AggregateKeyType"] == "IP" and "ScopeDownStatement" in per_address
    for rule in rules.values():
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = properties("WebhookFirewallAssociation")
    assert referenced(association["WebACLArn"]) == "WebhookFirewall"
    assert "/restapis/${WebhookApi}/stages/${WebhookApi.Stage}" in association["ResourceArn"]["Fn::Sub"]


# --- logs and outputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_logs_to_its_own_group_with_retention(function: str) -> None:
    group = referenced(properties(function)["LoggingConfig"]["LogGroup"])
    assert group is not None
    assert resources()[group]["Type"] == "AWS::Logs::LogGroup"
    assert properties(group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    others = {referenced(properties(f)["LoggingConfig"]["LogGroup"]) for f in FUNCTIONS if f != function}
    assert group not in others


def test_logs_are_json() -> None:
    assert template()["Globals"]["Function"]["LoggingConfig"]["LogFormat"] == "JSON"


def test_outputs_name_every_bucket_queue_table_and_function() -> None:
    exported = {referenced(output["Value"]) for output in template()["Outputs"].values()}
    wanted = {
        name
        for kind in (
            "AWS::S3::Bucket",
            "AWS::SQS::Queue",
            "AWS::DynamoDB::Table",
            "AWS::Serverless::Function",
        )
        for name in resources(kind)
    }
    assert wanted <= exported, sorted(wanted - exported)


@pytest.mark.parametrize(
    "function", ["IndeedPublisherFunction", "SchemaOrgPublisherFunction", "LinkedInPublisherFunction"]
)
def test_publishers_write_entries_to_the_feed_table_but_never_the_shared_documents(function: str) -> None:
    granted = granted_permissions(function)
    assert granted >= _FEED_ENTRIES
    written = {resource for action, resource in granted if action.startswith("s3:Put")}
    for document in ("indeed/", "linkedin/", "sitemap", "fragments/"):
        assert not any(document in resource for resource in written), (function, written)
