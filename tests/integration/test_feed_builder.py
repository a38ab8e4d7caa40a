"""The shared documents at scale: a change costs the same calls whatever the number of open jobs, the
builder re-renders only the shards that changed, no change is lost to a build running at the same
time, and the protocol limits hold (LinkedIn's jobs per feed, sitemap files under their limits).
Also the per-change writes that keep that cost low stay correct: job pages by compare-and-swap (an
older version never overwrites a newer page, interleavings forced), and the ingest's one write
marking a version's channels queued.

Calls are counted with botocore event hooks on the functions' own clients (counts, never timings).
Open jobs are seeded through the real publishers, not the whole pipeline, to keep the sizes cheap.
"""

from __future__ import annotations

import importlib
import threading
import weakref
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from infra.runtime import EmbeddedStack
from infra.runtime.aws_env import patched_environ

from syndicate.adapters import feed_store
from syndicate.adapters.feed_store import FeedStore, shard_of
from syndicate.adapters.queues import SendOutcome
from syndicate.adapters.state import StateTable, Version
from syndicate.core.channels import linkedin_feed, sitemap
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.ingest import Ingest
from syndicate.pipeline.publishers.base import DUE
from syndicate.pipeline.publishers.indeed import IndeedPublisher
from syndicate.pipeline.publishers.linkedin import LinkedInFeedPublisher
from syndicate.pipeline.publishers.schemaorg import SchemaOrgPublisher
from tests.integration.pipeline_helpers import (
    PARAMETERS,
    event_for,
    feed_posting_ids,
    local_stack,
    object_bytes,
    sitemap_urls,
)

FEED_PARAMETERS = {**PARAMETERS, "LinkedInDelivery": "feed"}


@pytest.fixture
def stack() -> Iterator[EmbeddedStack]:
    with local_stack(FEED_PARAMETERS) as (running, _):
        running.drain()  # the s3:TestEvent S3 sends when the notification is configured
        yield running


def indeed_job(posting_id: str, title: str = "Cook") -> dict[str, str]:
    return {"title": title, "referencenumber": f"{posting_id}-000000000000", "requisitionid": posting_id}


def message(posting_id: str, channel: str, action: str, payload: Any, version: str = "h1") -> ChannelMessage:
    return ChannelMessage(
        posting_id=posting_id,
        channel=channel,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        content_hash=version,
        upload_order=f"order-{version}",
        source="incoming/test.jsonl",
        payload=payload,
    )


def expect(stack: EmbeddedStack, posting_id: str, channel: str, action: str, version: str = "h1") -> None:
    """What ingest records before queuing: the channel waits for this version and action."""
    stack.dynamodb.update_item(
        TableName=stack.environment()["STATE_TABLE"],
        Key={"posting_id": {"S": posting_id}},
        UpdateExpression="SET channels = if_not_exists(channels, :empty)",
        ExpressionAttributeValues={":empty": {"M": {}}},
    )
    stack.dynamodb.update_item(
        TableName=stack.environment()["STATE_TABLE"],
        Key={"posting_id": {"S": posting_id}},
        UpdateExpression="SET channels.#c = :entry, upload_order = :order",
        ExpressionAttributeNames={"#c": channel},
        ExpressionAttributeValues={
            ":entry": {"M": {"hash": {"S": version}, "action": {"S": action}, "state": {"S": "queued"}}},
            ":order": {"S": f"order-{version}"},  # as `message` sends it
        },
    )


def publishers(stack: EmbeddedStack) -> tuple[IndeedPublisher, LinkedInFeedPublisher]:
    environment = stack.environment()
    stores: dict[str, Any] = {
        "s3": stack.s3,
        "state": StateTable(stack.dynamodb, environment["STATE_TABLE"]),
        "dynamodb": stack.dynamodb,
        "table_name": environment["STATE_TABLE"],
        "feeds": FeedStore(stack.dynamodb, environment["FEED_TABLE"]),
    }
    return IndeedPublisher(**stores), LinkedInFeedPublisher(**stores)


