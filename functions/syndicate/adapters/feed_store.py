"""The feed table (DynamoDB): each shared document's entries (Indeed feed, LinkedIn XML feed,
sitemap), cut into shards by posting id, and which shards changed since they were last rendered.
README "Scale" describes the design and its costs; `FeedStore` the item layout.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from syndicate.adapters.conditional import conditional_update

# The documents (and kept payloads) of the feed table, by the name their keys start with.
INDEED_FEED = "indeed"
LINKEDIN_FEED = "linkedin"
SITEMAP = "sitemap"
LINKEDIN_API_JOBS = "linkedin-api"  # kept, not built: the last job LinkedIn's API accepted per posting

SHARDS = 1024  # fixed: changing it moves every posting to another shard (a full rebuild)
TRANSACTION_ATTEMPTS = 4  # a transaction cancelled by a concurrent one on the same item is tried again


def shard_of(posting_id: str) -> int:
    """The posting's shard: stable across processes and releases (not Python's salted hash)."""
    digest = hashlib.sha256(posting_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % SHARDS


def shard_name(shard: int) -> str:
    return f"{shard:04d}"


@dataclass(frozen=True, slots=True)
class Entry:
    posting_id: str
    modified: str  # time text of the write (the sitemap's lastmod)
    payload: Any  # what the publisher stored (the rendered jobs), None when it stored nothing


@dataclass(frozen=True, slots=True)
class Shard:
    number: int
    version: int  # changes recorded so far
    built: int  # the version the current fragment was rendered from
    facts: Mapping[str, Any]  # what the builder recorded with the fragment (job count, files...)

    @property
    def dirty(self) -> bool:
        return self.version > self.built


class FeedStore:
    """Items: an entry per posting and document (partition `<document>#<shard>`, sort key the
    posting id, its rendered entries as zlib-compressed JSON); a kept payload that no document is
    built from, in the same layout (`keep`, `entry`); an item per shard (partition
    `<document>#shards`, sort key the shard) whose `version` counts its changes and `built` is the
    version its fragment was rendered from: dirty while version > built. An entry is written
    before its shard's version is raised, and the builder reads the version before the entries
    (both strongly consistent), so a change the builder did not see leaves its shard dirty."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # --- per change ------------------------------------------------------------------------------

    def publish(
        self,
        document: str,
        posting_id: str,
        payload: Any,
        modified: str,
        state_update: Mapping[str, Any],
    ) -> bool:
        """Store the posting's entry in `document` together with `state_update` (an UpdateItem of
        the state table, conditional on the message being current), then mark its shard dirty.
        Returns False, changing nothing, when the state's condition fails (a stale message)."""
        item = self._entry_item(document, posting_id, payload, modified)
        put = {"Put": {"TableName": self._table, "Item": item}}
        return self._change(document, posting_id, put, state_update)

    def keep(
        self, document: str, posting_id: str, payload: Any, modified: str, state_update: Mapping[str, Any]
    ) -> bool:
        """`publish` for a payload no document is built from: no shard is marked dirty."""
        item = self._entry_item(document, posting_id, payload, modified)
        put = {"Put": {"TableName": self._table, "Item": item}}
        return self._change(document, posting_id, put, state_update, dirty=False)

    def entry(self, document: str, posting_id: str) -> Entry | None:
        """The posting's entry in `document` (strongly consistent), None when it has none."""
        item = self._client.get_item(
            TableName=self._table, Key=self._entry_key(document, posting_id), ConsistentRead=True
        ).get("Item")
        return None if item is None else _entry_of(item)

    def withdraw(self, document: str, posting_id: str, state_update: Mapping[str, Any]) -> bool:
        """Take the posting's entry out of `document` together with `state_update`; as `publish`."""
        delete = {"Delete": {"TableName": self._table, "Key": self._entry_key(document, posting_id)}}
        return self._change(document, posting_id, delete, state_update)

    def _entry_item(self, document: str, posting_id: str, payload: Any, modified: str) -> dict[str, Any]:
        item: dict[str, Any] = {**self._entry_key(document, posting_id), "modified": {"S": modified}}
        if payload is not None:
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            item["payload"] = {"B": zlib.compress(text.encode("utf-8"))}
        return item

    def _change(
        self,
        document: str,
        posting_id: str,
        write: dict[str, Any],
        state_update: Mapping[str, Any],
        *,
        dirty: bool = True,
    ) -> bool:
        items = [{"Update": dict(state_update)}, write]
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                self._client.transact_write_items(TransactItems=items)
                break
            except ClientError as error:
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    return False
                if "TransactionConflict" in reasons and attempt < TRANSACTION_ATTEMPTS:
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise
        if dirty:
            self.mark_dirty(document, shard_of(posting_id))
        return True

    def mark_dirty(self, document: str, shard: int) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._shard_key(document, shard),
            UpdateExpression="ADD #version :one",
            ExpressionAttributeNames={"#version": "version"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    # --- the builder -----------------------------------------------------------------------------

    def shards(self, document: str) -> list[Shard]:
        """Every shard of `document` that ever changed (strongly consistent), in shard order."""
        found = [
            Shard(
                number=int(item["sk"]["S"]),
                version=int(item.get("version", {}).get("N", "0")),
                built=int(item.get("built", {}).get("N", "0")),
                facts=json.loads(item["facts"]["S"]) if "facts" in item else {},
            )
            for item in self._partition(f"{document}#shards")
        ]
        return sorted(found, key=lambda shard: shard.number)

    def entries(self, document: str, shard: int) -> Iterator[Entry]:
        """The shard's entries in posting id order, page by page (strongly consistent)."""
        for item in self._partition(f"{document}#{shard_name(shard)}"):
            yield _entry_of(item)

    def _partition(self, pk: str) -> Iterator[dict[str, Any]]:
        """Every item of the partition `pk` in sort key order, page by page (strongly consistent)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        for page in pages:
            yield from page.get("Items", [])

    def record_build(self, document: str, shard: int, version: int, facts: Mapping[str, Any]) -> bool:
        """Record that the shard's fragment now holds its entries as of `version`; never moves back
        (False when a later build already recorded a later version)."""
        return conditional_update(
            self._client,
            {
                "TableName": self._table,
                "Key": self._shard_key(document, shard),
                "UpdateExpression": "SET built = :version, facts = :facts",
                "ConditionExpression": "attribute_not_exists(built) OR built < :version",
                "ExpressionAttributeValues": {
                    ":version": {"N": str(version)},
                    ":facts": {"S": json.dumps(dict(facts), separators=(",", ":"))},
                },
            },
        )

    # --- keys ------------------------------------------------------------------------------------

    @staticmethod
    def _entry_key(document: str, posting_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"{document}#{shard_name(shard_of(posting_id))}"}, "sk": {"S": posting_id}}

    @staticmethod
    def _shard_key(document: str, shard: int) -> dict[str, Any]:
        return {"pk": {"S": f"{document}#shards"}, "sk": {"S": shard_name(shard)}}


def _entry_of(item: Mapping[str, Any]) -> Entry:
    payload = None
    if "payload" in item:
        payload = json.loads(zlib.decompress(bytes(item["payload"]["B"])).decode("utf-8"))
    return Entry(item["sk"]["S"], item["modified"]["S"], payload)
