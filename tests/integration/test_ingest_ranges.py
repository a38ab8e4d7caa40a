"""A big JSON Lines upload is ingested in byte ranges, each its own message on the ingest queue.

The stack runs with IngestRangeBytes at its smallest (1 KiB), so a file of a few dozen short
postings splits. Faults are injected at the AWS boundary of the real ingest handler (a botocore
hook on its own DynamoDB client), as a throttled or failing DynamoDB would behave.
"""

from __future__ import annotations

import importlib
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from infra.runtime import EmbeddedStack

from tests.integration.pipeline_helpers import (
    PARAMETERS,
    drain_clean,
    event_for,
    feed_posting_ids,
    indeed_only_posting,
    intake,
    local_stack,
    receipt,
    state_item,
    take_messages,
    upload_jsonl,
    upload_notifications,
)

RANGE_BYTES = 1024
KEY = "incoming/big.jsonl"


@pytest.fixture
def stack() -> Iterator[EmbeddedStack]:
    with local_stack({**PARAMETERS, "IngestRangeBytes": str(RANGE_BYTES)}) as (running, _):
        drain_clean(running)  # the s3:TestEvent S3 sends when the notification is configured
        yield running


def _lines(count: int) -> list[str]:
    lines = [json.dumps(indeed_only_posting(n)) for n in range(count)]
    lines[7] = "{not json"  # a bad line keeps its line number, whatever range it falls in
    lines[12] = ""  # a blank line is skipped and still counted
    return lines


def _parts(stack: EmbeddedStack) -> list[dict[str, Any]]:
    """Every version of every receipt part: a part written twice would show up twice."""
    listing = stack.s3.list_object_versions(Bucket=intake(stack), Prefix=f"reports/{KEY}.parts/")
    return [{"key": v["Key"], "version": v["VersionId"]} for v in listing.get("Versions", [])]


def _ranges_queued(stack: EmbeddedStack) -> list[dict[str, Any]]:
    [notification] = upload_notifications(stack)
    response = stack.invoke("IngestFunction", event_for(stack, "IngestQueue", [notification]))
    assert response == {"batchItemFailures": []}
    messages = take_messages(stack, "IngestQueue")
    bodies = [json.loads(m["Body"])["ingest_range"] for m in messages]
    for message in messages:  # put them back, for the event source mapping to deliver
        stack.sqs.send_message(QueueUrl=stack.queue("IngestQueue").url, MessageBody=message["Body"])
    return sorted(bodies, key=lambda body: int(body["number"]))


def test_a_big_upload_is_split_into_line_aligned_ranges_and_its_receipt_is_complete(
    stack: EmbeddedStack,
) -> None:
    lines = _lines(40)
    upload_jsonl(stack, KEY, lines)
    data = ("\n".join(lines) + "\n").encode()

    ranges = _ranges_queued(stack)

    longest = max(len(line) + 1 for line in lines)
    assert len(ranges) > 5 and {r["count"] for r in ranges} == {len(ranges)}
    assert ranges[0]["span"]["start"] == 0 and ranges[-1]["span"]["end"] == len(data)
    for span in (r["span"] for r in ranges[:-1]):  # a range ends at the first line end past its size
        assert RANGE_BYTES <= span["end"] - span["start"] < RANGE_BYTES + longest
    for before, after in itertools.pairwise(ranges):
        assert before["span"]["end"] == after["span"]["start"]
        assert data[after["span"]["start"] - 1 : after["span"]["start"]] == b"\n"  # a line starts each
        assert after["span"]["first_line"] == data[: after["span"]["start"]].count(b"\n")
    assert state_item(stack, "P0000") is None  # planning ingests nothing itself

    drain_clean(stack)

    report = receipt(stack, KEY)
    assert report["ranges"] == len(ranges)
    assert report["summary"] == {
        "accepted": 38,
        "rejected": 1,
        "unchanged": 0,
        "superseded": 0,
        "duplicate": 0,
        "file_errors": 0,
    }
    assert [entry["index"] for entry in report["postings"]] == [n for n in range(40) if n != 12]
    [bad] = [entry for entry in report["postings"] if not entry["valid"]]
    assert bad["index"] == 7 and "line 8" in bad["errors"][0]["message"]
    assert sorted(feed_posting_ids(stack)) == sorted(f"P{n:04d}" for n in range(40) if n not in (7, 12))
    assert len(_parts(stack)) == len(ranges)


