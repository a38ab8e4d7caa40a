"""EmbeddedStack: the whole template.yaml stack inside moto, in this process, with no AWS account.

Upload, drain the queues, call the API, run a schedule, download what the functions wrote; only one
stack is open at a time. Usage and decisions: docs/local-runtime.md, "The embedded stack".
"""

from __future__ import annotations

import logging
import shutil
import sys
import traceback
import uuid
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import boto3
from moto import mock_aws

from infra.runtime.apigateway import (
    INTEGRATION_FAILED,
    MISSING_ROUTE,
    HttpResponse,
    gateway_response,
    http_response,
    match_route,
    proxy_event,
)
from infra.runtime.aws_env import offline_aws_variables, patched_environ, variables_to_hide
from infra.runtime.lambda_runner import (
    DrainProgress,
    DrainReport,
    FunctionInvoker,
    ProgressListener,
    drain,
    queue_depth,
)
from infra.runtime.moto_dynamodb import faster_dynamodb
from infra.runtime.moto_speedups import faster_dispatch, faster_dynamodb_requests, faster_sqs
from infra.runtime.provision import provision
from infra.runtime.s3_events import aws_shaped_s3_events
from infra.runtime.specs import BucketSpec, FunctionSpec, QueueSpec, SecretSpec, StackModel
from infra.runtime.template import DEFAULT_STACK_NAME, parse_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

_T = TypeVar("_T")
LOG = logging.getLogger("infra.runtime")


