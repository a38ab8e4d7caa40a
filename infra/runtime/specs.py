"""What the embedded runtime needs to know about each resource, resolved from template.yaml.

Every name, URL and ARN here is final: intrinsics are already resolved, so the stack can create the
resources and the runner can route events without looking at the template again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Redrive:
    dead_letter_queue: str  # logical id of the dead-letter queue
    max_receive_count: int


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    name: str
    url: str
    arn: str
    visibility_timeout: int
    attributes: dict[str, str]  # CreateQueue attributes, RedrivePolicy excluded (set once every queue exists)
    redrive: Redrive | None


@dataclass(frozen=True)
class QueueNotification:
    """One QueueConfiguration of a bucket's NotificationConfiguration."""

    queue: str  # logical id of the target queue
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class BucketSpec:
    logical_id: str
    name: str
    arn: str
    versioned: bool
    encryption: dict[str, Any] | None  # PutBucketEncryption ServerSideEncryptionConfiguration
    public_access_block: dict[str, Any] | None
    notifications: tuple[QueueNotification, ...]


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    arn: str
    create_args: dict[str, Any]  # CreateTable keyword arguments (TableName included)
    hash_key: str
    range_key: str | None
    global_indexes: tuple[str, ...]
    ttl_attribute: str | None
    point_in_time_recovery: bool


@dataclass(frozen=True)
class SqsEventSource:
    """A SAM `Type: SQS` event, i.e. a Lambda event source mapping."""

    event_id: str
    queue: str  # logical id
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool = True
    maximum_batching_window: int = 0


@dataclass(frozen=True)
class ScheduleSpec:
    """A SAM `Type: Schedule` (or ScheduleV2) event: EventBridge invokes the function on a schedule.
    The embedded runtime does not keep time; `EmbeddedStack.run_schedule` runs it when asked."""

    event_id: str
    expression: str  # rate(...) or cron(...), as written
    enabled: bool = True


@dataclass(frozen=True)
class SecretSpec:
    """An AWS::SecretsManager::Secret: a literal SecretString, or one generated as CloudFormation does."""

    logical_id: str
    name: str
    arn: str  # partial ARN (no random suffix): what Ref hands the functions, see template.py
    description: str | None
    secret_string: str | None
    generate: dict[str, Any] | None  # GenerateSecretString, resolved


@dataclass(frozen=True)
class ApiRoute:
    """A SAM `Type: Api` event: API Gateway (REST) sends METHOD PATH to the function as a proxy event."""

    event_id: str
    api: str  # logical id of the AWS::Serverless::Api
    method: str  # upper case, or ANY
    path: str  # as in the template, e.g. /v1/postings/{posting_id}


@dataclass(frozen=True)
class ApiSpec:
    """An AWS::Serverless::Api: its stage, binary media types and stage-wide throttling."""

    logical_id: str
    stage: str
    binary_media_types: tuple[str, ...]  # as API Gateway reads them ("~1" already turned back into "/")
    throttle_rate: float | None  # requests per second, steady state
    throttle_burst: int | None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str  # "package.module.attribute", as Lambda's Python runtime reads it
    timeout: int  # seconds
    memory_size: int  # MB
    code_uri: Path | None  # local code directory, when the template names one
    environment: dict[str, str]
    sqs_events: tuple[SqsEventSource, ...]
    other_event_types: tuple[str, ...] = ()  # event types the embedded runtime does not deliver
    log_format: str = "TEXT"  # LoggingConfig.LogFormat, upper case
    application_log_level: str | None = None  # LoggingConfig.ApplicationLogLevel
    has_logging_config: bool = False
    api_routes: tuple[ApiRoute, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    run_when_drained: bool = False  # Metadata EmbeddedRuntime.RunWhenDrained: its schedule runs after a drain


@dataclass(frozen=True)
class StackModel:
    stack_name: str
    region: str
    account_id: str
    template_path: Path | None
    parameters: dict[str, Any]
    buckets: dict[str, BucketSpec] = field(default_factory=dict)
    queues: dict[str, QueueSpec] = field(default_factory=dict)
    tables: dict[str, TableSpec] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    secrets: dict[str, SecretSpec] = field(default_factory=dict)
    apis: dict[str, ApiSpec] = field(default_factory=dict)
    # Variables set over every function's own: endpoints of local stand-ins for outside services (the
    # channels' APIs), which a deployment never sets. See EmbeddedStack.override_environment.
    environment_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def dead_letter_queues(self) -> frozenset[str]:
        return frozenset(q.redrive.dead_letter_queue for q in self.queues.values() if q.redrive)

    def environment(self) -> dict[str, str]:
        """The variables the functions agree on (a variable two functions set differently is left out)."""
        merged: dict[str, str] = {}
        conflicting: set[str] = set()
        for function in self.functions.values():
            for name, value in function.environment.items():
                if merged.setdefault(name, value) != value:
                    conflicting.add(name)
        return {name: value for name, value in merged.items() if name not in conflicting}