def test_a_failing_range_is_retried_alone_and_finished_ranges_are_never_redone(stack: EmbeddedStack) -> None:
    lines = _lines(40)
    upload_jsonl(stack, KEY, lines)
    ranges = _ranges_queued(stack)
    victim = ranges[1]
    # The 2nd posting of the 2nd range: its first DynamoDB write is throttled, once.
    target = json.loads(lines[victim["span"]["first_line"] + 1])["id"]
    failures = Counter[str]()

    def throttle(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key", {}).get("posting_id", {}).get("S") == target and not failures[target]:
            failures[target] += 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}},
                "UpdateItem",
            )

    handler = importlib.import_module("syndicate.handlers.ingest")
    handler.service.state._client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", throttle)
    try:
        report = stack.drain()
    finally:
        handler.service.state._client.meta.events.unregister(
            "before-parameter-build.dynamodb.UpdateItem", throttle
        )

    assert failures[target] == 1
    [failed] = report.failed_batches
    assert failed.function == "IngestFunction"
    assert report.invocations["IngestFunction"] == len(ranges) + 1  # only the failed range ran again
    parts = _parts(stack)
    done = [p for p in parts if not p["key"].endswith(".failed.json")]
    assert len(done) == len(ranges) == len({p["key"] for p in done})  # each part written once
    assert [p["key"].rsplit("/", 1)[-1] for p in parts if p not in done] == ["000001.failed.json"]
    document = receipt(stack, KEY)
    assert document["summary"]["accepted"] + document["summary"]["duplicate"] == 38
    assert [entry["index"] for entry in document["postings"]] == [n for n in range(40) if n != 12]
    assert sorted(feed_posting_ids(stack)) == sorted(f"P{n:04d}" for n in range(40) if n not in (7, 12))

    # The same range delivered again after all is done: its part is the record, nothing is redone.
    stack.sqs.send_message(
        QueueUrl=stack.queue("IngestQueue").url, MessageBody=json.dumps({"ingest_range": victim})
    )
    again = stack.drain()
    assert again.invocations == Counter({"IngestFunction": 1})
    assert _parts(stack) == parts
    assert receipt(stack, KEY)["postings"] == document["postings"]


def test_a_range_that_ends_in_the_dead_letter_queue_is_named_in_a_complete_receipt(
    stack: EmbeddedStack,
) -> None:
    lines = _lines(40)
    upload_jsonl(stack, KEY, lines)
    ranges = _ranges_queued(stack)
    victim = ranges[2]
    first = victim["span"]["first_line"]
    # The 2nd posting of the 3rd range fails on every attempt: DynamoDB refuses its write.
    target = json.loads(lines[first + 1])["id"]

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key", {}).get("posting_id", {}).get("S") == target:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "UpdateItem")

    handler = importlib.import_module("syndicate.handlers.ingest")
    events = handler.service.state._client.meta.events
    events.register("before-parameter-build.dynamodb.UpdateItem", refuse)
    try:
        stack.drain()
    finally:
        events.unregister("before-parameter-build.dynamodb.UpdateItem", refuse)

    assert len(take_messages(stack, "IngestDeadLetterQueue")) == 1
    document = receipt(stack, KEY)
    assert document["ranges"] == len(ranges)
    [failed] = document["failed_ranges"]
    assert failed["number"] == 2 and failed["bytes"] == [victim["span"]["start"], victim["span"]["end"]]
    assert failed["lines"] == [first + 1, ranges[3]["span"]["first_line"]]
    assert "InternalServerError" in failed["failed"]
    [problem] = document["file_errors"]
    assert f"range 3 of {len(ranges)} (lines {first + 1}-" in problem and "dead-letter queue" in problem
    listed = {entry["id"] for entry in document["postings"]}
    assert target not in listed and json.loads(lines[first])["id"] in listed  # how far it got
    later = json.loads(lines[ranges[3]["span"]["first_line"]])["id"]
    assert later in listed  # the other ranges are all there


def test_a_small_upload_is_not_split(stack: EmbeddedStack) -> None:
    upload_jsonl(stack, KEY, [json.dumps(indeed_only_posting(1))])
    drain_clean(stack)
    assert "ranges" not in receipt(stack, KEY)
    assert _parts(stack) == []
