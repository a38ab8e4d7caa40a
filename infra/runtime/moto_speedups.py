"""Make moto fast enough for thousands of postings (SQS, DynamoDB, dispatch), without changing what it does.

Performance patches only: if moto's internals move, they are skipped and moto runs as it is. What
each one replaces, measured: docs/local-runtime.md, "Making moto fast".
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import moto.core.responses as core_responses
import moto.core.utils as core_utils
import moto.dynamodb.models.dynamo_type as dynamo_types
import moto.dynamodb.parsing.ast_nodes as dynamodb_ast
import moto.dynamodb.parsing.expressions as dynamodb_expressions
import moto.dynamodb.parsing.validators as dynamodb_validators
import moto.sqs.exceptions as sqs_exceptions
import moto.sqs.models as sqs_models

# DynamoDB's item operations: their answers are items and counts, plain JSON (and they are the
# operations that take ReturnConsumedCapacity).
DYNAMODB_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_BINARY_MARKERS = ('"B":', '"BS":')


def _fast_clock(original: Callable[..., float], scale: float) -> Callable[..., float]:
    def clock(dt: Any = None) -> float:
        return time.time() * scale if dt is None else original(dt)

    return clock


def _retention_check(backend: Any, queue_name: str, message: Any) -> bool:
    queue = backend.get_queue(queue_name)
    retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
    return bool(retain_until > time.time())


@contextmanager
def _replaced(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    # The owner's own attribute (a classmethod object, not the method it binds to), put back as it was.
    original = vars(owner)[name] if name in vars(owner) else getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _plain_json_result(original: Callable[..., Any]) -> Callable[..., Any]:
    def execute_result(self: Any, context: Any) -> Any:
        result = self.result
        operation = context.operation_model
        if (
            isinstance(result, dict)
            and context.service_model.service_name == "dynamodb"
            and operation.name in DYNAMODB_ITEM_OPERATIONS
            and context.service_model.protocol == "json"
        ):
            try:
                body = json.dumps(result)
            except (TypeError, ValueError):
                body = None
            if body is not None and not any(marker in body for marker in _BINARY_MARKERS):
                version = context.service_model.metadata.get("jsonVersion", "1.0")
                headers = {"Content-Type": f"application/x-amz-json-{version}"}
                return operation.http.get("responseCode", 200), headers, body
        return original(self, context)

    return execute_result


def _pickled_copy(value: Any, memo: Any = None) -> Any:
    """copy.deepcopy's result for plain object trees, by a pickle round trip (only trees this
    process just built are copied; anything pickle refuses goes to copy.deepcopy)."""
    try:
        return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(value, memo)


def _regular_json(dynamo_type: type[Any]) -> Callable[[Any], dict[str, Any]]:
    def to_regular_json(self: Any) -> dict[str, Any]:
        value = self.value
        if isinstance(value, dict):
            value = {
                key: item.to_regular_json() if isinstance(item, dynamo_type) else copy.deepcopy(item)
                for key, item in value.items()
            }
        elif isinstance(value, list):
            value = [
                item.to_regular_json() if isinstance(item, dynamo_type) else copy.deepcopy(item)
                for item in value
            ]
        else:
            value = copy.deepcopy(value)
        if self.is_binary() and isinstance(value, str):
            value = base64.b64decode(value)
        return {self.type: value}

    return to_regular_json


def _processing_table(walker: Any) -> dict[type, Callable[[Any], Any]]:
    table: dict[type, Callable[[Any], Any]] | None = walker.__dict__.get("_node_processors")
    if table is None:
        table = walker.__dict__["_node_processors"] = walker._processing_map()
    return table


def _nodes_to_be_processed(walker: Any) -> tuple[type, ...]:
    types: tuple[type, ...] | None = walker.__dict__.get("_node_types")
    if types is None:
        types = walker.__dict__["_node_types"] = tuple(_processing_table(walker))
    return types


def _process(walker: Any, node: Any) -> Any:
    for node_type, processor in _processing_table(walker).items():
        if isinstance(node, node_type):
            return processor(node)
    return None


def _walker(node_class: type) -> Callable[..., Any]:
    is_node: dict[type, bool] = {}

    def traverse_node_recursively(walker: Any, node: Any, child_id: int = -1) -> Any:
        kind = type(node)
        known = is_node.get(kind)
        if known is None:
            known = is_node[kind] = issubclass(kind, node_class)
        if not known:
            return node
        parent_node = node.parent
        if node.children is not None:
            for index, child_node in enumerate(node.children):
                walker.pre_processing_of_child(node, index)
                walker.traverse_node_recursively(child_node, index)
        matches: dict[type, bool] = walker.__dict__.setdefault("_node_matches", {})
        processed = matches.get(kind)
        if processed is None:
            processed = matches[kind] = issubclass(kind, walker.nodes_to_be_processed())
        if processed:
            node = walker.process(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
        return node

    return traverse_node_recursively


@contextmanager
def faster_dynamodb_requests() -> Iterator[None]:
    with ExitStack() as patches:
        parser = getattr(dynamodb_expressions, "UpdateExpressionParser", None)
        make = getattr(parser, "make", None)
        if parser is not None and callable(make):
            patches.enter_context(
                _replaced(parser, "make", staticmethod(functools.lru_cache(maxsize=4096)(make)))
            )
        action_result = getattr(core_responses, "ActionResult", None)
        execute = getattr(action_result, "execute_result", None)
        if action_result is not None and callable(execute):
            patches.enter_context(_replaced(action_result, "execute_result", _plain_json_result(execute)))
        if getattr(dynamodb_validators, "deepcopy", None) is copy.deepcopy:
            patches.enter_context(_replaced(dynamodb_validators, "deepcopy", _pickled_copy))
        dynamo_type = getattr(dynamo_types, "DynamoType", None)
        if dynamo_type is not None and callable(getattr(dynamo_type, "to_regular_json", None)):
            patches.enter_context(_replaced(dynamo_type, "to_regular_json", _regular_json(dynamo_type)))
        traverser = getattr(dynamodb_ast, "DepthFirstTraverser", None)
        if traverser is not None and {"nodes_to_be_processed", "process", "_processing_map"} <= set(
            vars(traverser)
        ):
            patches.enter_context(_replaced(traverser, "nodes_to_be_processed", _nodes_to_be_processed))
            patches.enter_context(_replaced(traverser, "process", _process))
            node_class = getattr(dynamodb_ast, "Node", None)
            if node_class is not None and "traverse_node_recursively" in vars(traverser):
                patches.enter_context(_replaced(traverser, "traverse_node_recursively", _walker(node_class)))
        yield


class _VisibleMessages:
    """What Queue.messages lists (visible, not delayed), found as it is walked."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def __iter__(self) -> Iterator[Any]:
        return (m for m in self._queue._messages if m.visible and not m.delayed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)


