"""Count every AWS call of an embedded run, per caller and operation, with botocore's event hooks.

Every client created while the meter is installed gets `before-parameter-build` and `after-call`
handlers on its own event system, so product code is unchanged. The caller of each call comes from
the runtime (infra/runtime/observe.py): a function, a function's event source, or the runtime.
DynamoDB: the hook asks for `ReturnConsumedCapacity: INDEXES`, and since moto answers it with a
constant per operation, fills it in with what DynamoDB bills (docs/load-benchmark.md has the rules)
from the sizes of the stored items before and after the call, read from moto's backend. S3: bytes
each way and requests by price class. SQS: billed requests, one per 64 KB of payload.
"""

from __future__ import annotations

import math
import os
import stat
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from infra.runtime.moto_speedups import DYNAMODB_ITEM_OPERATIONS
from infra.runtime.observe import current_caller, listening
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
SQS_CHUNK_BYTES = 64 * 1024
# S3 bills PUT, COPY, POST and LIST at one price and GET and the rest at another; deletes are free.
S3_WRITE_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "ListMultipartUploads",
        "ListParts",
    }
)
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})


@dataclass
class CallerUsage:
    """What one caller (a function, its event source, or the runtime) did."""

    calls: Counter[str] = field(default_factory=Counter)  # "service:Operation" -> calls
    read_units: float = 0.0
    write_units: float = 0.0
    items_read: int = 0  # DynamoDB items read, S3 objects got and keys listed
    items_written: int = 0  # DynamoDB items written (indexes included) and S3 objects put or deleted
    s3_bytes_in: int = 0  # to S3
    s3_bytes_out: int = 0  # from S3
    s3_write_class: int = 0
    s3_read_class: int = 0
    sqs_billed: int = 0  # 64 KB chunks
    invocations: int = 0
    # CPU time of each invocation rounded up to 1 ms, as Lambda bills; wall time beside it.
    billed_ms: int = 0
    seconds: float = 0.0
    log_bytes: int = 0  # what its invocations wrote to the log (stdout, redirected to a file)

    def calls_by_service(self) -> Counter[str]:
        by_service: Counter[str] = Counter()
        for name, count in self.calls.items():
            by_service[name.split(":", 1)[0]] += count
        return by_service

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "calls": dict(self.calls)}


@dataclass
class _Stored:
    """What billing needs of a stored item, taken before a write changes it in place."""

    size: int
    indexes: dict[str, tuple[Any, int, Any] | None]  # index -> (key, projected size, content) or absent


class AwsMeter:
    def __init__(self) -> None:
        self.usage: defaultdict[str, CallerUsage] = defaultdict(CallerUsage)

    # -- installing ---------------------------------------------------------------------------

    @contextmanager
    def installed(self) -> Iterator[AwsMeter]:
        """Meter every client created meanwhile, and time every invocation."""
        original = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            events = client.meta.events
            events.register_first("before-parameter-build", meter._before)
            events.register_last("after-call", meter._after)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]
        try:
            with listening(self._invocation):
                yield self
        finally:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]

    @contextmanager
    def _invocation(self, function: str) -> Iterator[None]:
        usage = self.usage[function]
        logged = _logged_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            usage.seconds += time.perf_counter() - started
            # Billed time is the process's CPU time over the invocation (moto's work and the local
            # fake APIs' included, standing for AWS's and the channels' answers): wall time on a
            # shared machine would bill the neighbours' work too.
            usage.billed_ms += math.ceil((time.process_time() - cpu_started) * 1000)
            usage.log_bytes += _logged_bytes() - logged
            usage.invocations += 1

    # -- hooks --------------------------------------------------------------------------------

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        if service == "s3" and "Body" in params:
            context["meter_s3_in"] = _body_size(params["Body"])
        elif service == "sqs":
            context["meter_sqs_payload"] = _sqs_payload(params)
        if service != "dynamodb" or model.name not in DYNAMODB_ITEM_OPERATIONS:
            return
        params["ReturnConsumedCapacity"] = "INDEXES"
        context["meter_before"] = {
            (table, _key_text(key)): _stored(table, key) for table, key in _written_keys(model.name, params)
        }
        context["meter_params"] = params

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        usage = self.usage[current_caller()]
        service = model.service_model.service_name
        usage.calls[f"{service}:{model.name}"] += 1
        if service == "dynamodb" and "meter_params" in context:
            self._dynamodb(usage, model.name, context["meter_params"], context["meter_before"], parsed)
        elif service == "s3":
            _s3(usage, model.name, context.get("meter_s3_in", 0), parsed)
        elif service == "sqs":
            usage.sqs_billed += _sqs_chunks(model.name, context, parsed)

    # -- DynamoDB -------------------------------------------------------------------------------

    def _dynamodb(
        self,
        usage: CallerUsage,
        operation: str,
        params: Mapping[str, Any],
        before: Mapping[tuple[str, str], _Stored | None],
        parsed: dict[str, Any],
    ) -> None:
        failed = "Error" in parsed
        if operation in {"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan"}:
            units, items = _read_units(operation, params, parsed)
            table_units: dict[str, float] = units
            usage.read_units += sum(units.values())
            usage.items_read += items
            kind = "ReadCapacityUnits"
        else:
            table_units = defaultdict(float)
            index_units: dict[str, float] = defaultdict(float)
            factor = 2 if operation == "TransactWriteItems" else 1
            for table, key in _written_keys(operation, params):
                old = before.get((table, _key_text(key)))
                new = None if failed else _stored(table, key)
                main, per_index = _write_units(old, new, failed)
                table_units[table] += main * factor
                for index, units_of_index in per_index.items():
                    index_units[index] += units_of_index * factor
                usage.items_written += (main > 0) + sum(1 for u in per_index.values() if u)
            usage.write_units += sum(table_units.values()) + sum(index_units.values())
            kind = "WriteCapacityUnits"
        if not failed:
            parsed["ConsumedCapacity"] = [
                {"TableName": table, "CapacityUnits": units, kind: units}
                for table, units in table_units.items()
            ]
            if operation not in {"BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"}:
                parsed["ConsumedCapacity"] = parsed["ConsumedCapacity"][0] if table_units else {}

    # -- reporting ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {caller: usage.as_dict() for caller, usage in sorted(self.usage.items())}