def open_indeed_jobs(
    stack: EmbeddedStack, posting_ids: list[str], title: str = "Cook", version: str = "h1"
) -> None:
    indeed, _ = publishers(stack)
    for posting_id in posting_ids:
        expect(stack, posting_id, "indeed", "upsert", version)
        outcome = indeed.apply(
            message(posting_id, "indeed", "upsert", [indeed_job(posting_id, title)], version)
        )
        assert outcome == "published"


def send(stack: EmbeddedStack, queue: str, messages: list[ChannelMessage]) -> list[Any]:
    url = stack.queue(queue).url
    for item in messages:
        stack.sqs.send_message(QueueUrl=url, MessageBody=item.to_json())
    received = stack.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    return list(received)


@contextmanager
def counting(*clients: Any) -> Iterator[Counter[str]]:
    """Every AWS call the clients make inside the block, by "service.Operation"."""
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        calls[event_name.removeprefix("before-call.")] += 1

    for client in clients:
        client.meta.events.register("before-call.*.*", count)
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.*.*", count)


def handler_module(stack: EmbeddedStack, function_logical_id: str) -> Any:
    """The function's handler module, imported (as Lambda would) within its environment."""
    with patched_environ(stack.environment(function_logical_id)):
        return importlib.import_module(stack.model.functions[function_logical_id].handler.rpartition(".")[0])


# -- a change costs the same whatever N ----------------------------------------------------------------


def calls_for_one_change(open_jobs: int) -> tuple[Counter[str], Counter[str]]:
    """(the Indeed publisher's calls for one new posting, the builder's calls for the build after it)
    with `open_jobs` Indeed jobs open and built beforehand."""
    with local_stack(FEED_PARAMETERS) as (stack, _):
        stack.drain()
        open_indeed_jobs(stack, [f"OPEN-{n:05d}" for n in range(open_jobs)])
        stack.run_schedule("FeedBuilderFunction")
        expect(stack, "NEW-1", "indeed", "upsert")
        event = event_for(
            stack,
            "IndeedQueue",
            send(stack, "IndeedQueue", [message("NEW-1", "indeed", "upsert", [indeed_job("NEW-1")])]),
        )
        publisher = handler_module(stack, "IndeedPublisherFunction")
        builder = handler_module(stack, "FeedBuilderFunction")
        with counting(publisher.s3, publisher.dynamodb) as published:
            assert stack.invoke("IndeedPublisherFunction", event) == {"batchItemFailures": []}
        with counting(builder.s3, builder.dynamodb) as built:
            assert stack.run_schedule("FeedBuilderFunction")["rendered"]["indeed"] == 1
        assert len(feed_posting_ids(stack)) == open_jobs + 1
        return published, built


def test_a_change_costs_the_same_calls_whatever_the_number_of_open_jobs() -> None:
    small_publish, small_build = calls_for_one_change(5)
    large_publish, large_build = calls_for_one_change(300)

    assert small_publish == large_publish  # per change: the same calls, operation by operation
    assert sum(large_publish.values()) <= 8, large_publish
    assert large_publish["dynamodb.Scan"] == 0 and large_publish["s3.ListObjectsV2"] == 0
    # The build after it re-renders one shard at either size (one Query of its partition, one
    # fragment written); only assembling reads one fragment per non-empty shard, bounded by the
    # shard count, once per build however many changes it takes in.
    for build in (small_build, large_build):
        assert build["dynamodb.Scan"] == 0
    queries = large_build["dynamodb.Query"] - small_build["dynamodb.Query"]
    assert queries == 0, (small_build, large_build)


# -- only dirty shards are re-rendered --------------------------------------------------------------------


def test_the_builder_renders_only_the_shards_that_changed(stack: EmbeddedStack) -> None:
    ids = [f"JOB-{n:03d}" for n in range(60)]
    open_indeed_jobs(stack, ids)
    first = stack.run_schedule("FeedBuilderFunction")
    assert first["rendered"]["indeed"] == len({shard_of(i) for i in ids})
    assert stack.run_schedule("FeedBuilderFunction")["rendered"] == {"indeed": 0, "linkedin": 0, "sitemap": 0}

    changed = ids[:3]
    open_indeed_jobs(stack, changed, title="Head cook", version="h2")
    builder = handler_module(stack, "FeedBuilderFunction")
    with counting(builder.dynamodb) as calls:
        second = stack.run_schedule("FeedBuilderFunction")

    dirty = {shard_of(i) for i in changed}
    assert second["rendered"]["indeed"] == len(dirty)
    assert calls["dynamodb.Query"] == 3 + len(dirty)  # the three documents' shard lists + the dirty shards
    titles = {job["referencenumber"].rsplit("-", 1)[0]: job["title"] for job in feed_jobs_by_id(stack)}
    assert {i for i, title in titles.items() if title == "Head cook"} == set(changed)
    assert sorted(titles) == ids


