"""The pipeline on the embedded stack: template.yaml's whole pipeline in moto, the real handlers, no network.

Each test drives the stack the way AWS would (S3 notifications through the IngestQueue, SQS batches
with partial failures and redrives) and then reads what the pipeline left behind: the receipt, the
LinkedIn request bodies, the Indeed feed, the job pages, the sitemap and the tables. Where a test
needs a delivery AWS makes only under failure (a duplicate notification, a redelivered message, a
late or reordered event) it takes the message off its queue and delivers it by hand.

Sources: Amazon S3 user guide, "Event message structure" (keys URL-encoded, s3:TestEvent); AWS Lambda
developer guide, "Using Lambda with Amazon SQS" and "Configuring advanced logging controls" (with
the JSON log format Lambda sets the root logger to ApplicationLogLevel, so records below it are not
logged); Powertools for AWS Lambda (Python), "Idempotency" (record id: function name, qualified
function name and the MD5 of the JSON of the key, sorted keys) and "Batch processing".
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from infra.runtime import EmbeddedStack
from infra.runtime.aws_env import patched_environ
from infra.runtime.lambda_context import LambdaContext, reserved_variables
from infra.runtime.lambda_runner import FunctionInvoker, QueuePoller
from infra.runtime.specs import FunctionSpec

from syndicate.core.messages import content_hash
from syndicate.pipeline.publishers.base import load_message
from tests.integration.pipeline_helpers import (
    CHANNEL_QUEUES,
    channel_depths,
    drain_clean,
    embedded_jsonld,
    event_for,
    feed_jobs,
    feed_posting_ids,
    idempotency_records,
    indeed_only_posting,
    ingest_only,
    intake,
    jsonld,
    keys_under,
    linkedin_elements,
    linkedin_requests,
    local_stack,
    page,
    page_url,
    posting,
    put_bytes,
    receipt,
    receipt_entries,
    send_bodies,
    sitemap_urls,
    state_item,
    state_item_bytes,
    take_messages,
    upload_json,
    upload_jsonl,
    upload_notifications,
)

ALL_UPSERT = {"linkedin": "upsert", "indeed": "upsert", "schemaorg": "upsert"}
ALL_REMOVE = {"linkedin": "remove", "indeed": "remove", "schemaorg": "remove"}


@pytest.fixture
def stack() -> Iterator[EmbeddedStack]:
    with local_stack() as (running, _):
        drain_clean(running)  # the s3:TestEvent S3 sends when the notification is configured
        yield running


def channel_states(stack: EmbeddedStack, posting_id: str) -> dict[str, tuple[str, str]]:
    item = state_item(stack, posting_id)
    assert item is not None
    return {channel: (entry["state"], entry["hash"]) for channel, entry in item["channels"].items()}


# -- 1. upload -> every channel ------------------------------------------------------------------------


def test_an_upload_is_published_on_every_channel_and_reported_without_touching_the_upload(
    stack: EmbeddedStack,
) -> None:
    key = "incoming/diner.json"
    body = json.dumps([posting("COOK-1", title="Line Cook"), posting("NO-TITLE", title=...)]).encode()
    version = put_bytes(stack, key, body)

    drain_clean(stack)

    [element] = linkedin_elements(stack, "COOK-1")
    assert element["jobPostingOperationType"] == "CREATE"
    assert element["title"] == "Line Cook"
    assert [e["externalJobPostingId"] for e in linkedin_elements(stack)] == ["COOK-1"]

    [job] = feed_jobs(stack)
    assert (job["title"], job["referencenumber"].rsplit("-", 1)[0]) == ("Line Cook", "COOK-1")

    html = page(stack, "COOK-1")
    document = jsonld(stack, "COOK-1")
    assert html is not None and document is not None
    assert (document["@type"], document["title"]) == ("JobPosting", "Line Cook")
    assert embedded_jsonld(html) == [document]
    assert sitemap_urls(stack) == [page_url("COOK-1")]
    assert keys_under(stack, "SiteBucket", "jobs/") == ["jobs/COOK-1.html"]

    report = receipt(stack, key)
    assert (report["summary"]["accepted"], report["summary"]["rejected"]) == (1, 1)
    entries = receipt_entries(stack, key)
    accepted, rejected = entries["COOK-1"], entries["NO-TITLE"]
    assert (accepted["valid"], accepted["outcome"], accepted["queued"]) == (True, "accepted", ALL_UPSERT)
    assert all(channel["ready"] for channel in accepted["channels"].values())
    assert (rejected["valid"], rejected["outcome"], rejected["queued"]) == (False, "rejected", {})
    assert [(e["pointer"], e["code"]) for e in rejected["errors"]] == [("/title", "required")]

    bucket = intake(stack)
    listing = stack.s3.list_object_versions(Bucket=bucket, Prefix="incoming/")
    assert [(v["Key"], v["VersionId"]) for v in listing["Versions"]] == [(key, version)]
    assert listing.get("DeleteMarkers", []) == []
    assert stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body


# -- 2. duplicate S3 events ------------------------------------------------------------------------------


def test_a_notification_delivered_again_after_publishing_publishes_nothing_more(stack: EmbeddedStack) -> None:
    upload_json(stack, "incoming/a.json", [posting("DUP-1")])
    [notification] = upload_notifications(stack)
    send_bodies(stack, "IngestQueue", [notification["Body"]])
    drain_clean(stack)
    state, requests, feed = state_item(stack, "DUP-1"), linkedin_requests(stack), feed_jobs(stack)
    assert state is not None and len(linkedin_elements(stack, "DUP-1")) == 1

    send_bodies(stack, "IngestQueue", [notification["Body"]])  # S3 delivers at least once
    drain_clean(stack)

    assert state_item(stack, "DUP-1") == state
    assert linkedin_requests(stack) == requests
    assert feed_posting_ids(stack) == ["DUP-1"]
    assert feed_jobs(stack) == feed


def test_the_same_notification_twice_before_any_publisher_runs_queues_each_channel_once(
    stack: EmbeddedStack,
) -> None:
    upload_json(stack, "incoming/a.json", [posting("DUP-2")])
    [notification] = upload_notifications(stack)
    event = event_for(stack, "IngestQueue", [notification])

    stack.invoke("IngestFunction", event)
    stack.invoke("IngestFunction", event)

    assert channel_depths(stack) == dict.fromkeys(CHANNEL_QUEUES, 1)
    drain_clean(stack)
    assert len(linkedin_elements(stack, "DUP-2")) == 1
    assert feed_posting_ids(stack) == ["DUP-2"]
    assert sitemap_urls(stack) == [page_url("DUP-2")]


# -- 3. duplicate SQS deliveries ---------------------------------------------------------------------------


def test_a_channel_message_delivered_twice_publishes_once(stack: EmbeddedStack) -> None:
    upload_json(stack, "incoming/a.json", [posting("RE-1")])
    ingest_only(stack)
    taken = {queue: take_messages(stack, queue) for queue in CHANNEL_QUEUES}
    assert {queue: len(messages) for queue, messages in taken.items()} == dict.fromkeys(CHANNEL_QUEUES, 1)
    bodies = {queue: messages[0]["Body"] for queue, messages in taken.items()}
    for queue, body in bodies.items():
        send_bodies(stack, queue, [body, body])

    drain_clean(stack)

    assert len(linkedin_elements(stack, "RE-1")) == 1
    assert feed_posting_ids(stack) == ["RE-1"]
    assert page(stack, "RE-1") is not None
    # The feed publishers are idempotent through their state: no idempotency record of theirs.
    records = idempotency_records(stack)
    for function in ("IndeedPublisherFunction", "SchemaOrgPublisherFunction"):
        name = stack.model.functions[function].name
        assert [r for r in records if r["id"].startswith(f"{name}.")] == [], (function, records)

    # Redelivered once more, long after it was published: still nothing happens.
    state, requests = state_item(stack, "RE-1"), linkedin_requests(stack)
    for queue, body in bodies.items():
        send_bodies(stack, queue, [body])
    drain_clean(stack)
    assert state_item(stack, "RE-1") == state
    assert linkedin_requests(stack) == requests


# -- 4. out-of-order versions ----------------------------------------------------------------------------


def assert_everywhere(stack: EmbeddedStack, posting_id: str, title: str, raw: dict[str, Any]) -> None:
    """The posting's state, feed entry, page and JSON-LD all hold the version titled `title`."""
    item = state_item(stack, posting_id)
    assert item is not None and item["content_hash"] == content_hash(raw)
    assert [job["title"] for job in feed_jobs(stack)] == [title]
    html, document = page(stack, posting_id), jsonld(stack, posting_id)
    assert html is not None and document is not None
    assert document["title"] == title
    assert embedded_jsonld(html) == [document]
    assert linkedin_elements(stack, posting_id)[-1]["title"] == title


