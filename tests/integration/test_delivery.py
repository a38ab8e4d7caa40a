"""Delivery on the embedded stack: the LinkedIn publisher on the Job Posting API (or LinkedIn's XML feed),
Google notifications from the schema.org publisher, and expiry, against the local fakes over real HTTP.

The fault-injection runs make a fixed share of the fakes' calls fail with one fault kind at a time and
check that every posting ends published (or removed) on every channel or waits in a dead-letter queue
with its reason recorded, that LinkedIn made no job twice (the fake counts job postings made per id),
and that Google heard of every page written or deleted. The handlers run as Lambda runs them: SQS
batches with partial failures and redrives (the embedded runtime's drain), Lambda's deadline included.

Sources: learn.microsoft.com/en-us/linkedin/talent/job-postings/api/create-jobs and
.../check-job-taskstatus (element answers, task polling, a repeated CREATE failing as a duplicate);
developers.google.com/search/apis/indexing-api/v3/using-api (URL_UPDATED / URL_DELETED);
AWS Lambda developer guide, "Handling errors for an SQS event source" (batch item failures, redrive).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from infra.fakes.google_indexing import FaultRates
from infra.fakes.linkedin import Fault, FaultPlan
from infra.fakes.local import LOCAL_HTTP, LocalChannelApis
from infra.runtime import EmbeddedStack
from infra.runtime.lambda_runner import FunctionInvoker, QueuePoller

from syndicate.adapters.feed_store import LINKEDIN_API_JOBS, FeedStore
from syndicate.adapters.state import StateTable
from syndicate.pipeline.posting_status import status_document
from tests.integration.pipeline_helpers import (
    PARAMETERS,
    event_for,
    feed_posting_ids,
    idempotency_records,
    ingest_only,
    linkedin_requests,
    local_stack,
    object_bytes,
    page,
    page_url,
    posting,
    send_bodies,
    sitemap_urls,
    state_item,
    take_messages,
    upload_json,
)

WITH_GOOGLE = {**PARAMETERS, "GoogleIndexing": "enabled"}
# Short enough that a slow fault (1 s) times a read out; backoff in milliseconds.
FAST_HTTP = {**LOCAL_HTTP, "HTTP_READ_TIMEOUT_SECONDS": "0.5", "HTTP_CONNECT_TIMEOUT_SECONDS": "0.5"}
IDS = [f"FI-{n}" for n in range(6)]
UPDATED, CLOSED = IDS[:3], IDS[3:5]


@pytest.fixture
def delivery() -> Iterator[tuple[EmbeddedStack, LocalChannelApis]]:
    with local_stack(WITH_GOOGLE) as (stack, apis):
        stack.drain()  # S3's test event
        yield stack, apis


def channel(stack: EmbeddedStack, posting_id: str, name: str) -> dict[str, Any]:
    item = state_item(stack, posting_id)
    assert item is not None, posting_id
    entry: dict[str, Any] = item["channels"][name]
    return entry


def dead_letter_ids(stack: EmbeddedStack, queue: str) -> set[str]:
    return {json.loads(body)["posting_id"] for body in stack.dead_letters(queue)}


def notified(apis: LocalChannelApis, since: int = 0) -> set[tuple[str, str]]:
    return {(n["url"], n["type"]) for n in apis.google.notifications[since:]}


def lifecycle(stack: EmbeddedStack, apis: LocalChannelApis) -> list[set[tuple[str, str]]]:
    """Create six postings, change three, close two; drain after each step. Returns the
    notifications Google accepted during each step."""
    heard = []
    steps = [
        [posting(posting_id) for posting_id in IDS],
        [posting(posting_id, title="Head Cook") for posting_id in UPDATED],
        [posting(posting_id, status="closed") for posting_id in CLOSED],
    ]
    for number, postings in enumerate(steps):
        before = len(apis.google.notifications)
        upload_json(stack, f"incoming/step-{number}.json", postings)
        stack.drain()
        heard.append(notified(apis, before))
    return heard


def assert_nothing_lost_nothing_twice(
    stack: EmbeddedStack, apis: LocalChannelApis, heard: list[set[tuple[str, str]]]
) -> None:
    linkedin_dlq, schemaorg_dlq = (
        dead_letter_ids(stack, "LinkedInQueue"),
        dead_letter_ids(stack, "SchemaOrgQueue"),
    )
    jobs = apis.linkedin.jobs
    for posting_id in IDS:
        wanted = "removed" if posting_id in CLOSED else "published"
        entry = channel(stack, posting_id, "linkedin")
        if posting_id in linkedin_dlq:
            assert entry["last_error"], f"{posting_id}: parked in the LinkedIn DLQ without a reason"
        else:
            assert entry["state"] == wanted, (posting_id, entry)
            job = jobs[posting_id]
            assert job.state == ("CLOSED" if posting_id in CLOSED else "LISTED"), (posting_id, job)
            if posting_id in UPDATED:
                assert "UPDATE" in job.operations, (posting_id, job)
        site = channel(stack, posting_id, "schemaorg")
        if posting_id in schemaorg_dlq:
            assert site["last_error"], f"{posting_id}: parked in the schema.org DLQ without a reason"
        else:
            assert site["state"] == wanted, (posting_id, site)
            url = page_url(posting_id)
            assert (url, "URL_UPDATED") in heard[0], f"{posting_id}: Google never heard of the page"
            if posting_id in UPDATED:
                assert (url, "URL_UPDATED") in heard[1], f"{posting_id}: Google never heard of the change"
            if posting_id in CLOSED:
                assert (url, "URL_DELETED") in heard[2], f"{posting_id}: Google never heard of the removal"
        assert channel(stack, posting_id, "indeed")["state"] == wanted
    # LinkedIn made each job once, however often a lost answer made us send its CREATE again.
    assert set(apis.linkedin.creates.values()) <= {1}
    assert set(apis.linkedin.creates) == set(IDS) - linkedin_dlq
    assert sorted(feed_posting_ids(stack)) == sorted(set(IDS) - set(CLOSED))
    assert sorted(sitemap_urls(stack)) == sorted(page_url(i) for i in IDS if i not in CLOSED)


# --- fault injection -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Fault), ids=[str(kind) for kind in Fault])
def test_linkedin_faults_lose_nothing_and_create_nothing_twice(kind: Fault) -> None:
    plan = FaultPlan(share=0.4, kinds=(kind,), retry_after=1, slow_seconds=1.0)
    with local_stack(WITH_GOOGLE, linkedin_faults=plan, http=FAST_HTTP, seed=11) as (stack, apis):
        stack.drain()
        heard = lifecycle(stack, apis)
        assert apis.linkedin.faults_injected[kind] > 0, "the run met no fault: it proves nothing"
        assert_nothing_lost_nothing_twice(stack, apis, heard)


GOOGLE_FAULTS = [
    "throttle",
    "server_error",
    "slow",
    "drop",
    "expired_token",
    "part_throttle",
    "part_server_error",
]


@pytest.mark.parametrize("kind", GOOGLE_FAULTS)
def test_google_faults_lose_no_notification(kind: str) -> None:
    rates = FaultRates(**{kind: 0.4}, retry_after=1, slow_seconds=1.0)
    with local_stack(WITH_GOOGLE, google_faults=rates, http=FAST_HTTP, seed=4) as (stack, apis):
        stack.drain()
        heard = lifecycle(stack, apis)
        assert apis.google.injected[kind] > 0, "the run met no fault: it proves nothing"
        assert_nothing_lost_nothing_twice(stack, apis, heard)


def test_a_linkedin_that_keeps_failing_parks_the_jobs_with_the_reason_then_a_redrive_publishes_them() -> None:
    always = FaultPlan(share=1.0, kinds=(Fault.SERVER_ERROR,))
    with local_stack(WITH_GOOGLE, linkedin_faults=always, http=FAST_HTTP) as (stack, apis):
        stack.drain()
        upload_json(stack, "incoming/a.json", [posting("DOWN-1"), posting("DOWN-2")])
        report = stack.drain()

        assert report.dead_lettered["LinkedInDeadLetterQueue"] == 2
        assert dead_letter_ids(stack, "LinkedInQueue") == {"DOWN-1", "DOWN-2"}
        entry = channel(stack, "DOWN-1", "linkedin")
        assert entry["state"] == "queued"
        assert "LinkedInUnavailable" in entry["last_error"] and "500" in entry["last_error"]
        document = status_document(state_item(stack, "DOWN-1") or {})
        assert document["channels"]["linkedin"]["last_error"] == entry["last_error"]
        assert apis.linkedin.creates == {}
        # The other channels did not wait for LinkedIn.
        assert channel(stack, "DOWN-1", "indeed")["state"] == "published"

        apis.linkedin.set_faults(FaultPlan())  # LinkedIn is back: the operator redrives the DLQ
        dlq = stack.queue("LinkedInDeadLetterQueue").url
        send_bodies(stack, "LinkedInQueue", stack.dead_letters("LinkedInQueue"))
        stack.sqs.purge_queue(QueueUrl=dlq)
        stack.drain()

        for posting_id in ("DOWN-1", "DOWN-2"):
            entry = channel(stack, posting_id, "linkedin")
            assert entry["state"] == "published" and "last_error" not in entry
        assert dict(apis.linkedin.creates) == {"DOWN-1": 1, "DOWN-2": 1}


# --- tokens, deadlines, idempotency -------------------------------------------------------------------------


def test_a_401_mid_run_refreshes_the_token_once(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, apis = delivery
    upload_json(stack, "incoming/a.json", [posting("TOK-1")])
    stack.drain()
    assert apis.linkedin.tokens_issued == 1

    apis.linkedin.expire_tokens()  # LinkedIn answers the next call 401 65602
    upload_json(stack, "incoming/b.json", [posting("TOK-1", title="Head Cook"), posting("TOK-2")])
    report = stack.drain()

    assert report.failed_batches == []
    assert apis.linkedin.tokens_issued == 2
    assert apis.linkedin.jobs["TOK-1"].operations == ["CREATE", "UPDATE"]
    assert channel(stack, "TOK-2", "linkedin")["state"] == "published"


def poll_linkedin_once(stack: EmbeddedStack) -> Any:
    function = stack.model.functions["LinkedInPublisherFunction"]
    [source] = function.sqs_events
    return QueuePoller(stack.sqs, FunctionInvoker(stack.model), stack.model, function, source).poll_once()


def test_a_retry_after_longer_than_the_time_left_hands_the_message_back_without_waiting(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, apis = delivery
    # 600 s asked for, 60 s of function time: waiting could never finish in time.
    apis.linkedin.set_faults(FaultPlan(sequence=(Fault.THROTTLE,), retry_after=600))
    upload_json(stack, "incoming/a.json", [posting("SLOW-1")])
    ingest_only(stack)

    outcome = poll_linkedin_once(stack)

    assert outcome is not None and outcome.error is None
    assert outcome.failed_ids == outcome.message_ids  # back to SQS, as a batch item failure
    assert apis.linkedin.calls["jobs"] == 1  # one attempt, no retry after a wait
    entry = channel(stack, "SLOW-1", "linkedin")
    assert entry["state"] == "queued" and "OutOfTime" in entry["last_error"]
    assert "Retry-After" in entry["last_error"]

    stack.drain()  # the next receive goes through
    assert channel(stack, "SLOW-1", "linkedin")["state"] == "published"


def test_a_google_retry_after_beyond_the_deadline_hands_the_message_back_and_it_notifies_again(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, apis = delivery
    apis.google.fail_next("throttle", retry_after=600)
    upload_json(stack, "incoming/a.json", [posting("GSLOW-1")])
    ingest_only(stack)
    function = stack.model.functions["SchemaOrgPublisherFunction"]
    [source] = function.sqs_events

    outcome = QueuePoller(stack.sqs, FunctionInvoker(stack.model), stack.model, function, source).poll_once()

    assert outcome is not None and outcome.failed_ids == outcome.message_ids
    assert page(stack, "GSLOW-1") is not None  # the page is up; only the notification is owed
    assert "OutOfTime" in channel(stack, "GSLOW-1", "schemaorg")["last_error"]
    assert apis.google.notifications == []

    stack.drain()
    assert notified(apis) == {(page_url("GSLOW-1"), "URL_UPDATED")}
    entry = channel(stack, "GSLOW-1", "schemaorg")
    assert entry["state"] == "published" and "last_error" not in entry
    assert entry["notified"].startswith("URL_UPDATED ")


def test_idempotency_caches_no_call_that_failed(delivery: tuple[EmbeddedStack, LocalChannelApis]) -> None:
    stack, apis = delivery
    apis.linkedin.set_faults(FaultPlan(share=1.0, kinds=(Fault.SERVER_ERROR,)))
    upload_json(stack, "incoming/a.json", [posting("IDEM-1")])
    ingest_only(stack)
    linkedin = stack.model.functions["LinkedInPublisherFunction"].name

    outcome = poll_linkedin_once(stack)

    assert outcome is not None and outcome.failed_ids == outcome.message_ids
    assert [r for r in idempotency_records(stack) if r["id"].startswith(f"{linkedin}.")] == []

    apis.linkedin.set_faults(FaultPlan())
    stack.drain()
    assert channel(stack, "IDEM-1", "linkedin")["state"] == "published"
    records = [r for r in idempotency_records(stack) if r["id"].startswith(f"{linkedin}.")]
    assert [r["status"] for r in records] == ["COMPLETED"]  # LinkedIn's answer to the one call made


def test_a_create_whose_answer_was_lost_is_sent_again_and_counts_as_done(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, apis = delivery
    apis.linkedin.set_faults(FaultPlan(sequence=(Fault.DROP_AFTER,)))  # LinkedIn made the job; we never heard
    upload_json(stack, "incoming/a.json", [posting("LOST-1")])
    stack.drain()

    creates = [e for body in linkedin_requests(stack) for e in body["elements"]]
    assert [e["jobPostingOperationType"] for e in creates] == ["CREATE", "CREATE"]
    assert dict(apis.linkedin.creates) == {"LOST-1": 1}
    entry = channel(stack, "LOST-1", "linkedin")
    assert entry["state"] == "published" and "repeated CREATE" in entry["reason"]
    item = state_item(stack, "LOST-1")
    assert item is not None and item["linkedin_job_posting"] == apis.linkedin.jobs["LOST-1"].job_posting


def test_a_crash_between_keeping_the_job_and_marking_it_submitted_calls_linkedin_once(
    delivery: tuple[EmbeddedStack, LocalChannelApis], monkeypatch: pytest.MonkeyPatch
) -> None:
    stack, apis = delivery
    upload_json(stack, "incoming/a.json", [posting("KEPT-1")])
    ingest_only(stack)
    event = event_for(stack, "LinkedInQueue", take_messages(stack, "LinkedInQueue"))

    def crash(*_: Any, **__: Any) -> bool:
        raise ConnectionError("the function stopped after keeping the job")

    with monkeypatch.context() as patch:
        patch.setattr(StateTable, "mark", crash)  # the first state write after LinkedIn's answer
        with pytest.raises(ConnectionError):
            stack.invoke("LinkedInPublisherFunction", event)
    feeds = FeedStore(stack.dynamodb, stack.environment()["FEED_TABLE"])
    assert feeds.entry(LINKEDIN_API_JOBS, "KEPT-1") is not None  # the job is kept...
    assert channel(stack, "KEPT-1", "linkedin")["state"] == "queued"  # ...its state not yet marked

    # SQS delivers the message again: the call's idempotency record answers, LinkedIn is not called.
    assert stack.invoke("LinkedInPublisherFunction", event) == {"batchItemFailures": []}
    stack.drain()
    assert len(linkedin_requests(stack)) == 1 and dict(apis.linkedin.creates) == {"KEPT-1": 1}
    assert channel(stack, "KEPT-1", "linkedin")["state"] == "published"


# --- element errors and tasks ------------------------------------------------------------------------------


def test_an_element_error_marks_that_posting_failed_with_linkedins_message(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, _ = delivery
    upload_json(stack, "incoming/a.json", [posting("EL-1"), posting("EL-2")])
    ingest_only(stack)
    messages = take_messages(stack, "LinkedInQueue")
    bodies = [json.loads(m["Body"]) for m in messages]
    for body in bodies:
        if body["posting_id"] == "EL-1":
            body["payload"]["employmentStatus"] = "SOMETIMES"  # what LinkedIn's enum does not know
    send_bodies(stack, "LinkedInQueue", [json.dumps(body) for body in bodies])

    stack.drain()

    failed = channel(stack, "EL-1", "linkedin")
    assert failed["state"] == "failed"
    assert "ERROR :: /employmentStatus" in failed["reason"] and "422" in failed["reason"]
    assert (
        status_document(state_item(stack, "EL-1") or {})["channels"]["linkedin"]["last_error"]
        == failed["reason"]
    )
    assert channel(stack, "EL-2", "linkedin")["state"] == "published"


def test_a_task_linkedin_fails_later_marks_the_posting_failed_and_the_next_version_creates_again() -> None:
    options = {"rejected_word": "forbidden"}
    with local_stack(WITH_GOOGLE, linkedin_options=options) as (stack, apis):
        stack.drain()
        upload_json(stack, "incoming/a.json", [posting("TASK-1", title="Forbidden Cook")])
        stack.drain()
        entry = channel(stack, "TASK-1", "linkedin")
        assert entry["state"] == "failed"
        assert "JOB_FIELD_PROCESSOR_TITLE" in entry["reason"] and entry["reason"].startswith(
            "LinkedIn CREATE failed"
        )

        upload_json(stack, "incoming/b.json", [posting("TASK-1", title="Line Cook")])
        stack.drain()
        assert channel(stack, "TASK-1", "linkedin")["state"] == "published"
        assert apis.linkedin.jobs["TASK-1"].operations == ["CREATE"]


def test_a_task_still_in_progress_is_polled_again_until_it_ends() -> None:
    with local_stack(WITH_GOOGLE, linkedin_options={"polls_until_done": 3}) as (stack, apis):
        stack.drain()
        upload_json(stack, "incoming/a.json", [posting("POLL-1")])
        stack.drain()
        assert channel(stack, "POLL-1", "linkedin")["state"] == "published"
        assert apis.linkedin.calls["tasks"] == 4  # three answers IN_PROGRESS, then the outcome


def test_polling_gives_up_after_the_configured_attempts_with_the_reason() -> None:
    with local_stack(WITH_GOOGLE, linkedin_options={"polls_until_done": 10}) as (stack, apis):
        stack.drain()
        stack.override_environment({"LINKEDIN_TASK_POLL_ATTEMPTS": "3"})
        upload_json(stack, "incoming/a.json", [posting("POLL-2")])
        stack.drain()
        entry = channel(stack, "POLL-2", "linkedin")
        assert entry["state"] == "failed"
        assert "had not finished task" in entry["reason"] and "after 3 checks" in entry["reason"]
        assert apis.linkedin.calls["tasks"] == 3


# --- expiry --------------------------------------------------------------------------------------------


def test_expiry_takes_a_posting_down_everywhere_and_a_second_run_sends_nothing(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, apis = delivery
    until = datetime.now(UTC) + timedelta(days=2)
    upload_json(
        stack,
        "incoming/a.json",
        [posting("EXP-1", valid_through=until.strftime("%Y-%m-%dT%H:%M:%SZ")), posting("STAYS-1")],
    )
    stack.drain()
    assert channel(stack, "EXP-1", "linkedin")["state"] == "published"
    early = stack.run_schedule("ExpiryFunction", until - timedelta(hours=1))
    assert early["expired"] == 0

    result = stack.run_schedule("ExpiryFunction", until + timedelta(minutes=15))
    stack.drain()

    assert result["expired"] == 1 and result["queued"] == {"linkedin": 1, "indeed": 1, "schemaorg": 1}
    for name in ("linkedin", "indeed", "schemaorg"):
        entry = channel(stack, "EXP-1", name)
        assert (entry["state"], entry["reason"]) == ("removed", "valid_through has passed"), name
    assert apis.linkedin.jobs["EXP-1"].operations == ["CREATE", "CLOSE"]
    [close] = [
        e for b in linkedin_requests(stack) for e in b["elements"] if e["jobPostingOperationType"] == "CLOSE"
    ]
    assert close["externalJobPostingId"] == "EXP-1" and "expireAt" not in close
    assert feed_posting_ids(stack) == ["STAYS-1"]
    assert page(stack, "EXP-1") is None and sitemap_urls(stack) == [page_url("STAYS-1")]
    assert (page_url("EXP-1"), "URL_DELETED") in notified(apis)
    item = state_item(stack, "EXP-1")
    assert item is not None and "expires_at" not in item

    calls, heard = dict(apis.linkedin.calls), len(apis.google.notifications)
    again = stack.run_schedule("ExpiryFunction", until + timedelta(minutes=30))
    report = stack.drain()
    assert again["expired"] == 0 and again["queued"] == {}
    assert sum(report.invocations.values()) == 0
    assert dict(apis.linkedin.calls) == calls and len(apis.google.notifications) == heard


def test_a_newer_version_ingested_before_the_expiry_run_is_left_to_the_ingest(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, _ = delivery
    until = datetime.now(UTC) + timedelta(days=2)
    stamp = until.strftime("%Y-%m-%dT%H:%M:%SZ")
    upload_json(stack, "incoming/a.json", [posting("EXT-1", valid_through=stamp)])
    stack.drain()
    later = (until + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    upload_json(stack, "incoming/b.json", [posting("EXT-1", valid_through=later)])  # extended
    stack.drain()

    result = stack.run_schedule("ExpiryFunction", until + timedelta(hours=1))

    assert result["expired"] == 0
    assert channel(stack, "EXT-1", "linkedin")["state"] == "published"
    item = state_item(stack, "EXT-1")
    assert item is not None and item["expires_at"].startswith(later[:19])


# --- LinkedIn's XML feed ----------------------------------------------------------------------------------


def linkedin_feed_ids(stack: EmbeddedStack) -> list[str]:
    body = object_bytes(stack, "FeedBucket", "linkedin/feed.xml")
    if body is None:
        return []
    return [(job.findtext("partnerJobId") or "") for job in ET.fromstring(body).findall("job")]


def test_feed_mode_keeps_linkedin_feed_xml_to_the_open_jobs_and_never_calls_the_api() -> None:
    with local_stack({**WITH_GOOGLE, "LinkedInDelivery": "feed"}) as (stack, apis):
        stack.drain()
        two_places = [
            {"locality": "Denver", "region": "CO", "country": "US"},
            {"locality": "Boulder", "region": "CO", "country": "US"},
        ]
        upload_json(
            stack,
            "incoming/a.json",
            [posting("FEED-1"), posting("FEED-2"), posting("FEED-3", locations=two_places)],
        )
        ingest_only(stack)
        event = event_for(stack, "LinkedInQueue", take_messages(stack, "LinkedInQueue"))
        assert stack.invoke("LinkedInPublisherFunction", event) == {"batchItemFailures": []}
        published = state_item(stack, "FEED-1")
        # Delivered again: the state write was its idempotency, so nothing changes, and no
        # Powertools record was written for it.
        assert stack.invoke("LinkedInPublisherFunction", event) == {"batchItemFailures": []}
        assert state_item(stack, "FEED-1") == published
        assert channel(stack, "FEED-1", "linkedin")["state"] == "published"
        stack.drain()
        assert idempotency_records(stack) == []
        assert sorted(linkedin_feed_ids(stack)) == ["FEED-1", "FEED-2"]
        skipped = channel(stack, "FEED-3", "linkedin")
        assert skipped["state"] == "skipped" and "too_many_locations" in skipped["reason"]

        upload_json(stack, "incoming/b.json", [posting("FEED-1", status="closed")])
        stack.drain()
        assert linkedin_feed_ids(stack) == ["FEED-2"]
        assert channel(stack, "FEED-1", "linkedin")["state"] == "removed"
        assert sum(apis.linkedin.calls.values()) == 0
        assert status_document(state_item(stack, "FEED-2") or {})["channels"]["linkedin"]["external_ids"] == [
            "FEED-2"
        ]


def test_the_runtime_runs_a_schedule_with_eventbridges_event(
    delivery: tuple[EmbeddedStack, LocalChannelApis],
) -> None:
    stack, _ = delivery
    with pytest.raises(ValueError, match="no enabled Schedule"):
        stack.run_schedule("IngestFunction")
    result = stack.run_schedule("ExpiryFunction", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert result["now"] == "2030-01-02T03:04:05+00:00"