def feed_jobs_by_id(stack: EmbeddedStack) -> list[dict[str, str]]:
    body = object_bytes(stack, "FeedBucket", "indeed/feed.xml")
    assert body is not None
    return [{child.tag: child.text or "" for child in job} for job in ET.fromstring(body).findall("job")]


# -- races ------------------------------------------------------------------------------------------------


def test_a_change_stored_while_its_shard_renders_keeps_the_shard_dirty(stack: EmbeddedStack) -> None:
    """The interleaving a lost update needs, forced: a publisher stores a posting in a shard after
    the builder has read that shard's entries and before it records the shard as built."""
    open_indeed_jobs(stack, ["FIRST-1"])
    late = next(f"LATE-{n}" for n in range(10_000) if shard_of(f"LATE-{n}") == shard_of("FIRST-1"))
    builder = handler_module(stack, "FeedBuilderFunction")
    stored = threading.Event()

    def store_late_change(params: dict[str, Any], **_: Any) -> None:
        recording_a_build = "built" in params.get("UpdateExpression", "")
        if recording_a_build and params["Key"]["pk"]["S"] == "indeed#shards" and not stored.is_set():
            stored.set()
            open_indeed_jobs(stack, [late])

    builder.dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", store_late_change)
    try:
        stack.run_schedule("FeedBuilderFunction")
    finally:
        builder.dynamodb.meta.events.unregister(
            "before-parameter-build.dynamodb.UpdateItem", store_late_change
        )
    assert stored.is_set()
    assert feed_posting_ids(stack) == ["FIRST-1"]  # rendered before the late change

    assert stack.run_schedule("FeedBuilderFunction")["rendered"]["indeed"] == 1  # still dirty: rendered again
    assert sorted(feed_posting_ids(stack)) == sorted(["FIRST-1", late])


def test_two_builders_at_once_never_run_together_and_lose_nothing(stack: EmbeddedStack) -> None:
    open_indeed_jobs(stack, [f"A-{n}" for n in range(20)])
    builder = handler_module(stack, "FeedBuilderFunction")
    inside, release = threading.Event(), threading.Event()

    def hold(**_: Any) -> None:
        if not inside.is_set():
            inside.set()
            assert release.wait(30)

    builder.s3.meta.events.register("before-call.s3.PutObject", hold)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(stack.run_schedule, "FeedBuilderFunction")
            assert inside.wait(30)
            open_indeed_jobs(stack, [f"B-{n}" for n in range(5)])  # changes while the first build runs
            second = stack.run_schedule("FeedBuilderFunction")
            release.set()
            first_result = first.result(timeout=60)
    finally:
        builder.s3.meta.events.unregister("before-call.s3.PutObject", hold)

    assert second == {"skipped": True, "rendered": {}}
    assert first_result["skipped"] is False
    stack.run_schedule("FeedBuilderFunction")
    assert sorted(feed_posting_ids(stack)) == sorted(
        [f"A-{n}" for n in range(20)] + [f"B-{n}" for n in range(5)]
    )