def test_an_older_updated_at_arriving_second_never_overwrites_the_newer(stack: EmbeddedStack) -> None:
    newer = posting("VER-1", title="Line Cook (second version)", updated_at="2026-11-25T10:00:00Z")
    older = posting("VER-1", title="Line Cook (first version)", updated_at="2026-11-24T10:00:00+00:00")
    upload_json(stack, "incoming/newer.json", [newer])
    drain_clean(stack)
    upload_json(stack, "incoming/older.json", [older])
    drain_clean(stack)

    assert_everywhere(stack, "VER-1", "Line Cook (second version)", newer)
    assert [e["title"] for e in linkedin_elements(stack, "VER-1")] == ["Line Cook (second version)"]
    assert receipt_entries(stack, "incoming/older.json")["VER-1"]["queued"] == {}


def test_without_updated_at_the_later_upload_wins(stack: EmbeddedStack) -> None:
    first, second = posting("VER-2", title="Prep Cook"), posting("VER-2", title="Head Cook")
    upload_json(stack, "incoming/first.json", [first])
    drain_clean(stack)
    upload_json(stack, "incoming/second.json", [second])
    drain_clean(stack)

    assert_everywhere(stack, "VER-2", "Head Cook", second)
    operations = [(e["jobPostingOperationType"], e["title"]) for e in linkedin_elements(stack, "VER-2")]
    assert operations == [("CREATE", "Prep Cook"), ("UPDATE", "Head Cook")]