# -- DynamoDB billing rules ------------------------------------------------------------------------


def _table(name: str) -> Table:
    for regions in dynamodb_backends.values():
        for backend in regions.values():
            if name in backend.tables:
                return backend.tables[name]
    raise KeyError(name)


def _key_text(key: Mapping[str, Any]) -> str:
    return repr(sorted(key.items()))


def _written_keys(operation: str, params: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, primary key) of every item a write request writes."""
    if operation in {"PutItem", "UpdateItem", "DeleteItem"}:
        table = params["TableName"]
        yield table, (params.get("Key") or _key_of(table, params["Item"]))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    yield table, _key_of(table, request["PutRequest"]["Item"])
                elif "DeleteRequest" in request:
                    yield table, request["DeleteRequest"]["Key"]
    elif operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            ((kind, request),) = entry.items()
            if kind == "ConditionCheck":
                continue
            yield request["TableName"], (request.get("Key") or _key_of(request["TableName"], request["Item"]))


def _key_of(table_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    table = _table(table_name)
    return {name: item[name] for name in (table.hash_key_attr, table.range_key_attr) if name}


def _find(table: Table, key: Mapping[str, Any]) -> Item | None:
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return table.get_item(hash_value, range_value)


def _stored(table_name: str, key: Mapping[str, Any]) -> _Stored | None:
    table = _table(table_name)
    item = _find(table, key)
    if item is None:
        return None
    indexes: dict[str, tuple[Any, int, Any] | None] = {}
    for index in table.global_indexes:
        keys = [item.attrs.get(name) for name in index.schema_key_attrs]
        if any(value is None for value in keys):
            indexes[index.name] = None
            continue
        projected = index.project(item)
        indexes[index.name] = (_frozen_all(keys), projected.size(), _frozen_item(projected))
    return _Stored(item.size(), indexes)


def _frozen(value: DynamoType) -> Any:
    if isinstance(value.value, dict):
        return value.type, tuple(sorted((k, _frozen(v)) for k, v in value.value.items()))
    if isinstance(value.value, list) and value.type in {"L"}:
        return value.type, tuple(_frozen(v) for v in value.value)
    return value.type, repr(value.value)


def _frozen_all(values: list[Any]) -> tuple[Any, ...]:
    return tuple(_frozen(v) for v in values)


def _frozen_item(item: Item) -> tuple[Any, ...]:
    return tuple(sorted((name, _frozen(value)) for name, value in item.attrs.items()))


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def _write_units(old: _Stored | None, new: _Stored | None, failed: bool) -> tuple[int, dict[str, int]]:
    """Table and index write units of one item write (DynamoDB developer guide: "Read/write
    capacity mode" and "Provisioned throughput considerations for Global Secondary Indexes")."""
    if failed:  # a failed condition still costs the item's size; nothing reaches the indexes
        return _units(old.size if old else 0, WRITE_UNIT_BYTES), {}
    table_units = _units(max(old.size if old else 0, new.size if new else 0), WRITE_UNIT_BYTES)
    per_index: dict[str, int] = {}
    names = set(old.indexes if old else {}) | set(new.indexes if new else {})
    for name in names:
        before = old.indexes.get(name) if old else None
        after = new.indexes.get(name) if new else None
        if before is None and after is None:
            continue
        if before is None or after is None:
            per_index[name] = _units((after or before)[1], WRITE_UNIT_BYTES)  # type: ignore[index]
        elif before[0] != after[0]:  # the index key moved: a delete and a put
            per_index[name] = _units(before[1], WRITE_UNIT_BYTES) + _units(after[1], WRITE_UNIT_BYTES)
        elif before[2] != after[2]:  # projected attributes changed
            per_index[name] = _units(max(before[1], after[1]), WRITE_UNIT_BYTES)
    return table_units, per_index


def _read_units(
    operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
) -> tuple[dict[str, float], int]:
    """Read units per table (or table:index) and items read: an item rounds up to 4 KB on its own
    (GetItem, BatchGetItem); a Query or Scan rounds the sum of the items it reads; eventually
    consistent reads cost half; the size is the stored item's (or its index projection's), whatever
    the projection expression returns."""
    units: dict[str, float] = defaultdict(float)
    items = 0
    if operation == "GetItem":
        table = params["TableName"]
        found = _find(_table(table), params["Key"])
        units[table] += _units(found.size() if found else 0, READ_UNIT_BYTES) * _consistency(params)
        items = int(found is not None)
    elif operation in {"BatchGetItem", "TransactGetItems"}:
        requests = (
            params.get("RequestItems", {}).items()
            if operation == "BatchGetItem"
            else [
                (e["Get"]["TableName"], {"Keys": [e["Get"]["Key"]]}) for e in params.get("TransactItems", [])
            ]
        )
        factor = 2.0 if operation == "TransactGetItems" else None
        unprocessed = parsed.get("UnprocessedKeys", {})
        for table, request in requests:
            skipped = {_key_text(k) for k in unprocessed.get(table, {}).get("Keys", [])}
            for key in request["Keys"]:
                if _key_text(key) in skipped:
                    continue
                found = _find(_table(table), key)
                weight = factor if factor is not None else _consistency(request)
                units[table] += _units(found.size() if found else 0, READ_UNIT_BYTES) * weight
                items += int(found is not None)
    else:  # Query, Scan
        table_name = params["TableName"]
        table = _table(table_name)
        index_name = params.get("IndexName")
        index = next((i for i in table.global_indexes if i.name == index_name), None)
        total = 0
        for returned in parsed.get("Items", []):
            key = {name: returned[name] for name in table.attribute_keys if name in returned}
            stored = _find(table, key) if len(key) == len(table.attribute_keys) else None
            if stored is None:
                continue
            total += (index.project(stored) if index else stored).size()
        scanned = int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        returned_count = int(parsed.get("Count", 0)) or 1
        total = total * max(scanned, returned_count) // returned_count  # filtered-out items cost too
        label = f"{table_name}:{index_name}" if index_name else table_name
        units[label] += _units(total, READ_UNIT_BYTES) * _consistency(params)
        items = scanned
    return units, items


def _consistency(params: Mapping[str, Any]) -> float:
    return 1.0 if params.get("ConsistentRead") else 0.5


# -- S3 and SQS ------------------------------------------------------------------------------------


def _s3(usage: CallerUsage, operation: str, sent: int, parsed: Mapping[str, Any]) -> None:
    if operation in S3_WRITE_CLASS:
        usage.s3_write_class += 1
    elif operation not in S3_FREE:
        usage.s3_read_class += 1
    if operation in {"GetObject"}:
        usage.s3_bytes_out += int(parsed.get("ContentLength", 0))
        usage.items_read += 1
    elif operation in {"ListObjectsV2", "ListObjects"}:
        usage.items_read += len(parsed.get("Contents", []))
    elif operation in {"PutObject", "CompleteMultipartUpload", "CopyObject", "DeleteObject"}:
        usage.items_written += 1
    usage.s3_bytes_in += sent


def _sqs_chunks(operation: str, context: Mapping[str, Any], parsed: Mapping[str, Any]) -> int:
    payload = int(context.get("meter_sqs_payload", 0))
    if operation == "ReceiveMessage":
        payload = sum(len(m.get("Body", "").encode("utf-8")) for m in parsed.get("Messages", []))
    return max(1, math.ceil(payload / SQS_CHUNK_BYTES))


def _body_size(body: Any) -> int:
    if isinstance(body, bytes | bytearray | str):
        return len(body)
    if hasattr(body, "seek") and hasattr(body, "tell"):
        position = body.tell()
        body.seek(0, 2)  # some transfer wrappers return None from seek: ask tell()
        size = body.tell() - position
        body.seek(position)
        return int(size)
    return 0


def _sqs_payload(params: Mapping[str, Any]) -> int:
    """Bytes SQS bills a send for: the bodies and the message attributes."""
    entries = params.get("Entries") or [params]
    total = 0
    for entry in entries:
        total += len(str(entry.get("MessageBody", "")).encode("utf-8"))
        for name, value in entry.get("MessageAttributes", {}).items():
            total += len(name) + len(value.get("DataType", "")) + len(str(value.get("StringValue", "")))
            total += len(value.get("BinaryValue", b""))
    return total


def _logged_bytes() -> int:
    """Size of the file standard output goes to (`syndicate run` sends the functions' logs to one)."""
    sys.stdout.flush()
    status = os.fstat(1)
    return status.st_size if stat.S_ISREG(status.st_mode) else 0
