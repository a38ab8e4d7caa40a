"""The pure delivery rules: the LinkedIn operation, what counts as live, task poll messages, poll delays,
request digests, and the status document's ids and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.assess import assess
from syndicate.core.delivery import CLOSED, LISTED, linkedin_operation
from syndicate.core.intake import RawPosting
from syndicate.core.messages import ChannelMessage, TaskPoll, content_hash, is_task_poll
from syndicate.core.plan import FAILED, PENDING, SKIPPED, SUBMITTED, plan_channels
from syndicate.pipeline.posting_status import describe, status_document
from syndicate.pipeline.publishers.linkedin import LinkedInApiPublisher, request_digest
from syndicate.pipeline.render import render_payload
from tests.factories import NOW, raw_posting


@pytest.mark.parametrize(
    ("action", "listing", "operation"),
    [
        ("upsert", None, "CREATE"),
        ("upsert", LISTED, "UPDATE"),
        ("upsert", CLOSED, "RENEW"),
        ("remove", None, "CLOSE"),
        ("remove", LISTED, "CLOSE"),
        ("remove", CLOSED, "CLOSE"),
    ],
)
def test_the_linkedin_operation_follows_what_linkedin_holds(
    action: str, listing: str | None, operation: str
) -> None:
    assert linkedin_operation(action, listing) == operation


def decide(raw: dict[str, Any], previous: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    result = assess(RawPosting("t.json", 0, raw), NOW)
    return {
        step.channel: (step.action, step.state)
        for step in plan_channels(result, content_hash(raw), previous, NOW).channels
    }


def entry(raw: dict[str, Any], state: str, action: str = "upsert") -> dict[str, Any]:
    return {"state": state, "hash": content_hash(raw), "action": action}


def test_a_channel_whose_last_delivery_failed_is_still_taken_down_when_the_posting_closes() -> None:
    old = raw_posting()
    previous = {"channels": {"linkedin": entry(old, FAILED), "indeed": entry(old, FAILED, "remove")}}
    decisions = decide(raw_posting(status="closed"), previous)
    assert decisions["linkedin"] == ("remove", PENDING)
    assert decisions["indeed"] == ("remove", PENDING)  # a failed take-down is tried again
    assert decisions["schemaorg"] == (None, SKIPPED)


def test_a_failed_channel_is_sent_again_even_when_the_content_is_unchanged() -> None:
    raw = raw_posting()
    assert decide(raw, {"channels": {"linkedin": entry(raw, FAILED)}})["linkedin"] == ("upsert", PENDING)


def test_a_submitted_job_is_live_so_unchanged_content_sends_nothing() -> None:
    raw = raw_posting()
    assert decide(raw, {"channels": {"linkedin": entry(raw, SUBMITTED)}})["linkedin"] == (None, SUBMITTED)


def test_feed_mode_renders_the_feed_job_and_nothing_to_take_down() -> None:
    posting = assess(RawPosting("t.json", 0, raw_posting()), NOW).posting
    assert posting is not None
    [job] = render_payload(posting, "linkedin", "upsert", NOW, linkedin_delivery="feed")
    assert job["partnerJobId"] == "JOB-1"
    assert render_payload(posting, "linkedin", "remove", NOW, linkedin_delivery="feed") is None
    api = render_payload(posting, "linkedin", "upsert", NOW, linkedin_listing=LISTED)
    assert api["jobPostingOperationType"] == "UPDATE"


def test_a_task_poll_survives_its_trip_through_the_queue_and_counts_attempts() -> None:
    poll = TaskPoll("J-1", "h", "upsert", "o", "urn:li:simpleJobPostingTask:1", "CREATE", 1)
    data = json.loads(poll.to_json())
    assert is_task_poll(data) and TaskPoll.from_dict(data) == poll
    assert poll.next_attempt().attempt == 2 and poll.next_attempt().task_urn == poll.task_urn
    message = ChannelMessage("J-1", "linkedin", "upsert", "h", "o", "s", payload={"x": 1})
    assert not is_task_poll(json.loads(message.to_json()))
    with pytest.raises(ValueError, match="not a LinkedIn task poll"):
        TaskPoll.from_dict({"kind": "other"})


@settings(max_examples=100, deadline=None)
@given(base=st.integers(min_value=0, max_value=600), attempt=st.integers(min_value=1, max_value=40))
def test_poll_delays_double_and_never_pass_sqs_limit(base: int, attempt: int) -> None:
    publisher = LinkedInApiPublisher(
        s3=None,
        state=None,  # type: ignore[arg-type]
        dynamodb=None,
        table_name="t",
        poll_delay_seconds=base,
        poll_attempts=12,
    )
    delay = publisher.poll_delay(attempt)
    assert 0 <= delay <= 900
    assert delay == min(900, base * 2 ** (attempt - 1))
    assert publisher.poll_delay(attempt + 1) >= delay


def test_the_same_jobs_of_another_version_are_another_call() -> None:
    elements = [{"externalJobPostingId": "J-1", "title": "Cook"}]
    assert request_digest(elements, ["o1"]) == request_digest(elements, ["o1"])
    assert request_digest(elements, ["o1"]) != request_digest(elements, ["o2"])


def item(**extra: Any) -> dict[str, Any]:
    return {"posting_id": "J-1", "posting_status": "open", "channels": {}, **extra}


def test_the_status_shows_linkedins_job_urn_while_linkedin_lists_the_job() -> None:
    urn = "urn:li:jobPosting:3900000001"
    published = item(
        channels={"linkedin": {"state": "published"}}, linkedin_listing=LISTED, linkedin_job_posting=urn
    )
    assert status_document(published)["channels"]["linkedin"]["external_ids"] == ["J-1", urn]
    # A later version failed: the job LinkedIn lists is still there, and so are its ids.
    failed = item(
        channels={"linkedin": {"state": "failed", "reason": "LinkedIn UPDATE failed: no"}},
        linkedin_listing=LISTED,
        linkedin_job_posting=urn,
    )
    document = status_document(failed)
    assert document["channels"]["linkedin"]["external_ids"] == ["J-1", urn]
    assert document["channels"]["linkedin"]["last_error"] == "LinkedIn UPDATE failed: no"
    closed = item(
        channels={"linkedin": {"state": "removed"}}, linkedin_listing=CLOSED, linkedin_job_posting=urn
    )
    assert status_document(closed)["channels"]["linkedin"]["external_ids"] == []


def test_the_status_shows_why_a_delivery_waits_and_describe_prints_it() -> None:
    waiting = item(
        channels={
            "linkedin": {
                "state": "queued",
                "action": "upsert",
                "last_error": "LinkedIn call did not complete",
            },
            "schemaorg": {"state": "published", "last_error": "Google Indexing API refused URL_UPDATED"},
        }
    )
    document = status_document(waiting)
    assert document["channels"]["linkedin"]["last_error"] == "LinkedIn call did not complete"
    assert document["channels"]["schemaorg"]["last_error"] == "Google Indexing API refused URL_UPDATED"
    lines = describe(document)
    assert "linkedin   queued (upsert)  last error: LinkedIn call did not complete" in lines