def test_without_updated_at_upload_events_delivered_in_reverse_keep_the_later_upload(
    stack: EmbeddedStack,
) -> None:
    first, second = posting("VER-3", title="Prep Cook"), posting("VER-3", title="Head Cook")
    upload_json(stack, "incoming/board.json", [first])  # two versions of one object
    upload_json(stack, "incoming/board.json", [second])
    earlier, later = sorted(
        upload_notifications(stack),
        key=lambda m: json.loads(m["Body"])["Records"][0]["s3"]["object"]["sequencer"],
    )

    for message in (later, earlier):
        stack.invoke("IngestFunction", event_for(stack, "IngestQueue", [message]))
    drain_clean(stack)

    assert_everywhere(stack, "VER-3", "Head Cook", second)
    assert [e["title"] for e in linkedin_elements(stack, "VER-3")] == ["Head Cook"]


# -- 5. unchanged re-upload -------------------------------------------------------------------------------


def test_an_unchanged_re_upload_sends_nothing(stack: EmbeddedStack) -> None:
    raw = posting("SAME-1")
    body = json.dumps([raw]).encode()
    put_bytes(stack, "incoming/a.json", body)
    drain_clean(stack)
    requests, states = linkedin_requests(stack), channel_states(stack, "SAME-1")
    reordered = json.dumps({"postings": [dict(reversed(list(raw.items())))]}, indent=4).encode()
    re_uploads = [
        ("incoming/a.json", body),  # the same file again
        ("incoming/a.json", body),  # and again
        ("incoming/b.json", reordered),  # the same posting, written differently
    ]

    for number, (key, data) in enumerate(re_uploads, start=1):
        put_bytes(stack, key, data)
        ingest_only(stack)
        assert channel_depths(stack) == dict.fromkeys(CHANNEL_QUEUES, 0), f"re-upload {number}"
        entry = receipt_entries(stack, key)["SAME-1"]
        assert (entry["valid"], entry["queued"]) == (True, {}), f"re-upload {number}"

    drain_clean(stack)
    assert linkedin_requests(stack) == requests
    assert channel_states(stack, "SAME-1") == states
    assert feed_posting_ids(stack) == ["SAME-1"]


# -- 6. closed posting ------------------------------------------------------------------------------------


def test_a_closed_posting_is_taken_down_on_every_channel(stack: EmbeddedStack) -> None:
    upload_json(stack, "incoming/open.json", [posting("CLOSE-1"), posting("STAY-1", title="Prep Cook")])
    drain_clean(stack)
    assert sorted(feed_posting_ids(stack)) == ["CLOSE-1", "STAY-1"]
    assert page(stack, "CLOSE-1") is not None

    upload_json(stack, "incoming/closed.json", [posting("CLOSE-1", status="closed")])
    drain_clean(stack)

    operations = [e["jobPostingOperationType"] for e in linkedin_elements(stack, "CLOSE-1")]
    assert operations == ["CREATE", "CLOSE"]
    assert feed_posting_ids(stack) == ["STAY-1"]
    assert page(stack, "CLOSE-1") is None
    assert jsonld(stack, "CLOSE-1") is None
    assert sitemap_urls(stack) == [page_url("STAY-1")]
    assert page(stack, "STAY-1") is not None and jsonld(stack, "STAY-1") is not None
    assert receipt_entries(stack, "incoming/closed.json")["CLOSE-1"]["queued"] == ALL_REMOVE