def test_a_stale_message_never_puts_an_old_entry_back(stack: EmbeddedStack) -> None:
    indeed, _ = publishers(stack)
    expect(stack, "STALE-1", "indeed", "upsert", "h2")  # ingest moved on to version h2
    assert (
        indeed.apply(message("STALE-1", "indeed", "upsert", [indeed_job("STALE-1", "Old")], "h2"))
        == "published"
    )
    old = message("STALE-1", "indeed", "upsert", [indeed_job("STALE-1", "Older")], "h1")
    # The race `standing` cannot see: the check passed (the state held h1), then the state moved on
    # and h2 was published before this message's writes.
    seen = Version("", "order-h1")
    assert indeed.record_entry("indeed", old, seen, old.payload) == "superseded"
    stack.run_schedule("FeedBuilderFunction")
    assert [job["title"] for job in feed_jobs_by_id(stack)] == ["Old"]
    # Nor does a removal of the older version take the newer entry out.
    gone = message("STALE-1", "indeed", "remove", None, "h1")
    assert indeed.record_entry("indeed", gone, seen) == "superseded"
    stack.run_schedule("FeedBuilderFunction")
    assert [job["title"] for job in feed_jobs_by_id(stack)] == ["Old"]


def test_a_stale_upsert_never_brings_back_an_entry_a_newer_version_removed(stack: EmbeddedStack) -> None:
    indeed, _ = publishers(stack)
    open_indeed_jobs(stack, ["GONE-1"], title="Open")
    expect(stack, "GONE-1", "indeed", "remove", "h2")  # closed by version h2
    assert indeed.apply(message("GONE-1", "indeed", "remove", None, "h2")) == "removed"
    late = message("GONE-1", "indeed", "upsert", [indeed_job("GONE-1", "Open")], "h1")
    # Its check passed before h2 was recorded: the removal's tombstone still refuses it.
    assert indeed.record_entry("indeed", late, Version("", "order-h1"), late.payload) == "superseded"
    stack.run_schedule("FeedBuilderFunction")
    assert feed_jobs_by_id(stack) == []


