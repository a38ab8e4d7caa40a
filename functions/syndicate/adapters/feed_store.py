"""The feed table (DynamoDB): each shared document's entries (Indeed feed, LinkedIn XML feed,
sitemap), cut into shards by posting id, and which shards changed since they were last rendered.
README "Scale" describes the design and its costs; `FeedStore` the item layout.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.adapters.conditional import conditional_put, conditional_update

# The documents (and kept payloads) of the feed table, by the name their keys start with.
INDEED_FEED = "indeed"
LINKEDIN_FEED = "linkedin"
SITEMAP = "sitemap"
LINKEDIN_API_JOBS = "linkedin-api"  # kept, not built: the last job LinkedIn's API accepted per posting

SHARDS = 1024  # fixed: changing it moves every posting to another shard (a full rebuild)
# How long a removal's tombstone outlives it: longer than any message can (a standard queue's message
# expires 14 days after its first send, SQS's maximum, in the dead-letter queue too).
TOMBSTONE_SECONDS = 15 * 24 * 3600
# A shard's entries are read this many a Query, so the builder holds one such page (an entry is about
# 2 KB compressed) whatever the number of open jobs. Unbounded, a page grows to DynamoDB's 1 MB cap
# (about 460 entries a shard, some 470,000 open jobs), measured at 4.4 MiB of heap to parse it.
ENTRIES_PER_PAGE = 100


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
    posting id, its rendered entries as zlib-compressed JSON, and `v`, the key of the posting's
    version it was written for); a kept payload that no document is built from, in the same layout
    (`keep`, `entry`); an item per shard (partition `<document>#shards`, sort key the shard) whose
    `version` counts its changes and `built` is the version its fragment was rendered from: dirty
    while version > built. An entry is written before its shard's version is raised, and the
    builder reads the version before the entries (both strongly consistent), so a change the
    builder did not see leaves its shard dirty.

    An entry is written only over an older version's (`v` compared as text, `Version.key`): a
    stale message can never put an old entry back, whatever the state table says meanwhile. A
    removal leaves a tombstone (`gone`, no payload) that holds its version against older upserts
    until DynamoDB's TTL (`expiration`) deletes it, after any message older than it has expired."""

    def __init__(self, client: Any, table_name: str, now: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._now = now

    # --- per change ------------------------------------------------------------------------------

    def publish(self, document: str, posting_id: str, payload: Any, modified: str, version: str) -> bool:
        """Store the posting's entry in `document` for `version` (a `Version.key`) unless an entry of
        a newer version, or the removal of this one, is there; then mark its shard dirty. False,
        changing nothing, when it is not stored."""
        if not self._put_entry(document, posting_id, payload, modified, version):
            return False
        self.mark_dirty(document, shard_of(posting_id))
        return True

    def keep(self, document: str, posting_id: str, payload: Any, modified: str, version: str) -> bool:
        """`publish` for a payload no document is built from: no shard is marked dirty."""
        return self._put_entry(document, posting_id, payload, modified, version)

    def withdraw(self, document: str, posting_id: str, modified: str, version: str) -> bool:
        """Take the posting out of `document` for `version`: a tombstone replaces its entry unless an
        entry of a newer version is there; then mark its shard dirty. False when it is not stored."""
        item = {
            **self._entry_key(document, posting_id),
            "modified": {"S": modified},
            "v": {"S": version},
            "gone": {"BOOL": True},
            "expiration": {"N": str(int(self._now()) + TOMBSTONE_SECONDS)},
        }
        condition = "attribute_not_exists(#v) OR #v <= :v"
        if not self._put_if(item, condition, version):
            return False
        self.mark_dirty(document, shard_of(posting_id))
        return True

    def entry(self, document: str, posting_id: str) -> Entry | None:
        """The posting's entry in `document` (strongly consistent), None when it has none."""
        item = self._client.get_item(
            TableName=self._table, Key=self._entry_key(document, posting_id), ConsistentRead=True
        ).get("Item")
        return None if item is None or "gone" in item else _entry_of(item)

    def _put_entry(self, document: str, posting_id: str, payload: Any, modified: str, version: str) -> bool:
        item: dict[str, Any] = {
            **self._entry_key(document, posting_id),
            "modified": {"S": modified},
            "v": {"S": version},
        }
        if payload is not None:
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            item["payload"] = {"B": zlib.compress(text.encode("utf-8"))}
        # The same version may be written again (a redelivery after a crash), never over its removal.
        condition = "attribute_not_exists(#v) OR #v < :v OR (#v = :v AND attribute_not_exists(#gone))"
        return self._put_if(item, condition, version)

    def _put_if(self, item: dict[str, Any], condition: str, version: str) -> bool:
        return conditional_put(
            self._client,
            {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": condition,
                # DynamoDB refuses a name the expression does not use.
                "ExpressionAttributeNames": {name: name[1:] for name in ("#v", "#gone") if name in condition},
                "ExpressionAttributeValues": {":v": {"S": version}},
            },
        )

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
        """The shard's entries in posting id order, page by page (strongly consistent); removals'
        tombstones left out."""
        # filter and map, not a loop variable: no item is held while the next page is read
        items = self._partition(f"{document}#{shard_name(shard)}", ENTRIES_PER_PAGE)
        yield from map(_entry_of, filter(lambda item: "gone" not in item, items))

    def _partition(self, pk: str, page_items: int | None = None) -> Iterator[dict[str, Any]]:
        """Every item of the partition `pk` in sort key order, page by page (strongly consistent),
        at most `page_items` a page. Each item is let go as it is handed out, so a page is gone by
        the time the next one is read."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
            PaginationConfig={"PageSize": page_items} if page_items else {},
        )
        for page in pages:
            items = page.get("Items", [])
            items.reverse()
            while items:
                yield items.pop()

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