def test_a_posting_closed_after_an_unchanged_re_upload_is_still_taken_down(stack: EmbeddedStack) -> None:
    export = json.dumps([posting("CLOSE-2")]).encode()
    put_bytes(stack, "incoming/export.json", export)  # a daily full export, say
    drain_clean(stack)
    put_bytes(stack, "incoming/export.json", export)  # the next day's: nothing changed
    drain_clean(stack)

    upload_json(stack, "incoming/export.json", [posting("CLOSE-2", status="closed")])
    drain_clean(stack)

    assert [e["jobPostingOperationType"] for e in linkedin_elements(stack, "CLOSE-2")] == ["CREATE", "CLOSE"]
    assert feed_posting_ids(stack) == []
    assert (page(stack, "CLOSE-2"), jsonld(stack, "CLOSE-2")) == (None, None)
    assert sitemap_urls(stack) == []


# -- 7. poison messages ------------------------------------------------------------------------------------

POISON = {
    "LinkedInQueue": "this is not JSON",
    "IndeedQueue": json.dumps({"hello": "world"}),
    "SchemaOrgQueue": json.dumps({"v": 1, "posting_id": "HALF-A-MESSAGE"}),
}


def reason_for(stack: EmbeddedStack, body: str) -> str:
    """What a publisher fails with on this body: the reason its log must give."""
    try:
        load_message(stack.s3, body)
    except Exception as error:  # whatever the publisher fails with is the reason
        return str(error)
    raise AssertionError(f"{body!r} is a channel message: it cannot poison anything")


def logged_at_or_above(caplog: pytest.LogCaptureFixture, level: int) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records if r.levelno >= level)


def test_a_poison_message_is_dead_lettered_with_its_reason_logged_and_its_batch_published(
    stack: EmbeddedStack, caplog: pytest.LogCaptureFixture
) -> None:
    publishers = {
        "LinkedInQueue": "LinkedInPublisherFunction",
        "IndeedQueue": "IndeedPublisherFunction",
        "SchemaOrgQueue": "SchemaOrgPublisherFunction",
    }
    [level_name] = {stack.model.functions[f].application_log_level or "INFO" for f in publishers.values()}
    level = logging.getLevelName(level_name)
    caplog.set_level(level)  # what Lambda's runtime does with ApplicationLogLevel and JSON logs
    good = [posting(f"GOOD-{n}") for n in range(3)]
    upload_json(stack, "incoming/good.json", good)
    ingest_only(stack)
    poison_ids = {
        queue: stack.sqs.send_message(QueueUrl=stack.queue(queue).url, MessageBody=body)["MessageId"]
        for queue, body in POISON.items()
    }

    # First delivery: each publisher gets its three good messages and the poison in one batch.
    invoker = FunctionInvoker(stack.model)
    for queue, function_id in publishers.items():
        function = stack.model.functions[function_id]
        [source] = function.sqs_events
        caplog.clear()
        outcome = QueuePoller(stack.sqs, invoker, stack.model, function, source).poll_once()
        assert outcome is not None
        assert len(outcome.message_ids) == 4
        assert (outcome.failed_ids, outcome.error) == ((poison_ids[queue],), None)  # a partial failure
        reason = reason_for(stack, POISON[queue])
        logged = logged_at_or_above(caplog, level)
        assert reason in logged, f"{function_id}: {reason!r} not logged at {level_name} or above"

    report = stack.drain()  # the poison comes back until its queue's redrive policy parks it

    assert {q: n for q, n in report.dead_lettered.items() if n} == {
        "LinkedInDeadLetterQueue": 1,
        "IndeedDeadLetterQueue": 1,
        "SchemaOrgDeadLetterQueue": 1,
    }
    for queue, body in POISON.items():
        assert stack.dead_letters(queue) == [body]
    ids = [p["id"] for p in good]
    assert sorted(e["externalJobPostingId"] for e in linkedin_elements(stack)) == ids
    assert sorted(feed_posting_ids(stack)) == ids
    assert sorted(sitemap_urls(stack)) == [page_url(i) for i in ids]


