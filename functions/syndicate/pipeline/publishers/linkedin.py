"""LinkedIn publisher, in the deployment's mode (`LINKEDIN_DELIVERY`): the Job Posting API or the XML feed.

`LinkedInApiPublisher` decides each job's operation, sends `batch_create` calls and answers task polls;
`LinkedInFeedPublisher` keeps each posting's `<job>` in the feed table. The flow, its retries and its
idempotency: docs/channels/linkedin.md, "How a job reaches LinkedIn".
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger

from syndicate.adapters.feed_store import LINKEDIN_API_JOBS, LINKEDIN_FEED
from syndicate.adapters.state import Version, time_text
from syndicate.core import plan as states
from syndicate.core.channels import linkedin
from syndicate.core.delivery import CLOSED, LISTED, LinkedInDelivery, linkedin_listing, linkedin_operation
from syndicate.core.messages import ChannelMessage, TaskPoll, is_task_poll
from syndicate.pipeline.publishers.base import APPLIED, SUPERSEDED, PublisherBase, load_message
from syndicate.settings import LinkedInPublisherSettings

if TYPE_CHECKING:  # the client module loads requests: only the API mode needs it at run time
    from syndicate.adapters.linkedin_api import ElementResult, LinkedInClient, TaskStatus

MAX_DELAY_SECONDS: Final = 900  # SQS's limit for DelaySeconds
SQS_BATCH: Final = 10

logger = Logger(child=True)

# A batch_create call, made once per request digest (see the handler's idempotency): request
# {"digest", "elements"} -> one answer per element, as `answer_dict` writes them.
Submit = Callable[[Mapping[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One SQS record of the LinkedIn queue: a job message or a task poll."""

    message_id: str
    body: ChannelMessage | TaskPoll
    receive_count: int = 1


def read_incoming(s3: Any, text: str, message_id: str, receive_count: int = 1) -> Incoming:
    """Raises for a body that is neither (it then goes back to SQS, and on to the DLQ)."""
    data = json.loads(text)
    if is_task_poll(data):
        return Incoming(message_id, TaskPoll.from_dict(data), receive_count)
    return Incoming(message_id, load_message(s3, text), receive_count)


def answer_dict(result: ElementResult) -> dict[str, Any]:
    """An element's answer as JSON (what the idempotency record stores)."""
    error = result.error
    return {
        "external_id": result.external_id,
        "operation": result.operation,
        "accepted": result.accepted,
        "task_urn": result.task_urn,
        "error": None
        if error is None
        else {
            "status": error.status,
            "message": error.message,
            "service_error_code": error.service_error_code,
            "code": error.code,
        },
    }


def answer_of(data: Mapping[str, Any]) -> ElementResult:
    from syndicate.adapters.linkedin_api import ApiError, ElementResult  # noqa: PLC0415 - see TYPE_CHECKING

    error = data.get("error")
    return ElementResult(
        external_id=str(data["external_id"]),
        operation=str(data["operation"]),
        accepted=bool(data["accepted"]),
        task_urn=data.get("task_urn"),
        error=None if not isinstance(error, dict) else ApiError(**error),
    )