class EmbeddedStack:
    _open: ClassVar[bool] = False

    def __init__(self, model: StackModel) -> None:
        self.model = model
        self._exits: ExitStack | None = None
        self._clients: tuple[S3Client, SQSClient, DynamoDBClient] | None = None
        self._secretsmanager: SecretsManagerClient | None = None
        self._invoker: FunctionInvoker | None = None

    @classmethod
    def from_template(
        cls,
        path: Path,
        parameters: Mapping[str, Any] | None = None,
        *,
        stack_name: str = DEFAULT_STACK_NAME,
    ) -> EmbeddedStack:
        return cls(parse_template(path, parameters, stack_name=stack_name))

    # -- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> EmbeddedStack:
        if EmbeddedStack._open:
            raise RuntimeError("another EmbeddedStack is open; moto's state is process-wide")
        exits = ExitStack()
        try:
            # moto sets credentials of its own on start; ours go on top so they are what handlers see.
            exits.enter_context(mock_aws())
            exits.enter_context(
                patched_environ(offline_aws_variables(self.model.region), variables_to_hide())
            )
            exits.enter_context(aws_shaped_s3_events())
            exits.enter_context(faster_sqs())
            exits.enter_context(faster_dynamodb())
            exits.enter_context(faster_dynamodb_requests())
            exits.enter_context(faster_dispatch())
            for code_dir in sorted({f.code_uri for f in self.model.functions.values() if f.code_uri}):
                if code_dir.is_dir() and str(code_dir) not in sys.path:
                    # Lambda puts the code bundle's root on sys.path; so do we, for this stack only.
                    sys.path.insert(0, str(code_dir))
                    exits.callback(_remove_path, str(code_dir))
            region = self.model.region
            clients = (
                boto3.client("s3", region_name=region),
                boto3.client("sqs", region_name=region),
                boto3.client("dynamodb", region_name=region),
            )
            secretsmanager = boto3.client("secretsmanager", region_name=region)
            provision(self.model, *clients, secretsmanager)
        except BaseException:
            exits.close()
            raise
        self._exits, self._clients, self._secretsmanager = exits, clients, secretsmanager
        self._invoker = FunctionInvoker(self.model)
        EmbeddedStack._open = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        exits, self._exits, self._clients, self._invoker = self._exits, None, None, None
        self._secretsmanager = None
        EmbeddedStack._open = False
        if exits is not None:
            exits.close()

    # -- clients and names ------------------------------------------------------------------------

    @property
    def s3(self) -> S3Client:
        return self._running()[0]

    @property
    def sqs(self) -> SQSClient:
        return self._running()[1]

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self._running()[2]

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        self._running()
        assert self._secretsmanager is not None
        return self._secretsmanager

    def _running(self) -> tuple[S3Client, SQSClient, DynamoDBClient]:
        if self._clients is None:
            raise RuntimeError("the stack is not running: use it inside `with`")
        return self._clients

    def environment(self, function_logical_id: str | None = None) -> dict[str, str]:
        """A function's variables as Lambda sets them, or (no id) what all functions agree on."""
        overrides = self.model.environment_overrides
        if function_logical_id is None:
            return {**self.model.environment(), **overrides}
        return {**self._function(function_logical_id).environment, **overrides}

    def override_environment(self, variables: Mapping[str, str]) -> None:
        """Set variables over every function's own for the rest of this stack's life: endpoints of
        local stand-ins for outside services (the channels' APIs), which a deployment never sets."""
        self._running()
        self.model.environment_overrides.update(variables)
        if self._invoker is not None:
            self._invoker.renew_containers()

    def bucket(self, logical_id: str) -> BucketSpec:
        return _lookup(self.model.buckets, logical_id, "bucket")

    def queue(self, logical_id: str) -> QueueSpec:
        return _lookup(self.model.queues, logical_id, "queue")

    def secret(self, logical_id: str) -> SecretSpec:
        return _lookup(self.model.secrets, logical_id, "secret")

    def _function(self, logical_id: str) -> FunctionSpec:
        return _lookup(self.model.functions, logical_id, "function")

    # -- what a user does -------------------------------------------------------------------------

    def upload(self, local_path: Path, key: str | None = None, *, bucket: str | None = None) -> str:
        """Put a local file into a bucket (default: the one with notifications, under its prefix)."""
        target = self.bucket(bucket) if bucket else self._notified_bucket()
        if key is None:
            prefixes = [n.prefix for n in target.notifications]
            key = f"{prefixes[0] if prefixes else ''}{local_path.name}"
        with local_path.open("rb") as body:
            self.s3.put_object(Bucket=target.name, Key=key, Body=body)
        return key

    def upload_bytes(self, data: bytes, key: str, *, bucket: str | None = None) -> str:
        target = self.bucket(bucket) if bucket else self._notified_bucket()
        self.s3.put_object(Bucket=target.name, Key=key, Body=data)
        return key

    def _notified_bucket(self) -> BucketSpec:
        candidates = [b for b in self.model.buckets.values() if b.notifications]
        if len(candidates) != 1:
            names = sorted(b.logical_id for b in candidates)
            raise ValueError(f"name the bucket: {len(candidates)} buckets have notifications {names}")
        return candidates[0]

    def drain(
        self,
        *,
        max_rounds: int = 10_000,
        max_idle_seconds: float = 30.0,
        on_progress: ProgressListener | None = None,
    ) -> DrainReport:
        """Deliver every queued message to its function until the consumed queues are empty; then run
        the schedules of the functions marked to run when drained (the feed builder), as time passing
        would in AWS, and drain again if they queued anything. `on_progress` hears how many messages
        are done and waiting, twice a second at most."""
        invoker = self._invoker
        if invoker is None:
            raise RuntimeError("the stack is not running: use it inside `with`")
        report = drain(
            self.model,
            self.sqs,
            invoker,
            max_rounds=max_rounds,
            max_idle_seconds=max_idle_seconds,
            on_progress=on_progress,
        )
        for function in self.model.functions.values():
            if function.run_when_drained:
                self.run_schedule(function.logical_id)
                report.scheduled[function.logical_id] += 1
        consumed = {
            source.queue for f in self.model.functions.values() for source in f.sqs_events if source.enabled
        }
        if report.scheduled and any(queue_depth(self.sqs, self.queue(queue)) for queue in consumed):
            done = report.settled
            later = self.drain(
                max_rounds=max_rounds,
                max_idle_seconds=max_idle_seconds,
                on_progress=(lambda p: on_progress(DrainProgress(done + p.settled, p.waiting)))
                if on_progress is not None
                else None,
            )
            report.rounds += later.rounds
            report.settled += later.settled
            report.invocations.update(later.invocations)
            report.scheduled.update(later.scheduled)
            report.failed_batches += later.failed_batches
            report.slow_batches += later.slow_batches
            for queue, moved in later.dead_lettered.items():
                report.dead_lettered[queue] = report.dead_lettered.get(queue, 0) + moved
        return report

    def invoke(self, function_logical_id: str, event: Mapping[str, Any]) -> Any:
        """Invoke one function directly with `event` (its environment and a Lambda context included)."""
        invoker = self._invoker
        if invoker is None:
            raise RuntimeError("the stack is not running: use it inside `with`")
        return invoker.invoke(self._function(function_logical_id), event)

    def run_schedule(self, function_logical_id: str, time: datetime | None = None) -> Any:
        """Invoke the function as its EventBridge schedule would, with a "Scheduled Event" stamped
        `time` (default: now); raises if the function has no enabled schedule."""
        return self.invoke(
            function_logical_id, scheduled_event(self.model, self._function(function_logical_id), time)
        )

    def api_request(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        *,
        source_ip: str = "127.0.0.1",
    ) -> HttpResponse:
        """One HTTP request through API Gateway as the template defines it (routes from `Type: Api`
        events), to the function and back: 403 for no route, 502 when the function fails."""
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        path = target.split("?", 1)[0]
        matched = match_route(self.model, method, path)
        if matched is None:
            return gateway_response(MISSING_ROUTE)
        event = proxy_event(
            matched, method, target, pairs, body, account_id=self.model.account_id, source_ip=source_ip
        )
        try:
            result = self.invoke(matched.function.logical_id, event)
        except Exception as exc:
            # API Gateway answers 502 and the function's log has the error; so do we, and go on.
            LOG.error(
                "%s failed %s %s: %s",
                matched.function.logical_id,
                method,
                path,
                "".join(traceback.format_exception_only(exc)).strip(),
                exc_info=LOG.isEnabledFor(logging.DEBUG),
            )
            return gateway_response(INTEGRATION_FAILED)
        return http_response(result)

    def download_prefix(self, bucket_logical_id: str, prefix: str, dest_dir: Path) -> list[Path]:
        """Copy every object under `prefix` to dest_dir, keeping the key's path below the prefix."""
        name = self.bucket(bucket_logical_id).name
        written: list[Path] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue  # a "folder" marker, not a file
                destination = dest_dir.joinpath(*_relative_parts(key, prefix))
                destination.parent.mkdir(parents=True, exist_ok=True)
                body = self.s3.get_object(Bucket=name, Key=key)["Body"]
                with destination.open("wb") as out:
                    shutil.copyfileobj(body, out)
                written.append(destination)
        return written

    def queue_depths(self) -> dict[str, int]:
        """Messages each queue holds (visible, in flight and delayed), by logical id."""
        return {logical: queue_depth(self.sqs, queue) for logical, queue in self.model.queues.items()}

    def dead_letters(self, queue_logical_id: str) -> list[str]:
        """Bodies in a dead-letter queue (a source queue's id means its DLQ), oldest first; left in place."""
        queue = self.queue(queue_logical_id)
        if queue.redrive is not None:
            queue = self.queue(queue.redrive.dead_letter_queue)
        bodies: list[str] = []
        handles: list[str] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                break
            bodies.extend(m["Body"] for m in batch)
            handles.extend(m["ReceiptHandle"] for m in batch)
        for start in range(0, len(handles), 10):
            self.sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(handles[start : start + 10])
                ],
            )
        return bodies


