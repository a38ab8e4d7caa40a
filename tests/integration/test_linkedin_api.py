"""The LinkedIn client against the fake LinkedIn over real HTTP: operations, element errors, tasks,
token refresh, retries, deadlines, and a fault-injection run that loses nothing and creates nothing twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from infra.fakes.linkedin import FakeLinkedIn, Fault, FaultPlan

from syndicate.adapters.http import RetryPolicy, Timeouts, no_deadline
from syndicate.adapters.linkedin_api import (
    LinkedInAuthError,
    LinkedInClient,
    LinkedInError,
    LinkedInUnavailable,
    OutOfTime,
    TaskStatus,
)

CREDENTIALS = {"client_id": "fake-client-id", "client_secret": "fake-client-secret"}
DESCRIPTION = (
    "<p>We are looking for a backend engineer to design, build and run the services behind our job "
    "board. You will own APIs end to end, from design to operations.</p>"
)


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeLinkedIn]:
    with FakeLinkedIn(
        seed=7,
        rejected_word="forbidden",
        legacy_feed_ids={"legacy-ok", "legacy-bad"},
        record_to=tmp_path / "linkedin" / "requests.jsonl",
    ) as server:
        yield server


def client_for(
    fake: FakeLinkedIn,
    *,
    deadline: Callable[[], float] = no_deadline,
    connect: float = 1.0,
    read: float = 2.0,
    retries: int = 3,
    credentials: dict[str, str] = CREDENTIALS,
) -> LinkedInClient:
    return LinkedInClient(
        credentials=lambda: credentials,
        version="202504",
        base_url=fake.base_url,
        token_url=fake.token_url,
        deadline=deadline,
        timeouts=Timeouts(connect=connect, read=read),
        retry=RetryPolicy(retries=retries, backoff_factor=0.01, backoff_jitter=0.01),
    )


def job(external_id: str, operation: str = "CREATE", **fields: Any) -> dict[str, Any]:
    return {
        "externalJobPostingId": external_id,
        "jobPostingOperationType": operation,
        "title": "Backend Engineer",
        "description": DESCRIPTION,
        "listedAt": int(time.time() * 1000) - 60_000,
        "location": "Berlin, Germany",
        "posterEmail": "recruiter@example.com",
        "companyName": "Example GmbH",
        "companyApplyUrl": "https://jobs.example.com/backend-engineer",
        "employmentStatus": "FULL_TIME",
        "workplaceTypes": ["Hybrid"],
        **fields,
    }


def seconds_from_now(budget: float) -> Callable[[], float]:
    ends = time.monotonic() + budget
    return lambda: ends - time.monotonic()


def finished(client: LinkedInClient, urns: list[str], polls: int = 5) -> dict[str, TaskStatus]:
    done: dict[str, TaskStatus] = {}
    for _ in range(polls):
        statuses = client.task_statuses([urn for urn in urns if urn not in done])
        done.update({urn: status for urn, status in statuses.items() if status.done})
        if len(done) == len(urns):
            return done
    raise AssertionError(f"tasks still running after {polls} polls: {set(urns) - set(done)}")


def accepted_task(client: LinkedInClient, element: dict[str, Any]) -> str:
    (result,) = client.batch_create([element])
    assert result.accepted, result.error
    assert result.task_urn is not None
    return result.task_urn


# --- operations ---------------------------------------------------------------------------------------


def test_create_update_close_round_trip_with_task_polling(fake: FakeLinkedIn, tmp_path: Path) -> None:
    with client_for(fake) as client:
        created = accepted_task(client, job("job-1"))
        assert created.startswith("urn:li:simpleJobPostingTask:")
        first_look = client.task_statuses([created])[created]
        assert first_look.status == "IN_PROGRESS" and not first_look.done
        posted = finished(client, [created])[created]
        assert posted.succeeded and posted.external_id == "job-1"
        assert posted.job_posting is not None and posted.job_posting.startswith("urn:li:jobPosting:")

        updated = accepted_task(client, job("job-1", "UPDATE", title="Senior Backend Engineer"))
        closed_after_update = finished(client, [updated])[updated]
        assert closed_after_update.succeeded and closed_after_update.job_posting == posted.job_posting

        closed = accepted_task(client, job("job-1", "CLOSE"))
        assert finished(client, [closed])[closed].succeeded

        (again,) = client.batch_create([job("job-1", "CLOSE")])
        assert not again.accepted and again.already_closed

    state = fake.jobs["job-1"]
    assert (state.state, state.operations, state.job_posting) == (
        "CLOSED",
        ["CREATE", "UPDATE", "CLOSE"],
        posted.job_posting,
    )
    lines = (tmp_path / "linkedin" / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    recorded = [json.loads(line) for line in lines]
    assert [r["body"]["elements"][0]["jobPostingOperationType"] for r in recorded] == [
        "CREATE",
        "UPDATE",
        "CLOSE",
        "CLOSE",
    ]
    assert recorded[1]["body"]["elements"][0]["title"] == "Senior Backend Engineer"
    assert {r["linkedin_version"] for r in recorded} == {"202504"}


def test_element_errors_are_reported_per_element_with_linkedins_message(fake: FakeLinkedIn) -> None:
    untitled = job("no-title")
    del untitled["title"]
    elements = [
        job("fine"),
        untitled,
        job("never-posted", "CLOSE"),
        job("x" * 76),
        job("two-places", workplaceTypes=["Hybrid", "Remote"]),
        job("from-the-future", listedAt=int(time.time() * 1000) + 3_600_000),
        job("no-company", companyName=None, companyApplyUrl=None),
        job("bad-enum", jobPostingOperationType="UPDATED"),
    ]
    with client_for(fake) as client:
        results = client.batch_create(elements)

    assert [r.external_id for r in results] == [e["externalJobPostingId"] for e in elements]
    assert results[0].accepted and results[0].error is None
    errors = {r.external_id: r.error for r in results[1:]}
    assert all(not r.accepted and r.task_urn is None for r in results[1:])
    assert errors["no-title"] is not None and errors["no-title"].status == 422
    assert "/title :: field is required" in errors["no-title"].message
    assert errors["never-posted"] is not None and errors["never-posted"].status == 409
    assert results[2].already_closed
    assert errors["x" * 76] is not None and "/externalJobPostingId" in errors["x" * 76].message
    assert errors["two-places"] is not None and "more than one value" in errors["two-places"].message
    assert errors["from-the-future"] is not None
    assert errors["from-the-future"].code == "ERROR_INVALID_LISTED_AT_FIELD"
    assert errors["no-company"] is not None and "companyName must be provided" in errors["no-company"].message
    assert errors["bad-enum"] is not None and '"UPDATED" is not an enum symbol' in errors["bad-enum"].message
    assert set(fake.jobs) == {"fine"}


def test_problems_found_later_come_back_in_the_task(fake: FakeLinkedIn) -> None:
    with client_for(fake) as client:
        results = client.batch_create(
            [
                job("rejected", title="Forbidden Engineer"),
                job("short", description="<p>Too short.</p>"),
                job("unknown", "UPDATE"),
                job("legacy-ok"),
                job("legacy-bad", title="forbidden words"),
            ]
        )
        tasks = {r.external_id: r.task_urn for r in results if r.task_urn}
        assert len(tasks) == 5
        statuses = finished(client, list(tasks.values()))

    by_job = {status.external_id: status for status in statuses.values()}
    assert by_job["rejected"].failed and "title is marked invalid" in (by_job["rejected"].error or "")
    assert by_job["short"].failed and "at least 100 characters" in (by_job["short"].error or "")
    assert by_job["unknown"].failed and "non-existing job" in (by_job["unknown"].error or "")
    assert by_job["legacy-ok"].status == "PROCESSED" and by_job["legacy-ok"].succeeded
    assert by_job["legacy-bad"].status == "PROCESSED" and by_job["legacy-bad"].failed
    assert set(fake.jobs) == {"legacy-ok"}


def test_a_batch_linkedin_forbids_is_refused_before_sending(fake: FakeLinkedIn) -> None:
    with client_for(fake) as client:
        with pytest.raises(ValueError, match="at most 100"):
            client.batch_create([job(f"job-{n}") for n in range(101)])
        with pytest.raises(ValueError, match="'twice'"):
            client.batch_create([job("twice"), job("twice", "UPDATE")])
        with pytest.raises(ValueError, match="no externalJobPostingId"):
            client.batch_create([{"title": "Engineer"}])
    assert not fake.calls


def test_task_queries_stay_within_four_kilobytes(fake: FakeLinkedIn) -> None:
    with client_for(fake) as client:
        results = client.batch_create([job(f"job-{n}") for n in range(100)])
        results += client.batch_create([job(f"job-{n}") for n in range(100, 130)])
        urns = [r.task_urn for r in results if r.task_urn]
        assert len(urns) == 130
        statuses = client.task_statuses(urns)
    assert set(statuses) == set(urns)
    assert fake.calls["tasks"] >= 3


# --- tokens -------------------------------------------------------------------------------------------


def test_a_401_mid_run_refreshes_the_token_once(fake: FakeLinkedIn) -> None:
    with client_for(fake) as client:
        accepted_task(client, job("job-1"))
        accepted_task(client, job("job-2"))
        assert fake.tokens_issued == 1  # one token, reused

        fake.expire_tokens()
        accepted_task(client, job("job-3"))
        assert fake.tokens_issued == 2

        fake.inject(Fault.EXPIRED_TOKEN)
        accepted_task(client, job("job-4"))
        assert fake.tokens_issued == 3

        fake.inject(Fault.EXPIRED_TOKEN, Fault.EXPIRED_TOKEN)
        with pytest.raises(LinkedInAuthError) as refused:
            client.batch_create([job("job-5")])
        assert refused.value.retryable and refused.value.service_error_code == 65602
        assert fake.tokens_issued == 4  # refreshed once, not in a loop
    assert set(fake.jobs) == {"job-1", "job-2", "job-3", "job-4"}


def test_refused_credentials_are_final_and_never_shown(fake: FakeLinkedIn) -> None:
    wrong = {"client_id": "fake-client-id", "client_secret": "not-the-secret"}
    with client_for(fake, credentials=wrong) as client, pytest.raises(LinkedInAuthError) as refused:
        client.batch_create([job("job-1")])
    assert not refused.value.retryable
    assert "not-the-secret" not in str(refused.value)
    assert "Client authentication failed" in str(refused.value)


# --- retries and the deadline -------------------------------------------------------------------------


def test_retry_after_shorter_than_the_time_left_is_honoured(fake: FakeLinkedIn) -> None:
    fake.set_faults(FaultPlan(sequence=(Fault.THROTTLE,), retry_after=1))
    with client_for(fake, deadline=lambda: 10.0) as client:
        started = time.monotonic()
        accepted_task(client, job("job-1"))
        waited = time.monotonic() - started
    assert fake.calls["jobs"] == 2
    assert waited >= 0.9  # it did wait as asked rather than hammering LinkedIn


def test_retry_after_longer_than_the_time_left_raises_out_of_time_without_waiting(fake: FakeLinkedIn) -> None:
    fake.set_faults(FaultPlan(sequence=(Fault.THROTTLE,), retry_after=30))
    with client_for(fake, deadline=lambda: 5.0) as client:
        started = time.monotonic()
        with pytest.raises(OutOfTime) as out_of_time:
            client.batch_create([job("job-1")])
        elapsed = time.monotonic() - started
    assert elapsed < 5.0  # nowhere near the 30 s LinkedIn asked for
    assert out_of_time.value.retryable and out_of_time.value.status == 429
    assert fake.calls["jobs"] == 1 and not fake.jobs


def test_no_attempt_starts_that_could_not_finish_before_the_deadline(fake: FakeLinkedIn) -> None:
    fake.inject(Fault.SERVER_ERROR)
    # The first attempt's timeouts are clipped to the 1.5 s left; a retry would need as long again.
    end = time.monotonic() + 1.5
    with (
        client_for(fake, deadline=lambda: end - time.monotonic(), connect=1.0, read=1.0) as client,
        pytest.raises(OutOfTime),
    ):
        client.batch_create([job("job-1")])
    assert fake.calls["jobs"] == 1
    with client_for(fake, deadline=lambda: 0.01) as client, pytest.raises(OutOfTime):
        client.batch_create([job("job-2")])
    assert fake.calls["jobs"] == 1 and fake.calls["token"] == 1


def test_server_errors_and_dropped_connections_are_retried(fake: FakeLinkedIn) -> None:
    fake.inject(Fault.SERVER_ERROR, Fault.DROP, Fault.SERVER_ERROR)
    with client_for(fake) as client:
        task = accepted_task(client, job("job-1"))
        assert finished(client, [task])[task].succeeded
    assert fake.calls["jobs"] == 4
    assert fake.creates["job-1"] == 1


def test_slow_answers_hit_the_read_timeout_and_are_retried(fake: FakeLinkedIn) -> None:
    fake.set_faults(FaultPlan(sequence=(Fault.SLOW,), slow_seconds=1.0))
    with client_for(fake, read=0.3) as client:
        task = accepted_task(client, job("job-1"))
        status = finished(client, [task])[task]
    # The slow call was carried out, only its answer came late: the retry is LinkedIn's duplicate CREATE,
    # which the client recognises, with the job that exists.
    assert fake.faults_injected[Fault.SLOW] == 1 and fake.calls["jobs"] == 2
    assert status.duplicate_create and status.job_posting == fake.jobs["job-1"].job_posting
    assert fake.creates["job-1"] == 1


def test_a_lost_answer_to_a_close_is_recognised(fake: FakeLinkedIn) -> None:
    with client_for(fake) as client:
        finished(client, [accepted_task(client, job("job-1"))])
        fake.inject(Fault.DROP_AFTER)
        (result,) = client.batch_create([job("job-1", "CLOSE")])
    assert result.already_closed
    assert fake.jobs["job-1"].operations == ["CREATE", "CLOSE"]


def test_retries_running_out_raise_a_retryable_error(fake: FakeLinkedIn) -> None:
    fake.inject(*[Fault.SERVER_ERROR] * 3)
    with client_for(fake, retries=2) as client, pytest.raises(LinkedInUnavailable) as unavailable:
        client.batch_create([job("job-1")])
    assert unavailable.value.retryable and unavailable.value.status == 500
    assert fake.calls["jobs"] == 3 and not fake.jobs


# --- the fake checks what LinkedIn checks ------------------------------------------------------------


def test_the_fake_refuses_what_linkedin_refuses(fake: FakeLinkedIn) -> None:
    token = requests.post(fake.token_url, data={"grant_type": "client_credentials", **CREDENTIALS}, timeout=5)
    assert token.status_code == 200 and token.json()["expires_in"] == 1800
    good = {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "LinkedIn-Version": "202504",
        "X-Restli-Protocol-Version": "2.0.0",
        "X-Restli-Method": "batch_create",
    }
    url = fake.base_url + "/rest/simpleJobPostings"

    def post(body: Any, **headers: str | None) -> requests.Response:
        sent = {k: v for k, v in {**good, **headers}.items() if v is not None}
        return requests.post(url, json=body, headers=sent, timeout=5)

    assert post({"elements": [job("ok")]}).status_code == 200
    assert post({"elements": [job("a")]}, **{"X-Restli-Method": None}).status_code == 403
    assert post({"elements": [job("a")]}, **{"LinkedIn-Version": None}).status_code == 400
    assert post({"elements": [job("a")]}, **{"X-Restli-Protocol-Version": None}).status_code == 400
    assert post({"elements": [job("a")]}, Authorization=None).json()["message"] == "Empty oauth2_access_token"
    assert post({"elements": [job("a")]}, Authorization="Bearer forged").json()["serviceErrorCode"] == 65600
    assert post({"elements": [job(f"j{n}") for n in range(101)]}).status_code == 400
    assert post({"elements": [job("d"), job("d")]}).status_code == 400
    assert post({"jobs": []}).status_code == 400
    refused = requests.post(fake.token_url, data={"grant_type": "password", **CREDENTIALS}, timeout=5)
    assert refused.json()["error"] == "unsupported_grant_type"
    assert set(fake.jobs) == {"ok"}


# --- fault injection ----------------------------------------------------------------------------------


def test_fault_injection_run_loses_nothing_and_creates_nothing_twice() -> None:
    """60 jobs created, updated and closed while 30% of calls fail with every kind of fault. The caller
    requeues whatever raised; at the end every job went through CREATE, UPDATE and CLOSE, was created once,
    and the client saw the same job posting LinkedIn holds."""
    operations = ("CREATE", "UPDATE", "CLOSE")
    ids = [f"job-{n:02d}" for n in range(60)]
    stage = dict.fromkeys(ids, 0)
    waiting: dict[str, tuple[str, int]] = {}  # task urn -> (job, stage it completes)
    postings: dict[str, str] = {}
    requeued = 0
    # Every kind once up front (three 500s in a row outlast the retries: one requeue for sure), then 30%.
    every_kind = (Fault.THROTTLE, None, Fault.SLOW, None, Fault.DROP, None, Fault.DROP_AFTER, None)
    first = (
        Fault.SERVER_ERROR,
        Fault.SERVER_ERROR,
        Fault.SERVER_ERROR,
        None,
        *every_kind,
        Fault.EXPIRED_TOKEN,
    )
    plan = FaultPlan(share=0.3, sequence=first, retry_after=0, slow_seconds=0.8)
    with FakeLinkedIn(seed=4, faults=plan) as fake, client_for(fake, read=0.5, retries=2) as client:
        for _ in range(40):
            client.set_deadline(seconds_from_now(20.0))  # each round is one "invocation"
            in_flight = {external_id for external_id, _ in waiting.values()}
            due = [i for i in ids if stage[i] < len(operations) and i not in in_flight]
            for chunk in (due[n : n + 4] for n in range(0, len(due), 4)):
                elements = [job(i, operations[stage[i]], title=f"Engineer {i} v{stage[i]}") for i in chunk]
                try:
                    results = client.batch_create(elements)
                except LinkedInError as error:
                    assert error.retryable, error
                    requeued += 1
                    continue
                for result in results:
                    if result.task_urn is not None:
                        waiting[result.task_urn] = (result.external_id, stage[result.external_id])
                    elif result.already_closed:
                        stage[result.external_id] = len(operations)
                    else:
                        pytest.fail(f"{result.external_id} refused: {result.error}")
            try:
                statuses = client.task_statuses(list(waiting)) if waiting else {}
            except LinkedInError as error:
                assert error.retryable, error
                requeued += 1
                continue
            for urn, status in statuses.items():
                if not status.done:
                    continue
                external_id, at = waiting.pop(urn)
                assert status.succeeded or (at == 0 and status.duplicate_create), (external_id, status)
                assert status.job_posting is not None
                assert postings.setdefault(external_id, status.job_posting) == status.job_posting
                stage[external_id] = at + 1
            if not waiting and all(s == len(operations) for s in stage.values()):
                break

        jobs = fake.jobs
        injected = fake.faults_injected
        creates = fake.creates

    assert all(s == len(operations) for s in stage.values()), stage
    assert set(jobs) == set(ids)
    for external_id, state in jobs.items():
        assert creates[external_id] == 1
        assert state.state == "CLOSED"
        assert state.operations[0] == "CREATE" and state.operations.count("CREATE") == 1
        assert state.operations[-1] == "CLOSE" and state.operations.count("CLOSE") == 1
        assert set(state.operations[1:-1]) == {"UPDATE"}
        assert postings[external_id] == state.job_posting
    assert set(injected) == set(Fault)
    assert sum(injected.values()) - sum(f is not None for f in first) >= 5, injected  # the 30% share too
    assert requeued > 0  # some work did outlast the retries and was handed back, then done