def request_digest(elements: Sequence[Mapping[str, Any]], versions: Sequence[str]) -> str:
    """The same jobs of the same versions: the same call. The versions keep content that comes back
    (A, B, A again) from being answered from the first A's record."""
    text = json.dumps({"elements": list(elements), "versions": list(versions)}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Send:
    message: ChannelMessage
    element: dict[str, Any]
    incomings: list[Incoming]
    version: Version  # the state's, read when the message was found current


@dataclass
class LinkedInApiPublisher(PublisherBase):
    sqs: Any = None
    queue_url: str = ""
    client: Callable[[], LinkedInClient] | None = None
    submit: Submit | None = None
    poll_delay_seconds: int = field(kw_only=True)  # from the function's settings
    poll_attempts: int = field(kw_only=True)
    outcomes: Counter[str] = field(default_factory=Counter)  # of the last `deliver`, for metrics

    def deliver(self, batch: Sequence[Incoming]) -> list[str]:
        """Send the batch's jobs and poll its tasks; returns the ids of the messages to hand back."""
        self.outcomes.clear()
        jobs = [incoming for incoming in batch if isinstance(incoming.body, ChannelMessage)]
        polls = [incoming for incoming in batch if isinstance(incoming.body, TaskPoll)]
        return self._send_jobs(jobs) + self._poll_tasks(polls)

    # --- jobs -----------------------------------------------------------------------------------

    def _send_jobs(self, jobs: list[Incoming]) -> list[str]:
        groups: dict[tuple[str, str, str], list[Incoming]] = {}
        for incoming in jobs:
            message = incoming.body
            assert isinstance(message, ChannelMessage)
            groups.setdefault((message.posting_id, message.content_hash, message.action), []).append(incoming)
        sends: list[_Send] = []
        polls: list[tuple[TaskPoll, list[Incoming]]] = []
        failed: list[str] = []
        for incomings in groups.values():
            message = incomings[0].body
            assert isinstance(message, ChannelMessage)
            item = self.state.get(message.posting_id) or {}
            entry = item.get("channels", {}).get("linkedin", {})
            if entry.get("hash") != message.content_hash or entry.get("action") != message.action:
                self.outcomes["superseded"] += 1
                continue
            if entry.get("state") == states.SUBMITTED and entry.get("task"):
                # Accepted before, but its poll was not queued (or was lost): queue it again.
                polls.append(
                    (self._first_poll(message, entry["task"], entry.get("operation", "")), incomings)
                )
                continue
            if entry.get("state") not in (states.PENDING, states.QUEUED):
                self.outcomes["done"] += 1  # a redelivery of a job whose answer is recorded
                continue
            try:
                element = self._element(message, item)
            except ValueError as problem:
                failed += self._retry_later(incomings, message, str(problem))
                continue
            if element is None:
                self.state.mark(
                    message.posting_id,
                    "linkedin",
                    message.content_hash,
                    states.REMOVED,
                    action=message.action,
                    reason="LinkedIn never had this job: nothing to close",
                )
                self.outcomes["removed"] += 1
                continue
            sends.append(_Send(message, element, incomings, Version.of_item(item)))
        failed += self._submit_all(sends, polls)
        return failed + self._queue_polls(polls)

    def _element(self, message: ChannelMessage, item: Mapping[str, Any]) -> dict[str, Any] | None:
        """The job to send, with the operation the state of record calls for; None: nothing to send."""
        listing = linkedin_listing(item)
        payload = message.payload
        if message.action == "remove" and payload is None:
            payload = self._accepted_job(message.posting_id, item) if listing is not None else None
            if payload is None:
                return None  # expiry of a job LinkedIn never accepted
        if not isinstance(payload, dict) or "externalJobPostingId" not in payload:
            raise ValueError(
                "the message holds no Job Posting API job (rendered while LINKEDIN_DELIVERY was 'feed'?)"
            )
        element = dict(payload)
        element["jobPostingOperationType"] = linkedin_operation(message.action, listing)
        if message.action == "remove":
            # LinkedIn wants an expiry more than a day ahead; a job being closed needs none.
            element.pop("expireAt", None)
        return element

    def _accepted_job(self, posting_id: str, item: Mapping[str, Any]) -> Any:
        """The last job LinkedIn accepted for the posting (to close it), from the feed table; an item
        written before the job moved there still holds it itself."""
        assert self.feeds is not None
        kept = self.feeds.entry(LINKEDIN_API_JOBS, posting_id)
        if kept is not None:
            return kept.payload
        stored = item.get("linkedin_job")
        return json.loads(stored) if stored else None

    def _submit_all(self, sends: list[_Send], polls: list[tuple[TaskPoll, list[Incoming]]]) -> list[str]:
        if not sends:
            return []
        assert self.submit is not None
        pending = iter(sends)
        done = 0
        for body in linkedin.batch_requests(send.element for send in sends):
            chunk = [next(pending) for _ in body["elements"]]
            request = {
                "digest": request_digest(body["elements"], [send.message.upload_order for send in chunk]),
                "elements": body["elements"],
            }
            try:
                answers = [answer_of(answer) for answer in self.submit(request)]
            except Exception as error:
                if not _is_linkedin_error(error):
                    raise
                reason = f"LinkedIn call did not complete ({type(error).__name__}): {error}"
                failed: list[str] = []
                for send in sends[done:]:
                    failed += self._retry_later(send.incomings, send.message, reason)
                return failed
            for send, answer in zip(chunk, answers, strict=True):
                self._record_answer(send, answer, polls)
            done += len(chunk)
        return []

    def _record_answer(
        self, send: _Send, answer: ElementResult, polls: list[tuple[TaskPoll, list[Incoming]]]
    ) -> None:
        message, operation = send.message, answer.operation
        if answer.accepted and answer.task_urn:
            extra: dict[str, Any] = {}
            if operation != "CLOSE":
                extra["linkedin_listing"] = LISTED  # from now on this id is updated, never created again
            # The job itself (kilobytes, read again only to close it) lives in the feed table, so the
            # state item every status change rewrites stays small. Kept first, then the state marked,
            # both conditional (PublisherBase.record_entry says why that order): a crash between them
            # leaves the job `queued`, and its redelivery gets the same answer from the call's
            # idempotency record and writes both again.
            assert self.feeds is not None
            recorded = self.feeds.keep(
                LINKEDIN_API_JOBS, message.posting_id, send.element, time_text(self.now()), send.version.key
            ) and self.state.mark(
                message.posting_id,
                "linkedin",
                message.content_hash,
                states.SUBMITTED,
                action=message.action,
                extra_set=extra,
                entry_set={"task": answer.task_urn, "operation": operation},
            )
            if recorded:
                polls.append((self._first_poll(message, answer.task_urn, operation), send.incomings))
            self.outcomes["submitted"] += 1
        elif answer.already_closed:
            self.state.mark(
                message.posting_id,
                "linkedin",
                message.content_hash,
                states.REMOVED,
                action=message.action,
                reason="LinkedIn had already closed the job",
                extra_set={"linkedin_listing": CLOSED},
            )
            self.outcomes["removed"] += 1
        else:
            self.state.mark(
                message.posting_id,
                "linkedin",
                message.content_hash,
                states.FAILED,
                action=message.action,
                reason=f"LinkedIn refused the job ({operation}): {answer.error}",
            )
            self.outcomes["failed"] += 1
            logger.warning(
                "LinkedIn refused a job",
                extra={"posting_id": message.posting_id, "operation": operation, "error": str(answer.error)},
            )

    # --- tasks ----------------------------------------------------------------------------------

    def _first_poll(self, message: ChannelMessage, task_urn: str, operation: str) -> TaskPoll:
        return TaskPoll(
            posting_id=message.posting_id,
            content_hash=message.content_hash,
            action=message.action,
            upload_order=message.upload_order,
            task_urn=task_urn,
            operation=operation,
            attempt=1,
        )

    def _poll_tasks(self, polls: list[Incoming]) -> list[str]:
        current: dict[str, list[Incoming]] = {}
        for incoming in polls:
            poll = incoming.body
            assert isinstance(poll, TaskPoll)
            entry = self.state.channel_entry(poll.posting_id, "linkedin")
            expected = (poll.content_hash, poll.action, states.SUBMITTED, poll.task_urn)
            if (entry.get("hash"), entry.get("action"), entry.get("state"), entry.get("task")) != expected:
                self.outcomes["superseded"] += 1  # answered already, or a newer version took over
                continue
            current.setdefault(poll.task_urn, []).append(incoming)
        if not current:
            return []
        assert self.client is not None
        try:
            statuses = self.client().task_statuses(current)
        except Exception as error:
            if not _is_linkedin_error(error):
                raise
            reason = f"LinkedIn task status call did not complete ({type(error).__name__}): {error}"
            failed: list[str] = []
            for incomings in current.values():
                poll = incomings[0].body
                assert isinstance(poll, TaskPoll)
                failed += self._retry_later(incomings, poll, reason)
            return failed
        follow_ups: list[tuple[TaskPoll, list[Incoming]]] = []
        for urn, incomings in current.items():
            poll = max(
                (incoming.body for incoming in incomings if isinstance(incoming.body, TaskPoll)),
                key=lambda body: body.attempt,
            )
            status = statuses.get(urn)
            if status is not None and status.done:
                self._record_task(poll, status)
            elif poll.attempt >= self.poll_attempts:
                self._mark(
                    poll,
                    states.FAILED,
                    f"LinkedIn had not finished task {urn} ({poll.operation}) after {poll.attempt} checks",
                )
                self.outcomes["failed"] += 1
            else:
                follow_ups.append((poll.next_attempt(), incomings))
        return self._queue_polls(follow_ups)

    def _record_task(self, poll: TaskPoll, status: TaskStatus) -> None:
        if status.succeeded or status.duplicate_create:
            if poll.action == "upsert":
                extra = {"linkedin_listing": LISTED}
                if status.job_posting:
                    extra["linkedin_job_posting"] = status.job_posting
                # No reason for a plain success: None leaves the entry without one (the upsert's
                # plan wrote none) rather than storing an empty string.
                reason = (
                    "LinkedIn already had this job (a repeated CREATE)" if status.duplicate_create else None
                )
                self._mark(poll, states.PUBLISHED, reason, extra_set=extra)
                self.outcomes["published"] += 1
            else:
                self._mark(poll, states.REMOVED, None, extra_set={"linkedin_listing": CLOSED})
                self.outcomes["removed"] += 1
            return
        error = status.error or f"the task ended {status.status}"
        # A CREATE that failed made no job, and an UPDATE refused for a job LinkedIn does not have
        # means our record was wrong: either way the next version starts with a CREATE again.
        forget = poll.operation == "CREATE" or "non-existing job" in error
        self._mark(
            poll,
            states.FAILED,
            f"LinkedIn {poll.operation or 'task'} failed: {error}",
            remove=("linkedin_listing",) if forget else (),
        )
        self.outcomes["failed"] += 1
        logger.warning(
            "LinkedIn task failed",
            extra={"posting_id": poll.posting_id, "task": poll.task_urn, "error": error},
        )

    def _mark(
        self,
        poll: TaskPoll,
        state: str,
        reason: str | None,
        *,
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
    ) -> None:
        # The task ended: its URN and operation are read only while it runs, so they leave the state
        # item, which every later write bills by its size (a failure's reason says what failed).
        self.state.mark(
            poll.posting_id,
            "linkedin",
            poll.content_hash,
            state,
            action=poll.action,
            reason=reason,
            extra_set=extra_set,
            remove=remove,
            entry_remove=("task", "operation"),
        )

    def poll_delay(self, attempt: int) -> int:
        return int(min(MAX_DELAY_SECONDS, self.poll_delay_seconds * 2 ** (attempt - 1)))

    def _queue_polls(self, polls: list[tuple[TaskPoll, list[Incoming]]]) -> list[str]:
        """Queue the polls; the messages whose poll could not be queued go back to SQS (their
        redelivery finds the job `submitted` and queues the poll again)."""
        failed: list[str] = []
        for start in range(0, len(polls), SQS_BATCH):
            chunk = polls[start : start + SQS_BATCH]
            try:
                response = self.sqs.send_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {
                            "Id": str(number),
                            "MessageBody": poll.to_json(),
                            "DelaySeconds": self.poll_delay(poll.attempt),
                        }
                        for number, (poll, _) in enumerate(chunk)
                    ],
                )
            except Exception as error:  # botocore's errors: the whole chunk is unqueued
                logger.warning("could not queue LinkedIn task polls", extra={"error": str(error)})
                failed += [incoming.message_id for _, incomings in chunk for incoming in incomings]
                continue
            for failure in response.get("Failed", []):
                _, incomings = chunk[int(failure["Id"])]
                failed += [incoming.message_id for incoming in incomings]
                logger.warning("could not queue a LinkedIn task poll", extra={"failure": failure})
        return failed

    # --- failures -------------------------------------------------------------------------------

    def _retry_later(
        self, incomings: list[Incoming], message: ChannelMessage | TaskPoll, reason: str
    ) -> list[str]:
        """Hand the messages back to SQS, noting why on the channel (`last_error`) and in the log."""
        self.state.note(
            message.posting_id,
            "linkedin",
            message.content_hash,
            message.action,
            entry_set={"last_error": reason},
        )
        receives = max(incoming.receive_count for incoming in incomings)
        logger.warning(
            "LinkedIn delivery goes back to the queue",
            extra={
                "posting_id": message.posting_id,
                "reason": reason,
                "receive_count": receives,
                "message_ids": [incoming.message_id for incoming in incomings],
            },
        )
        self.outcomes["retry"] += 1
        return [incoming.message_id for incoming in incomings]

    @classmethod
    def from_settings(
        cls,
        settings: LinkedInPublisherSettings,
        s3: Any,
        dynamodb: Any,
        sqs: Any,
        client: Callable[[], LinkedInClient],
        submit: Submit,
    ) -> LinkedInApiPublisher:
        return cls(
            **cls.stores(settings.tables, s3, dynamodb),
            sqs=sqs,
            queue_url=settings.queue_url,
            client=client,
            submit=submit,
            poll_delay_seconds=settings.poll_delay_seconds,
            poll_attempts=settings.poll_attempts,
        )


