"""Make moto's DynamoDB cost what DynamoDB's own work costs (Query, TransactWriteItems), same answers.

A performance patch only: if moto's internals move, it is skipped and moto runs as it is. What was
slow and why each replacement answers the same: docs/local-runtime.md, "Making moto fast".
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import table as table_models
except ImportError:  # pragma: no cover - moto moved: run it unpatched
    dynamodb_models = None  # type: ignore[assignment]
    table_models = None  # type: ignore[assignment]

_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []
    writes: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        old: dict[str, Any] | None = None
        try:
            if op_type not in _OPERATIONS:
                raise ValueError("Unsupported transaction operation")
            key = _key_of(self, op_type, op)
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                check = get_filter_expression(
                    condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                )
                if not check.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        old = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=old)
            if op_type != "ConditionCheck":
                writes.append((op_type, op, key))
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as error:
            errors.append(("ConditionalCheckFailed", str(error.message), old))
        except Exception as error:  # reported as the item's cancellation reason, as moto does
            errors.append((type(error).__name__, str(error), old))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    _apply(self, writes)


def _apply(backend: Any, writes: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    before = [
        (op["TableName"], key, copy.deepcopy(backend.get_item(op["TableName"], key))) for _, op, key in writes
    ]
    try:
        for op_type, op, key in writes:
            table = op["TableName"]
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                backend.put_item(table, op["Item"])
            elif op_type == "Delete":
                backend.delete_item(table, key)
            else:
                backend.update_item(
                    table,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=None,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except BaseException:
        for table, key, item in before:  # put back only what this transaction touched
            if item is None:
                backend.delete_item(table, key)
            else:
                backend.put_item(table, item.to_json()["Attributes"])
        raise


_QUERIED = threading.local()  # the partition a base-table Query in this thread reads


def _partition_query(original_query: Any, original_all_items: Any) -> tuple[Any, Any]:
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("index_name") or hash_key is None or not self.range_key_attr:
            return original_query(self, hash_key, *args, **kwargs)
        _QUERIED.partition = hash_key
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _QUERIED.partition = None

    def all_items(self: Any) -> Any:
        partition = getattr(_QUERIED, "partition", None)
        if partition is None:
            return original_all_items(self)
        items = list((self.items.get(partition) or {}).values())
        return sorted(items, key=lambda item: (item.hash_key, item.range_key))

    return query, all_items


@contextmanager
def faster_dynamodb() -> Iterator[None]:
    backend: Any = getattr(dynamodb_models, "DynamoDBBackend", None)
    table: Any = getattr(table_models, "Table", None)
    needed = ((backend, "transact_write_items"), (table, "query"), (table, "all_items"))
    if any(owner is None or not hasattr(owner, name) for owner, name in needed):
        yield
        return
    originals = (backend.transact_write_items, table.query, table.all_items)
    backend.transact_write_items = _transact_write_items
    table.query, table.all_items = _partition_query(table.query, table.all_items)
    try:
        yield
    finally:
        backend.transact_write_items, table.query, table.all_items = originals
