"""The context object and reserved environment variables Lambda's Python runtime gives a handler.

Shaped as awslambdaric's LambdaContext; why LAMBDA_TASK_ROOT is left unset is in
docs/local-runtime.md, "The context object".
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from infra.runtime.specs import FunctionSpec

_VERSION = "$LATEST"


def log_group(function: FunctionSpec) -> str:
    return f"/aws/lambda/{function.name}"


def reserved_variables(function: FunctionSpec, region: str) -> dict[str, str]:
    variables = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": _VERSION,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group(function),
        "AWS_LAMBDA_LOG_STREAM_NAME": f"embedded/[{_VERSION}]{uuid.uuid4().hex}",
        "_HANDLER": function.handler,
    }
    if function.has_logging_config:
        # Advanced logging controls: Lambda passes the format and the application level this way
        # (the level applies to JSON logs only), and Powertools Logger honours the level first.
        variables["AWS_LAMBDA_LOG_FORMAT"] = function.log_format
        if function.log_format == "JSON" and function.application_log_level:
            variables["AWS_LAMBDA_LOG_LEVEL"] = function.application_log_level
    return variables


class LambdaContext:
    """What a handler receives as `context`, with a deadline of the function's Timeout from now."""

    def __init__(self, function: FunctionSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.function_name = function.name
        self.function_version = _VERSION
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = str(function.memory_size)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = log_group(function)
        self.log_stream_name = f"embedded/[{_VERSION}]{self.aws_request_id.replace('-', '')}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._clock = clock
        self._deadline = clock() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))