def _is_linkedin_error(error: Exception) -> bool:
    from syndicate.adapters.linkedin_api import LinkedInError  # noqa: PLC0415 - see TYPE_CHECKING

    return isinstance(error, LinkedInError)


@dataclass
class LinkedInFeedPublisher(PublisherBase):
    def apply(self, message: ChannelMessage) -> str:
        """Idempotent through the state, as Indeed's publisher (PublisherBase.standing): no
        idempotency record."""
        standing = self.standing(message)
        if standing.outcome == SUPERSEDED:
            return "superseded"
        if standing.outcome == APPLIED:
            return self.applied_again(LINKEDIN_FEED, message)
        if message.action == "upsert" and not isinstance(message.payload, list):
            raise ValueError(
                "the message holds no LinkedIn feed job (rendered while LINKEDIN_DELIVERY was 'api'?)"
            )
        return self.record_entry(
            LINKEDIN_FEED, message, standing.version, message.payload if message.action == "upsert" else None
        )

    @classmethod
    def from_settings(
        cls, settings: LinkedInPublisherSettings, s3: Any, dynamodb: Any
    ) -> LinkedInFeedPublisher:
        return cls(**cls.stores(settings.tables, s3, dynamodb))


# What the function's record handler returns per record: the record read, held for the batch (API
# mode), or the outcome of applying its message (feed mode).
Taken = Incoming | str