def _lazy_messages(queue: Any) -> _VisibleMessages:
    return _VisibleMessages(queue)


def _sending(send_message: Callable[..., Any]) -> Callable[..., Any]:
    def send(backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = backend.get_queue(queue_name)
        queue.__dict__["_sending"] = True
        try:
            return send_message(backend, queue_name, *args, **kwargs)
        finally:
            queue.__dict__.pop("_sending", None)

    return send


def _attributes(original: property) -> property:
    def attributes(queue: Any) -> dict[str, Any]:
        if not queue.__dict__.get("_sending"):
            return dict(original.fget(queue))  # type: ignore[misc]
        # All a send reads: ContentBasedDeduplication, which only FIFO queues list, as moto lists it.
        if not queue.fifo_queue:
            return {}
        deduplicate = getattr(queue, "content_based_deduplication", None)
        return {
            "ContentBasedDeduplication": str(deduplicate).lower()
            if isinstance(deduplicate, bool)
            else deduplicate
        }

    return property(attributes)


def _deleting(invalid: type[Exception]) -> Callable[[Any, str], None]:
    def delete_message(queue: Any, receipt_handle: str) -> None:
        if receipt_handle in queue.deleted_messages:
            return  # already deleted: moto lets it be deleted again
        for index, message in enumerate(queue._messages):
            if message.had_receipt_handle(receipt_handle):
                queue.pending_messages.discard(message)
                queue.deleted_messages.update(message.all_receipt_handles)
                del queue._messages[index]
                return
        raise invalid()

    return delete_message


@contextmanager
def faster_sqs() -> Iterator[None]:
    with ExitStack() as patches:
        queue_class = getattr(sqs_models, "Queue", None)
        backend_class = getattr(sqs_models, "SQSBackend", None)
        invalid = getattr(sqs_exceptions, "ReceiptHandleIsInvalid", None)
        members = set(vars(queue_class)) if queue_class is not None else set()
        if (
            backend_class is not None
            and invalid is not None
            and {"messages", "attributes", "delete_message"} <= members
            and isinstance(vars(queue_class)["attributes"], property)
            and callable(getattr(backend_class, "send_message", None))
        ):
            patches.enter_context(_replaced(queue_class, "messages", property(_lazy_messages)))
            patches.enter_context(
                _replaced(queue_class, "attributes", _attributes(vars(queue_class)["attributes"]))
            )
            patches.enter_context(_replaced(queue_class, "delete_message", _deleting(invalid)))
            patches.enter_context(
                _replaced(backend_class, "send_message", _sending(backend_class.send_message))
            )
        unix_time = getattr(sqs_models, "unix_time", None)
        unix_time_millis = getattr(sqs_models, "unix_time_millis", None)
        if callable(unix_time) and callable(unix_time_millis):
            patches.enter_context(_replaced(sqs_models, "unix_time", _fast_clock(unix_time, 1.0)))
            patches.enter_context(
                _replaced(sqs_models, "unix_time_millis", _fast_clock(unix_time_millis, 1000.0))
            )
        backend = getattr(sqs_models, "SQSBackend", None)
        if backend is not None and hasattr(backend, "is_message_valid_based_on_retention_period"):
            patches.enter_context(
                _replaced(backend, "is_message_valid_based_on_retention_period", _retention_check)
            )
        yield


def _no_listing(_: type) -> list[str]:
    return []


@contextmanager
def faster_dispatch() -> Iterator[None]:
    """moto's method list of a handler class, kept per class (classes do not change in a run)."""
    with ExitStack() as patches:
        listing: Callable[[type], list[str]] = getattr(core_utils, "method_names_from_class", _no_listing)
        if getattr(core_responses, "method_names_from_class", None) is listing:
            cached = functools.lru_cache(maxsize=None)(listing)
            patches.enter_context(_replaced(core_responses, "method_names_from_class", cached))
        yield