def scheduled_event(
    model: StackModel, function: FunctionSpec, time: datetime | None = None
) -> dict[str, Any]:
    """The "Scheduled Event" EventBridge sends `function` on its first enabled schedule, stamped
    `time` (default: now); raises if the function has no enabled schedule."""
    schedules = [schedule for schedule in function.schedules if schedule.enabled]
    if not schedules:
        raise ValueError(f"{function.logical_id} has no enabled Schedule event")
    moment = (time or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": model.account_id,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": model.region,
        "resources": [
            f"arn:aws:events:{model.region}:{model.account_id}:rule/"
            f"{model.stack_name}-{function.logical_id}{schedules[0].event_id}"
        ],
        "detail": {},
    }


def _lookup(table: Mapping[str, _T], logical_id: str, kind: str) -> _T:
    try:
        return table[logical_id]
    except KeyError:
        raise KeyError(f"no {kind} {logical_id!r} in the template; there are {sorted(table)}") from None


def _relative_parts(key: str, prefix: str) -> tuple[str, ...]:
    relative = key[len(prefix) :].lstrip("/") or PurePosixPath(key).name
    parts = PurePosixPath(relative).parts
    if any(part in ("..", ".") for part in parts) or not parts:
        raise ValueError(f"object key {key!r} cannot be written below the destination safely")
    return parts


def _remove_path(entry: str) -> None:
    if entry in sys.path:
        sys.path.remove(entry)