def test_a_crash_between_the_entry_and_the_state_is_repaired_by_the_redelivery(
    stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    indeed, _ = publishers(stack)
    expect(stack, "CRASH-1", "indeed", "upsert")
    first = message("CRASH-1", "indeed", "upsert", [indeed_job("CRASH-1", "Baker")])

    def crash(*_: Any, **__: Any) -> bool:
        raise ConnectionError("the function stopped after writing the entry")

    with monkeypatch.context() as patch:
        patch.setattr(indeed.state, "mark", crash)
        with pytest.raises(ConnectionError):
            indeed.apply(first)
    # The entry is stored, the state is not marked: the message is still due, and SQS delivers it again.
    assert indeed.feeds is not None and indeed.feeds.entry("indeed", "CRASH-1") is not None
    assert indeed.standing(first).outcome == DUE

    assert indeed.apply(first) == "published"  # the same version's entry is written again, then the state
    assert indeed.apply(first) == "published"  # and once more: applied, nothing changes
    state = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"])
    assert state.channel_entry("CRASH-1", "indeed")["state"] == "published"
    stack.run_schedule("FeedBuilderFunction")
    assert [job["title"] for job in feed_jobs_by_id(stack)] == ["Baker"]


# -- protocol limits through the builder ---------------------------------------------------------------


def test_linkedin_feed_is_split_past_its_job_limit_and_shrinks_back(
    stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linkedin_feed, "MAX_JOBS", 4)
    _, linkedin = publishers(stack)
    ids = [f"LI-{n:02d}" for n in range(10)]
    for posting_id in ids:
        expect(stack, posting_id, "linkedin", "upsert")
        job = {"partnerJobId": posting_id, "title": "Cook"}
        assert linkedin.apply(message(posting_id, "linkedin", "upsert", [job])) == "published"
    stack.run_schedule("FeedBuilderFunction")

    files = linkedin_files(stack)
    assert list(files) == ["linkedin/feed-2.xml", "linkedin/feed-3.xml", "linkedin/feed.xml"]
    assert all(len(jobs) <= 4 for jobs in files.values())
    assert sorted(j for jobs in files.values() for j in jobs) == ids

    for posting_id in ids[:7]:
        expect(stack, posting_id, "linkedin", "remove")
        assert linkedin.apply(message(posting_id, "linkedin", "remove", None)) == "removed"
    stack.run_schedule("FeedBuilderFunction")
    files = linkedin_files(stack)
    assert list(files) == ["linkedin/feed.xml"]  # the files of the longer split are gone
    assert sorted(files["linkedin/feed.xml"]) == ids[7:]


def linkedin_files(stack: EmbeddedStack) -> dict[str, list[str]]:
    name = stack.bucket("FeedBucket").name
    keys = [o["Key"] for o in stack.s3.list_objects_v2(Bucket=name, Prefix="linkedin/").get("Contents", [])]
    files: dict[str, list[str]] = {}
    for key in sorted(keys):
        body = object_bytes(stack, "FeedBucket", key)
        assert body is not None
        files[key] = [job.findtext("partnerJobId") or "" for job in ET.fromstring(body).findall("job")]
    return files


def entries_in_one_shard(stack: EmbeddedStack, document: str, count: int) -> tuple[FeedStore, list[str]]:
    """`count` postings whose ids share a shard, each stored in `document` (the Indeed feed: a job
    each; the sitemap: its time) as their publisher stores them."""
    same_shard = [f"S-{n}" for n in range(20_000) if shard_of(f"S-{n}") == shard_of("S-0")][:count]
    feeds = FeedStore(stack.dynamodb, stack.environment()["FEED_TABLE"])
    for posting_id in same_shard:
        payload = [indeed_job(posting_id)] if document == "indeed" else None
        assert feeds.publish(document, posting_id, payload, "2026-11-20T10:00:00.000000Z", "order-h1")
    return feeds, same_shard


def test_a_shard_past_the_sitemap_limit_gets_more_sitemap_files(
    stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitemap, "MAX_URLS", 2)
    feeds, same_shard = entries_in_one_shard(stack, "sitemap", 5)
    stack.run_schedule("FeedBuilderFunction")

    keys = [
        o["Key"]
        for o in stack.s3.list_objects_v2(Bucket=stack.bucket("SiteBucket").name, Prefix="sitemaps/")[
            "Contents"
        ]
    ]
    assert len(keys) == 3  # 5 pages, 2 a file
    base = PARAMETERS["SiteBaseUrl"]
    assert sorted(sitemap_urls(stack)) == sorted(f"{base}/jobs/{i}.html" for i in same_shard)
    index = object_bytes(stack, "SiteBucket", "sitemap.xml")
    assert index is not None and b"<lastmod>2026-11-20T10:00:00+00:00</lastmod>" in index
    robots = object_bytes(stack, "SiteBucket", "robots.txt")
    assert robots is not None and f"Sitemap: {base}/sitemap.xml".encode() in robots.splitlines()

    stack.s3.put_object(Bucket=stack.bucket("SiteBucket").name, Key="robots.txt", Body=b"User-agent: *\n")
    feeds.mark_dirty("sitemap", shard_of(same_shard[0]))
    stack.run_schedule("FeedBuilderFunction")
    assert object_bytes(stack, "SiteBucket", "robots.txt") == b"User-agent: *\n"  # the operator's own stays


class _Tracked(dict[str, Any]):
    """An item as botocore parsed it, that a weak reference can watch."""


def test_a_shard_streams_in_pages_each_let_go_before_the_next_is_read(
    stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder's memory stays flat however full a shard gets: its entries come in Queries of at
    most ENTRIES_PER_PAGE items, and a page's items are gone before the next page is asked for."""
    monkeypatch.setattr(feed_store, "ENTRIES_PER_PAGE", 3)
    feeds, same_shard = entries_in_one_shard(stack, "indeed", 8)
    pages: list[int] = []
    alive: list[weakref.ref[_Tracked]] = []

    def before_query(params: dict[str, Any], **_: Any) -> None:
        assert params.get("Limit") == 3
        assert not [ref for ref in alive if ref() is not None], "a page outlived its items"

    def after_query(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Items"] = [_Tracked(item) for item in parsed.get("Items", [])]
        alive.extend(weakref.ref(item) for item in parsed["Items"])
        pages.append(len(parsed["Items"]))

    stack.dynamodb.meta.events.register("before-parameter-build.dynamodb.Query", before_query)
    stack.dynamodb.meta.events.register("after-call.dynamodb.Query", after_query)
    try:
        read = [entry.posting_id for entry in feeds.entries("indeed", shard_of(same_shard[0]))]
    finally:
        stack.dynamodb.meta.events.unregister("before-parameter-build.dynamodb.Query", before_query)
        stack.dynamodb.meta.events.unregister("after-call.dynamodb.Query", after_query)

    assert read == sorted(same_shard)
    assert pages[:3] == [3, 3, 2]


def test_a_missing_fragment_keeps_the_last_feed_and_is_rendered_again(stack: EmbeddedStack) -> None:
    open_indeed_jobs(stack, ["KEEP-1", "KEEP-2"])
    stack.run_schedule("FeedBuilderFunction")
    lost = shard_of("KEEP-1")
    stack.s3.delete_object(Bucket=stack.bucket("FeedBucket").name, Key=f"fragments/indeed/{lost:04d}.xml")
    other = next(f"NEW-{n}" for n in range(10_000) if shard_of(f"NEW-{n}") not in (lost, shard_of("KEEP-2")))
    open_indeed_jobs(stack, [other])

    stack.run_schedule("FeedBuilderFunction")  # cannot assemble: the feed stays as it was
    assert sorted(feed_posting_ids(stack)) == ["KEEP-1", "KEEP-2"]

    assert stack.run_schedule("FeedBuilderFunction")["rendered"]["indeed"] == 1  # the lost shard
    assert sorted(feed_posting_ids(stack)) == sorted(["KEEP-1", "KEEP-2", other])


# -- job pages: an older version never overwrites a newer page --------------------------------------


def schemaorg_publisher(stack: EmbeddedStack, s3: Any) -> SchemaOrgPublisher:
    environment = stack.environment()
    indeed, _ = publishers(stack)
    return SchemaOrgPublisher(
        s3=s3,
        state=indeed.state,
        dynamodb=stack.dynamodb,
        table_name=environment["STATE_TABLE"],
        feeds=indeed.feeds,
        site_bucket=environment["SITE_BUCKET"],
        site_base_url=environment["SITE_BASE_URL"],
    )


def page_message(posting_id: str, action: str, title: str, version: str) -> ChannelMessage:
    payload = {"page": f"<!doctype html><title>{title}</title>"} if action == "upsert" else None
    return message(posting_id, "schemaorg", action, payload, version)


def site_page(stack: EmbeddedStack, posting_id: str) -> str | None:
    body = object_bytes(stack, "SiteBucket", f"jobs/{posting_id}.html")
    return None if body is None else body.decode("utf-8")


def interleaved(stack: EmbeddedStack, operation: str, meanwhile: Callable[[], None]) -> Any:
    """An S3 client of its own for the slow publisher: `meanwhile` runs once, just before its first
    `operation` call goes out (after its checks passed: the window the race needs)."""
    s3 = boto3.session.Session().client(
        "s3", region_name=stack.s3.meta.region_name, endpoint_url=stack.s3.meta.endpoint_url
    )
    pending = [meanwhile]

    def before(**_: Any) -> None:
        while pending:
            pending.pop()()

    s3.meta.events.register(f"before-call.s3.{operation}", before)
    return s3


def state_moves_and_is_applied(
    stack: EmbeddedStack, posting_id: str, action: str, title: str, version: str
) -> Callable[[], None]:
    """What runs meanwhile: ingest (or expiry) records `version` and `action`, and that message is
    applied in full by another publisher."""

    def meanwhile() -> None:
        expect(stack, posting_id, "schemaorg", action, version)
        outcome = schemaorg_publisher(stack, stack.s3).apply(page_message(posting_id, action, title, version))
        assert outcome == ("published" if action == "upsert" else "removed")

    return meanwhile


def test_an_older_page_written_after_a_newer_one_never_replaces_it(stack: EmbeddedStack) -> None:
    expect(stack, "RACE-1", "schemaorg", "upsert", "h1")
    newer_version_published = state_moves_and_is_applied(stack, "RACE-1", "upsert", "New", "h2")
    slow = schemaorg_publisher(stack, interleaved(stack, "PutObject", newer_version_published))

    assert slow.apply(page_message("RACE-1", "upsert", "Old", "h1")) == "superseded"
    page = site_page(stack, "RACE-1")
    assert page is not None and "<title>New</title>" in page
    assert (
        StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"]).channel_entry("RACE-1", "schemaorg")[
            "hash"
        ]
        == "h2"
    )


def test_an_older_page_written_after_its_removal_is_taken_back(stack: EmbeddedStack) -> None:
    expect(stack, "RACE-2", "schemaorg", "upsert", "h1")
    # Expiry takes h1 down meanwhile; the removal finds no page yet.
    taken_down_meanwhile = state_moves_and_is_applied(stack, "RACE-2", "remove", "", "h1")
    slow = schemaorg_publisher(stack, interleaved(stack, "PutObject", taken_down_meanwhile))

    assert slow.apply(page_message("RACE-2", "upsert", "Old", "h1")) == "superseded"
    assert site_page(stack, "RACE-2") is None


def test_a_removal_never_deletes_the_page_of_a_newer_version(stack: EmbeddedStack) -> None:
    expect(stack, "RACE-3", "schemaorg", "upsert", "h1")
    assert schemaorg_publisher(stack, stack.s3).apply(page_message("RACE-3", "upsert", "One", "h1")) == (
        "published"
    )
    expect(stack, "RACE-3", "schemaorg", "remove", "h1")
    reopened_meanwhile = state_moves_and_is_applied(stack, "RACE-3", "upsert", "Two", "h2")  # a new h2
    slow = schemaorg_publisher(stack, interleaved(stack, "DeleteObject", reopened_meanwhile))

    assert slow.apply(page_message("RACE-3", "remove", "", "h1")) == "superseded"
    page = site_page(stack, "RACE-3")
    assert page is not None and "<title>Two</title>" in page


def test_a_page_delivered_again_changes_nothing(stack: EmbeddedStack) -> None:
    expect(stack, "AGAIN-1", "schemaorg", "upsert", "h1")
    publisher = schemaorg_publisher(stack, stack.s3)
    first = page_message("AGAIN-1", "upsert", "Once", "h1")
    assert publisher.apply(first) == "published"
    entry = publisher.state.channel_entry("AGAIN-1", "schemaorg")
    with counting(stack.s3) as calls:
        assert publisher.apply(first) == "published"  # a redelivery: its work is found done
    assert calls["s3.PutObject"] == 0
    assert publisher.state.channel_entry("AGAIN-1", "schemaorg") == entry


# -- ingest: a version's channels marked queued in one write ------------------------------------------


def sent(posting_id: str, channel: str, version: str, error: str | None = None) -> SendOutcome:
    return SendOutcome(message(posting_id, channel, "upsert", None, version), error)


def ingest_of(stack: EmbeddedStack) -> Ingest:
    state = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"])
    return Ingest(state, lambda _: None, datetime.now(UTC))  # type: ignore[arg-type, return-value]


def test_a_versions_channels_are_marked_queued_in_one_write(stack: EmbeddedStack) -> None:
    for channel in ("indeed", "schemaorg"):
        expect(stack, "MARK-1", channel, "upsert", "h1")
    ingest = ingest_of(stack)
    with counting(stack.dynamodb) as calls:
        ingest._mark_sent([sent("MARK-1", "indeed", "h1"), sent("MARK-1", "schemaorg", "h1", "queue gone")])
    assert calls["dynamodb.UpdateItem"] == 1
    state = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"])
    assert state.channel_entry("MARK-1", "indeed")["state"] == "queued"
    failed = state.channel_entry("MARK-1", "schemaorg")
    assert (failed["state"], failed["reason"]) == ("failed", "queue gone")


def test_a_channel_that_moved_on_is_left_alone_and_the_others_are_marked(stack: EmbeddedStack) -> None:
    expect(stack, "MARK-2", "indeed", "upsert", "h1")
    expect(stack, "MARK-2", "schemaorg", "upsert", "h2")  # a newer version took this channel meanwhile
    ingest_of(stack)._mark_sent([sent("MARK-2", "indeed", "h1"), sent("MARK-2", "schemaorg", "h1")])
    state = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"])
    assert state.channel_entry("MARK-2", "indeed")["state"] == "queued"
    assert state.channel_entry("MARK-2", "schemaorg") == {"hash": "h2", "action": "upsert", "state": "queued"}
