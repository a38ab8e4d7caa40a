"""A lease lock in DynamoDB: one holder at a time for a shared job (the feed builder's run).

Lock items live, by default, in the state table under ids that no posting can have (posting ids
start with a letter or digit); a caller may give another table's key (the feed builder's lives in
the feed table). A lease expires by itself, so a crashed holder blocks others only briefly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from syndicate.adapters.conditional import is_conditional_failure


class LockTimeout(RuntimeError):
    pass


class LeaseLock:
    def __init__(
        self,
        client: Any,
        table: str,
        name: str,
        lease_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        key: Mapping[str, Any] | None = None,
    ) -> None:
        self._client = client
        self._table = table
        # The lock item's key: by default the state table's (`posting_id`); another table's when given.
        self._key = dict(key) if key is not None else {"posting_id": {"S": f"#lock#{name}"}}
        self._name = name
        self._lease = lease_seconds
        self._clock = clock
        self._sleep = sleep

    @contextmanager
    def held(self, wait_seconds: float) -> Iterator[None]:
        owner = uuid.uuid4().hex
        deadline = self._clock() + wait_seconds
        delay = 0.05
        while not self._try_acquire(owner):
            if self._clock() >= deadline:
                raise LockTimeout(f"lock {self._name} still held after {wait_seconds:.0f} s")
            self._sleep(delay)
            delay = min(delay * 2, 1.0)
        try:
            yield
        finally:
            self._release(owner)

    def _try_acquire(self, owner: str) -> bool:
        now = self._clock()
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._key | {"owner": {"S": owner}, "lease_until": {"N": f"{now + self._lease:.3f}"}},
                ConditionExpression=f"attribute_not_exists({next(iter(self._key))}) OR lease_until < :now",
                ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _release(self, owner: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=self._key,
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        except ClientError as error:
            if not is_conditional_failure(error):  # our lease ran out and another holder took it
                raise
