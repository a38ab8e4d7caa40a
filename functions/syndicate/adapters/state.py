"""The posting state table (DynamoDB): versions, content hashes, per-channel status.

Every write is conditional, so an older version or a stale message never overwrites a newer one
(README, "Order and duplicates"); `pipeline.state_store` says what the pipeline needs of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from syndicate.adapters.conditional import conditional_update
from syndicate.adapters.feed_store import shard_of
from syndicate.core.model import Channel
from syndicate.core.plan import ChannelPlan

EXPIRY_INDEX = "ExpiryIndex"
# The expiry index's partition key takes one of these values (by posting id), so its writes and the
# expiry run's queries spread over partitions instead of all landing on one key.
EXPIRY_PARTITIONS = 16


def _now_text() -> str:
    return time_text(datetime.now(UTC))


def expiry_partition(number: int) -> str:
    return f"open#{number:02d}"


def time_text(moment: datetime) -> str:
    """Fixed-width UTC text, so text order is time order (versions, expiry), for every year 1-9999
    (strftime's %Y writes year 999 as "999", which sorts after "2026")."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%fZ}"


def upload_time_text(upload_order: str) -> str:
    """The S3 event time (ISO 8601 UTC to the millisecond) heading `upload_order`, as time_text."""
    return upload_order[:23].ljust(23, "0") + "000Z"


@dataclass(frozen=True, slots=True)
class ChannelMark:
    """One channel's new state, for `StateTable.mark_all`: set while the channel still holds
    `content_hash` (and `action`, when given); `reason` None keeps the entry's reason."""

    channel: Channel
    content_hash: str
    state: str
    action: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a posting, and the order of versions (README, "Order and duplicates").

    A version counts as made at `updated_at` when the posting has one, else when its upload arrived
    (the S3 event time at the head of `upload_order`); equal times fall back to the upload order
    (event time, S3 sequencer, position in the file). One key per version, compared as a whole:
    a total order, so transitive also across versions with and without `updated_at`.
    """

    updated_at: str  # "" when the posting has none; time_text, so text order is time order
    upload_order: str  # event time + S3 sequencer + index in file, fixed width

    @property
    def made_at(self) -> str:
        """`updated_at`, or the upload's event time in the same fixed-width form."""
        return self.updated_at or upload_time_text(self.upload_order)

    def is_newer_than(self, other: Version) -> bool:
        return (self.made_at, self.upload_order) > (other.made_at, other.upload_order)

    @property
    def key(self) -> str:
        """The version as one text in the same order as `is_newer_than` (`made_at` is fixed width):
        what a feed-table entry is conditioned on."""
        return f"{self.made_at}|{self.upload_order}"

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> Version:
        return cls(str(item.get("updated_at", "")), str(item.get("upload_order", "")))


class StateTable:
    """One item per posting id. The ingest writes a version only while the item still holds the
    version it read (a lost race re-reads); a publisher changes a channel's status only while the
    item still holds its message's content hash and action; the expiry function finds open
    postings past `valid_through` in a sparse index (`expires_at`) and takes them down with the
    same conditional writes."""

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

    def expired_postings(self, now: str) -> Iterator[str]:
        """Ids of open postings whose `valid_through` is at or before `now` (time_text), from the
        sparse expiry index, one query per partition: eventually consistent, so read each item
        again before acting on it."""
        paginator = self._client.get_paginator("query")
        for partition in range(EXPIRY_PARTITIONS):
            pages = paginator.paginate(
                TableName=self._table,
                IndexName=EXPIRY_INDEX,
                KeyConditionExpression="expiry = :partition AND expires_at <= :now",
                ExpressionAttributeValues={
                    ":partition": {"S": expiry_partition(partition)},
                    ":now": {"S": now},
                },
            )
            for page in pages:
                for item in page.get("Items", []):
                    yield item["posting_id"]["S"]

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
        valid_through: str | None = None,
        expires_at: str | None = None,
    ) -> bool:
        """Store the new version and its channel plans if the item still holds `seen`.

        `expires_at` (time_text) puts the posting in the expiry index, None takes it out: the expiry
        function closes it there when that time has passed. Returns False when another writer got
        there first (the caller re-reads and decides again).
        """
        # An empty reason is left out: every byte counts once the item nears 1 KB, where each
        # write of it costs a second write unit.
        channels = {
            plan.channel: {
                "state": plan.state,
                "hash": content_hash,
                "action": plan.recorded_action,
                **({"reason": plan.reason} if plan.reason else {}),
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
        sets = [
            "content_hash = :hash, updated_at = :updated, upload_order = :order, posting_status = :status",
            "#source = :source, last_seen = :seen_at, channels = :channels",
        ]
        removes = []
        if valid_through:
            sets.append("valid_through = :valid_through")
            values[":valid_through"] = {"S": valid_through}
        else:
            removes.append("valid_through")
        if expires_at:
            sets.append("expiry = :expiry, expires_at = :expires_at")
            values[":expiry"] = {"S": expiry_partition(shard_of(posting_id) % EXPIRY_PARTITIONS)}
            values[":expires_at"] = {"S": expires_at}
        else:
            removes.append("expiry, expires_at")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return conditional_update(
            self._client,
            {
                "TableName": self._table,
                "Key": {"posting_id": {"S": posting_id}},
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#source": "source"},
                "ExpressionAttributeValues": values,
            },
        )

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
        action: str | None = None,
        reason: str | None = None,
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        entry_set: Mapping[str, Any] | None = None,
        entry_remove: tuple[str, ...] = (),
    ) -> bool:
        """Set a channel's state while the item still holds `content_hash` (and `action`, when given)
        for that channel; the channel's `last_error` goes with the old state, its `reason` (why it is
        skipped or taken down) stays unless a new one is given.

        `extra_set` sets further top-level attributes in the same write (LinkedIn's listing),
        `remove` deletes top-level attributes, `entry_set` sets further fields of the channel's
        entry (the LinkedIn task), `entry_remove` deletes fields of it (the task once it ended).
        Returns False when the message is stale.
        """
        sets: dict[str, Any] = {"state": state, "updated": _now_text(), **(entry_set or {})}
        if reason is not None:
            sets["reason"] = reason
        request = self._entry_update(
            posting_id,
            channel,
            content_hash,
            action,
            entry_set=sets,
            entry_remove=("last_error", *entry_remove),
            extra_set=extra_set,
            remove=remove,
        )
        return conditional_update(self._client, request)

    def note(
        self,
        posting_id: str,
        channel: Channel,
        content_hash: str,
        action: str | None,
        *,
        entry_set: Mapping[str, Any] | None = None,
        entry_remove: tuple[str, ...] = (),
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
    ) -> bool:
        """Set or remove fields of a channel's entry without changing its state (e.g. `last_error` of
        a delivery that will be retried), on the same condition as `mark`."""
        request = self._entry_update(
            posting_id,
            channel,
            content_hash,
            action,
            entry_set=entry_set or {},
            entry_remove=entry_remove,
            extra_set=extra_set,
            remove=remove,
        )
        return conditional_update(self._client, request)

    def mark_all(self, posting_id: str, marks: Sequence[ChannelMark]) -> bool:
        """Several channels' `mark` in ONE write (the item's write units once, not once per
        channel), on all their conditions together: False, changing nothing, when any fails (the
        caller then marks them one by one, so each channel still current is marked)."""
        names = {"#channels": "channels", "#hash": "hash", "#state": "state", "#updated": "updated"}
        values: dict[str, Any] = {":updated": {"S": _now_text()}}
        sets: list[str] = []
        removes: list[str] = []
        conditions: list[str] = []
        for n, mark in enumerate(marks):
            entry = f"#channels.#c{n}"
            names[f"#c{n}"] = mark.channel
            values[f":h{n}"] = {"S": mark.content_hash}
            values[f":s{n}"] = {"S": mark.state}
            sets += [f"{entry}.#state = :s{n}", f"{entry}.#updated = :updated"]
            if mark.reason is not None:
                names["#reason"] = "reason"
                values[f":r{n}"] = {"S": mark.reason}
                sets.append(f"{entry}.#reason = :r{n}")
            names["#last_error"] = "last_error"
            removes.append(f"{entry}.#last_error")
            conditions.append(f"{entry}.#hash = :h{n}")
            if mark.action is not None:
                names["#action"] = "action"
                values[f":a{n}"] = {"S": mark.action}
                conditions.append(f"{entry}.#action = :a{n}")
        return conditional_update(
            self._client,
            {
                "TableName": self._table,
                "Key": {"posting_id": {"S": posting_id}},
                "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
                "ConditionExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            },
        )

    def _entry_update(
        self,
        posting_id: str,
        channel: Channel,
        content_hash: str,
        action: str | None,
        *,
        entry_set: Mapping[str, Any],
        entry_remove: tuple[str, ...],
        extra_set: Mapping[str, Any] | None,
        remove: tuple[str, ...],
    ) -> dict[str, Any]:
        names = {"#channels": "channels", "#c": channel, "#hash": "hash"}
        values: dict[str, Any] = {":hash": {"S": content_hash}}
        sets: list[str] = []
        for position, (name, value) in enumerate(entry_set.items()):
            names[f"#e{position}"] = name
            values[f":e{position}"] = _to_dynamo(value)
            sets.append(f"#channels.#c.#e{position} = :e{position}")
        for position, (name, value) in enumerate((extra_set or {}).items()):
            names[f"#x{position}"] = name
            values[f":x{position}"] = _to_dynamo(value)
            sets.append(f"#x{position} = :x{position}")
        removes: list[str] = []
        for position, name in enumerate(entry_remove):
            names[f"#d{position}"] = name
            removes.append(f"#channels.#c.#d{position}")
        for position, name in enumerate(remove):
            names[f"#r{position}"] = name
            removes.append(f"#r{position}")
        expression = ("SET " + ", ".join(sets) if sets else "") + (
            " REMOVE " + ", ".join(removes) if removes else ""
        )
        condition = "#channels.#c.#hash = :hash"
        if action is not None:
            names["#action"] = "action"
            values[":action"] = {"S": action}
            condition += " AND #channels.#c.#action = :action"
        return {
            "TableName": self._table,
            "Key": {"posting_id": {"S": posting_id}},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    # --- expiry ----------------------------------------------------------------------------------

    def record_takedown(
        self, posting_id: str, seen: Version, content_hash: str, entries: Mapping[Channel, Mapping[str, Any]]
    ) -> bool:
        """Replace the given channels' entries while the item still holds this version and is still
        in the expiry index (so a version ingested meanwhile is never overwritten)."""
        names: dict[str, str] = {"#channels": "channels"}
        values: dict[str, Any] = {":order": {"S": seen.upload_order}, ":hash": {"S": content_hash}}
        sets = []
        for position, (channel, entry) in enumerate(entries.items()):
            names[f"#c{position}"] = channel
            values[f":c{position}"] = _to_dynamo({**entry, "updated": _now_text()})
            sets.append(f"#channels.#c{position} = :c{position}")
        return conditional_update(
            self._client,
            {
                "TableName": self._table,
                "Key": {"posting_id": {"S": posting_id}},
                "UpdateExpression": "SET " + ", ".join(sets),
                "ConditionExpression": (
                    "upload_order = :order AND content_hash = :hash AND attribute_exists(expires_at)"
                ),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            },
        )

    def leave_expiry_index(self, posting_id: str, seen: Version) -> bool:
        """Take the posting out of the expiry index once its take-down is queued (same version only)."""
        return conditional_update(
            self._client,
            {
                "TableName": self._table,
                "Key": {"posting_id": {"S": posting_id}},
                "UpdateExpression": "REMOVE expiry, expires_at",
                "ConditionExpression": "upload_order = :order",
                "ExpressionAttributeValues": {":order": {"S": seen.upload_order}},
            },
        )


# --- DynamoDB's attribute-value format ------------------------------------------------------------

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_dynamo(value: Any) -> dict[str, Any]:
    serialized: Any = _SERIALIZER.serialize(value)
    return dict(serialized)


def _from_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}