@dataclass(frozen=True, slots=True)
class BatchEnd:
    failed: list[str]  # ids of the messages to hand back to SQS
    outcomes: Counter[str]  # how the batch's messages ended, for metrics


class LinkedInPublisher:
    """The LinkedIn function's decisions, in the deployment's mode. Per record, `take`: in feed mode the
    message is applied now (idempotent through its state write); in API mode it is only read. At the
    batch's end, `finish` gets what `take` returned for every record that succeeded (read from the
    batch processor) and, in API mode, sends the jobs and polls the tasks."""

    def __init__(
        self,
        mode: LinkedInDelivery,
        s3: Any,
        api: LinkedInApiPublisher | None,
        feed: LinkedInFeedPublisher,
    ) -> None:
        self.mode = mode
        self.s3 = s3
        self.api = api
        self.feed = feed
        self.metric_prefix = "LinkedInFeed" if mode == "feed" else "LinkedIn"

    def read(self, body: str, message_id: str, receive_count: int) -> Incoming:
        return read_incoming(self.s3, body, message_id, receive_count)

    def take(self, incoming: Incoming) -> Taken:
        if self.mode == "api":
            return incoming
        if not isinstance(incoming.body, ChannelMessage):
            raise ValueError("a LinkedIn task poll reached the feed mode: only the API mode has tasks")
        return self.feed.apply(incoming.body)

    def finish(self, taken: Sequence[Taken], deadline: Callable[[], float]) -> BatchEnd:
        if self.mode == "feed":
            return BatchEnd([], Counter(outcome for outcome in taken if isinstance(outcome, str)))
        assert self.api is not None and self.api.client is not None
        self.api.client().set_deadline(deadline)
        failed = self.api.deliver([incoming for incoming in taken if isinstance(incoming, Incoming)])
        return BatchEnd(failed, Counter(self.api.outcomes))

    @classmethod
    def from_settings(
        cls,
        settings: LinkedInPublisherSettings,
        s3: Any,
        dynamodb: Any,
        sqs: Any,
        client: Callable[[], LinkedInClient],
        submit: Submit,
    ) -> LinkedInPublisher:
        api = None
        if settings.linkedin_delivery == "api":
            api = LinkedInApiPublisher.from_settings(settings, s3, dynamodb, sqs, client, submit)
        feed = LinkedInFeedPublisher.from_settings(settings, s3, dynamodb)
        return cls(settings.linkedin_delivery, s3, api, feed)
