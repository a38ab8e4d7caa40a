"""The embedded default: template.yaml's stack on moto, in-process, driving the real handlers.

`syndicate run` uses EmbeddedStack; tests use it to exercise handlers through S3 notifications and SQS
event source mappings exactly as deployed.
"""

from infra.runtime.apigateway import HttpResponse
from infra.runtime.intrinsics import TemplateError, UnsupportedTemplateFeature
from infra.runtime.lambda_runner import BatchOutcome, DrainError, DrainProgress, DrainReport
from infra.runtime.specs import (
    ApiRoute,
    ApiSpec,
    BucketSpec,
    FunctionSpec,
    QueueNotification,
    QueueSpec,
    Redrive,
    ScheduleSpec,
    SecretSpec,
    SqsEventSource,
    StackModel,
    TableSpec,
)
from infra.runtime.stack import EmbeddedStack
from infra.runtime.template import parse_template

__all__ = [
    "ApiRoute",
    "ApiSpec",
    "BatchOutcome",
    "BucketSpec",
    "DrainError",
    "DrainProgress",
    "DrainReport",
    "EmbeddedStack",
    "FunctionSpec",
    "HttpResponse",
    "QueueNotification",
    "QueueSpec",
    "Redrive",
    "ScheduleSpec",
    "SecretSpec",
    "SqsEventSource",
    "StackModel",
    "TableSpec",
    "TemplateError",
    "UnsupportedTemplateFeature",
    "parse_template",
]
