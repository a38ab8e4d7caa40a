"""Make moto's DynamoDB cost what DynamoDB's own work costs (a base-table Query), same answers.

A performance patch only: if moto's internals move, it is skipped and moto runs as it is. What was
slow and why each replacement answers the same: docs/local-runtime.md, "Making moto fast".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    from moto.dynamodb.models import table as table_models
except ImportError:  # pragma: no cover - moto moved: run it unpatched
    table_models = None  # type: ignore[assignment]

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
    table: Any = getattr(table_models, "Table", None)
    if table is None or not all(hasattr(table, name) for name in ("query", "all_items")):
        yield
        return
    originals = (table.query, table.all_items)
    table.query, table.all_items = _partition_query(table.query, table.all_items)
    try:
        yield
    finally:
        table.query, table.all_items = originals
