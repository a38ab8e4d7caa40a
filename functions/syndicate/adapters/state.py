"""The posting state table (DynamoDB): versions, content hashes, per-channel status.

One item per posting id. Writes are conditional, so an older version never overwrites a newer
one, whatever order events arrive in and however often:
- ingest reads the item, decides (see `pipeline.plan`), then writes on the condition that the
  item still holds the version it read (optimistic concurrency; a lost race re-reads);
- publishers change a channel's status only while the item still holds the content hash their
  message was rendered from, so a stale message can never mark a newer version published.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from syndicate.core.model import Channel
from syndicate.pipeline.plan import ChannelPlan

INDEED_FEED_INDEX = "IndeedFeedIndex"
INDEED_OPEN = "open"
# Far beyond how long a global secondary index lags behind its table (usually under a second).
RECENT_SECONDS = 300.0


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass(frozen=True, slots=True)
class Version:
    """Version order: `updated_at` when both sides have one, else the upload's own order."""

    updated_at: str  # "" when the posting has none; UTC, fixed width, so text order is time order
    upload_order: str  # event time + S3 sequencer + index in file, fixed width

    def is_newer_than(self, other: Version) -> bool:
        if self.updated_at and other.updated_at:
            return (self.updated_at, self.upload_order) > (other.updated_at, other.upload_order)
        return self.upload_order > other.upload_order

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> Version:
        return cls(str(item.get("updated_at", "")), str(item.get("upload_order", "")))


class StateTable:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # --- reads -----------------------------------------------------------------------------------

    def get(self, posting_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={"posting_id": {"S": posting_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return _from_dynamo(item) if item else None

    def all_postings(self) -> Iterator[dict[str, Any]]:
        """Every posting's item (a full scan: for reports and local runs, not for hot paths)."""
        for page in self._client.get_paginator("scan").paginate(TableName=self._table, ConsistentRead=True):
            for item in page.get("Items", []):
                if not item["posting_id"]["S"].startswith("#"):  # lock items, never postings
                    yield _from_dynamo(item)

    def indeed_jobs_of(self, posting_id: str) -> list[dict[str, str]]:
        """One posting's Indeed jobs from the base table (strongly consistent); [] when off Indeed."""
        item = self.get(posting_id) or {}
        if item.get("indeed_feed") != INDEED_OPEN or "indeed_jobs" not in item:
            return []
        jobs: list[dict[str, str]] = json.loads(item["indeed_jobs"])
        return jobs

    def remember_changes(
        self, name: str, changed: Iterable[str], now: float, keep_seconds: float = RECENT_SECONDS
    ) -> set[str]:
        """Add `changed` posting ids to the recent-changes list `name`; return every id changed in
        the last `keep_seconds`. Call it only while holding the lock of `name` (read-modify-write)."""
        key = {"posting_id": {"S": f"#recent#{name}"}}
        item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        recent = {k: float(v["N"]) for k, v in (item or {}).get("changes", {}).get("M", {}).items()}
        recent = {k: at for k, at in recent.items() if at >= now - keep_seconds}
        recent.update(dict.fromkeys(changed, now))
        self._client.put_item(
            TableName=self._table,
            Item=key | {"changes": {"M": {k: {"N": f"{at:.3f}"} for k, at in recent.items()}}},
        )
        return set(recent)

    def indeed_feed_entries(self) -> Iterator[tuple[str, list[dict[str, str]]]]:
        """(posting id, its jobs) for every posting on Indeed, from the sparse index, page by page.

        Index reads are eventually consistent: combine with `remember_changes` for the postings
        that changed in the last minutes (see IndeedPublisher.rebuild_feed)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=INDEED_FEED_INDEX,
            KeyConditionExpression="indeed_feed = :open",
            ExpressionAttributeValues={":open": {"S": INDEED_OPEN}},
            ProjectionExpression="posting_id, indeed_jobs",
        )
        for page in pages:
            for item in page.get("Items", []):
                yield item["posting_id"]["S"], json.loads(item["indeed_jobs"]["S"])

    # --- ingest ----------------------------------------------------------------------------------

    def record_version(
        self,
        *,
        posting_id: str,
        version: Version,
        seen: Version | None,
        content_hash: str,
        status: str,
        source: str,
        plans: tuple[ChannelPlan, ...],
    ) -> bool:
        """Store the new version and its channel plans if the item still holds `seen`.

        Returns False when another writer got there first (the caller re-reads and decides again).
        """
        channels = {
            plan.channel: {
                "state": plan.state,
                "hash": content_hash,
                "action": plan.recorded_action,
                "reason": plan.reason,
                "updated": _now_text(),
            }
            for plan in plans
        }
        values: dict[str, Any] = {
            ":hash": {"S": content_hash},
            ":updated": {"S": version.updated_at},
            ":order": {"S": version.upload_order},
            ":status": {"S": status},
            ":source": {"S": source},
            ":seen_at": {"S": _now_text()},
            ":channels": _to_dynamo(channels),
        }
        condition = "attribute_not_exists(posting_id)"
        if seen is not None:
            condition = "upload_order = :seen_order"
            values[":seen_order"] = {"S": seen.upload_order}
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"posting_id": {"S": posting_id}},
                UpdateExpression=(
                    "SET content_hash = :hash, updated_at = :updated, upload_order = :order, "
                    "posting_status = :status, #source = :source, last_seen = :seen_at, channels = :channels"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#source": "source"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    # --- publishers ------------------------------------------------------------------------------

    def channel_entry(self, posting_id: str, channel: Channel) -> dict[str, Any]:
        item = self.get(posting_id) or {}
        entry: dict[str, Any] = item.get("channels", {}).get(channel, {})
        return entry

    def mark(
        self,
        posting_id: str,
        channel: Channel,
        content_hash: str,
        state: str,
        *,
        reason: str = "",
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
    ) -> bool:
        """Set a channel's state while the item still holds `content_hash` for that channel.

        `extra_set` sets further top-level attributes in the same write (the Indeed jobs);
        `remove` deletes top-level attributes. Returns False when the message is stale.
        """
        names = {"#channels": "channels", "#c": channel}
        values: dict[str, Any] = {
            ":hash": {"S": content_hash},
            ":state": {"S": state},
            ":reason": {"S": reason},
            ":updated": {"S": _now_text()},
        }
        sets = [
            "#channels.#c.#state = :state",
            "#channels.#c.#reason = :reason",
            "#channels.#c.#updated = :updated",
        ]
        names |= {"#state": "state", "#reason": "reason", "#updated": "updated", "#hash": "hash"}
        for position, (name, value) in enumerate((extra_set or {}).items()):
            names[f"#x{position}"] = name
            values[f":x{position}"] = _to_dynamo(value)
            sets.append(f"#x{position} = :x{position}")
        expression = "SET " + ", ".join(sets)
        if remove:
            for position, name in enumerate(remove):
                names[f"#r{position}"] = name
            expression += " REMOVE " + ", ".join(f"#r{position}" for position in range(len(remove)))
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"posting_id": {"S": posting_id}},
                UpdateExpression=expression,
                ConditionExpression="#channels.#c.#hash = :hash",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True


# --- DynamoDB's attribute-value format ------------------------------------------------------------

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_dynamo(value: Any) -> dict[str, Any]:
    serialized: Any = _SERIALIZER.serialize(value)
    return dict(serialized)


def _from_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}