# -- 8. one bad line among 999 good ones ------------------------------------------------------------------


def test_one_bad_line_among_999_good_ones_publishes_the_999_and_reports_the_one(
    stack: EmbeddedStack,
) -> None:
    lines = [json.dumps(indeed_only_posting(n)) for n in range(1000)]
    lines[500] = lines[500][: len(lines[500]) // 2]  # cut in half: not JSON any more
    upload_jsonl(stack, "incoming/bulk.jsonl", lines)

    drain_clean(stack)

    report = receipt(stack, "incoming/bulk.jsonl")
    assert (report["summary"]["accepted"], report["summary"]["rejected"]) == (999, 1)
    assert report["file_errors"] == []
    [bad] = [entry for entry in report["postings"] if not entry["valid"]]
    assert bad["index"] == 500
    assert [error["code"] for error in bad["errors"]] == ["json"]
    assert "line 501" in bad["errors"][0]["message"]
    expected = sorted(indeed_only_posting(n)["id"] for n in range(1000) if n != 500)
    assert sorted(feed_posting_ids(stack)) == expected


# -- 9. concurrent Indeed publishers -----------------------------------------------------------------------


def fresh_environment(stack: EmbeddedStack, function_logical_id: str) -> Any:
    """The function's handler module imported afresh, as a new Lambda execution environment would.

    Lambda runs concurrent invocations in separate environments; threads sharing one module would
    share its batch processor and clients, which no two Lambda invocations ever do.
    """
    module_name = stack.model.functions[function_logical_id].handler.rpartition(".")[0]
    found = importlib.util.find_spec(module_name)
    assert found is not None and found.origin is not None
    # Its own name, so idempotency records are keyed as Lambda keys them; never put in sys.modules.
    spec = importlib.util.spec_from_file_location(module_name, found.origin)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def threaded_environment(stack: EmbeddedStack, function: FunctionSpec) -> Iterator[None]:
    """The function's variables for handlers called from threads, metrics off.

    Powertools Metrics keeps its metric set in class attributes shared by every instance in a
    process; Lambda environments never share it, so threads here would race where Lambda cannot.
    What was added while metrics were off is dropped on the way out.
    """
    variables = {
        **function.environment,
        **reserved_variables(function, stack.model.region),
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    try:
        with patched_environ(variables):
            yield
    finally:
        Metrics().clear_metrics()


def queue_indeed_messages(stack: EmbeddedStack, key: str, numbers: range) -> list[Any]:
    """Upload the postings, let the ingest queue their Indeed work, and take those messages."""
    upload_jsonl(stack, key, [json.dumps(indeed_only_posting(n)) for n in numbers])
    ingest_only(stack)
    messages = take_messages(stack, "IndeedQueue")
    assert len(messages) == len(numbers)
    return messages


def test_concurrent_indeed_publishers_lose_no_update(stack: EmbeddedStack) -> None:
    function = stack.model.functions["IndeedPublisherFunction"]
    threads, per_thread, rounds = 4, 10, 3
    published: list[str] = []
    with threaded_environment(stack, function):
        handlers = [fresh_environment(stack, function.logical_id).handler for _ in range(threads)]
        for round_number in range(rounds):
            numbers = range(round_number * 100, round_number * 100 + threads * per_thread)
            messages = queue_indeed_messages(stack, f"incoming/round-{round_number}.jsonl", numbers)
            batches = [messages[n::threads] for n in range(threads)]
            start = threading.Barrier(threads, timeout=30)

            def invoke(handler: Callable[..., Any], batch: list[Any]) -> Any:
                event = event_for(stack, "IndeedQueue", batch)
                start.wait()  # noqa: B023 - the pool is done with this round before the next begins
                return handler(event, LambdaContext(function))

            with ThreadPoolExecutor(max_workers=threads) as pool:
                responses = list(pool.map(invoke, handlers, batches))

            assert responses == [{"batchItemFailures": []}] * threads
            Metrics().clear_metrics()  # below Powertools' 100 values a metric, where it flushes by itself
            published.extend(indeed_only_posting(n)["id"] for n in numbers)
            # The feed is assembled by the feed builder, on its schedule (tests/integration/
            # test_feed_builder.py forces the builder's own races: a change stored mid-build, two builds).
            stack.run_schedule("FeedBuilderFunction")
            assert sorted(feed_posting_ids(stack)) == sorted(published), f"round {round_number}"


# -- S3 keys and test events --------------------------------------------------------------------------------


def test_a_key_with_spaces_and_unicode_is_decoded_and_ingested(stack: EmbeddedStack) -> None:
    key = "incoming/Jobs März 2026.json"
    upload_json(stack, key, [posting("MARZ-1")])
    [notification] = upload_notifications(stack)
    sent_key = json.loads(notification["Body"])["Records"][0]["s3"]["object"]["key"]
    assert sent_key == "incoming/Jobs+M%C3%A4rz+2026.json"  # as S3 sends it

    stack.invoke("IngestFunction", event_for(stack, "IngestQueue", [notification]))
    drain_clean(stack)

    entry = receipt_entries(stack, key)["MARZ-1"]
    assert (entry["outcome"], entry["queued"]) == ("accepted", ALL_UPSERT)
    assert feed_posting_ids(stack) == ["MARZ-1"]
    assert len(linkedin_elements(stack, "MARZ-1")) == 1


def test_an_s3_test_event_is_ignored(stack: EmbeddedStack) -> None:
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-26T12:00:00.000Z",
        "Bucket": intake(stack),
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
    send_bodies(stack, "IngestQueue", [json.dumps(test_event)])

    report = stack.drain()

    assert report.invocations == {"IngestFunction": 1}
    assert report.failed_batches == []
    assert not any(report.dead_lettered.values())
    assert keys_under(stack, "IntakeBucket", "") == []
    assert stack.dynamodb.scan(TableName=stack.environment()["STATE_TABLE"])["Count"] == 0


# -- state that costs what it must ------------------------------------------------------------------------


def test_a_published_postings_state_item_stays_under_one_write_unit(stack: EmbeddedStack) -> None:
    # As long as the load benchmark's: its ids, an update time, an expiry, LinkedIn's listing and job.
    raw = posting(
        "RN-ICU-2207-B000294", updated_at="2026-11-26T09:30:00Z", valid_through="2027-01-31T23:59:59Z"
    )
    upload_jsonl(stack, "incoming/2026-11-27/greenhouse-export.jsonl", [json.dumps(raw)])
    drain_clean(stack)

    item = state_item(stack, "RN-ICU-2207-B000294")
    assert item is not None and item["linkedin_job_posting"]
    assert {channel: entry["state"] for channel, entry in item["channels"].items()} == {
        "linkedin": "published",
        "indeed": "published",
        "schemaorg": "published",
    }
    assert len(item["content_hash"]) == 32  # 128 bits in hex, stored once a channel and once on top
    assert "task" not in item["channels"]["linkedin"]  # read only while LinkedIn's task runs
    # Every write of an item past 1 KB bills 2 write units; this one is rewritten by every status change.
    assert state_item_bytes(stack, "RN-ICU-2207-B000294") < 1024


def test_a_posting_stored_with_a_full_length_hash_is_not_published_again_for_the_shorter_one(
    stack: EmbeddedStack,
) -> None:
    raw = posting("LONG-HASH-1")
    upload_json(stack, "incoming/a.json", [raw])
    drain_clean(stack)
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    full = hashlib.sha256(canonical.encode()).hexdigest()
    assert full.startswith(content_hash(raw))
    # What the release before stored: the full SHA-256, on top and in every channel's entry.
    stack.dynamodb.update_item(
        TableName=stack.environment()["STATE_TABLE"],
        Key={"posting_id": {"S": "LONG-HASH-1"}},
        UpdateExpression="SET content_hash = :h, channels.linkedin.#h = :h, channels.indeed.#h = :h, "
        "channels.schemaorg.#h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":h": {"S": full}},
    )
    requests, feed = linkedin_requests(stack), feed_jobs(stack)

    upload_json(stack, "incoming/b.json", [raw])  # the same content again, a newer upload
    drain_clean(stack)

    assert receipt_entries(stack, "incoming/b.json")["LONG-HASH-1"]["outcome"] == "unchanged"
    assert linkedin_requests(stack) == requests and feed_jobs(stack) == feed
    item = state_item(stack, "LONG-HASH-1")
    assert item is not None and item["content_hash"] == full
    assert {(entry["state"], entry["hash"]) for entry in item["channels"].values()} == {("published", full)}

    upload_json(stack, "incoming/c.json", [posting("LONG-HASH-1", title="Sous Chef")])  # changed
    drain_clean(stack)

    item = state_item(stack, "LONG-HASH-1")
    assert item is not None and len(item["content_hash"]) == 32
    assert [job["title"] for job in feed_jobs(stack)] == ["Sous Chef"]
