"""Channel messages go out in batches of 10 within the size limit; failures retried; big payloads in S3."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from syndicate.adapters.queues import ChannelQueues, QueueUnavailable, SendOutcome
from syndicate.core.messages import ChannelMessage


class FlakySqs:
    """A real (moto) SQS client that reports chosen entries as Failed, like SQS does under stress."""

    def __init__(self, real: Any, fail_ids_times: int = 0, sender_fault_for: set[str] | None = None) -> None:
        self._real = real
        self._failures_left = fail_ids_times
        self._sender_fault_for = sender_fault_for or set()
        self.calls: list[int] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.calls.append(len(Entries))
        failed, passing = [], []
        for entry in Entries:
            posting_id = json.loads(entry["MessageBody"])["posting_id"]
            if posting_id in self._sender_fault_for:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": True,
                        "Code": "InvalidMessageContents",
                        "Message": "bad",
                    }
                )
            elif self._failures_left > 0 and entry["Id"] == "0":
                self._failures_left -= 1
                failed.append(
                    {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
                )
            else:
                passing.append(entry)
        response = self._real.send_message_batch(QueueUrl=QueueUrl, Entries=passing) if passing else {}
        return {"Successful": response.get("Successful", []), "Failed": failed}


def message(posting_id: str, payload: Any = "x") -> ChannelMessage:
    return ChannelMessage(posting_id, "indeed", "upsert", "hash", "order", "incoming/a.json", payload=payload)


@pytest.fixture
def setup(aws: None) -> dict[str, Any]:
    sqs = boto3.client("sqs")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="intake")
    url = sqs.create_queue(QueueName="indeed")["QueueUrl"]
    return {"sqs": sqs, "s3": s3, "url": url}


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for entry in batch:
            bodies.append(json.loads(entry["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=entry["ReceiptHandle"])
    return bodies


def test_batches_of_ten_and_nothing_lost(setup: dict[str, Any]) -> None:
    flaky = FlakySqs(setup["sqs"], fail_ids_times=2)
    outcomes: list[SendOutcome] = []
    queues = ChannelQueues(
        flaky, setup["s3"], {"indeed": setup["url"]}, "intake", outcomes.append, sleep=lambda _: None
    )
    for n in range(25):
        queues.add(message(f"J-{n}"))
    queues.flush()
    assert sorted(b["posting_id"] for b in drain(setup["sqs"], setup["url"])) == sorted(
        f"J-{n}" for n in range(25)
    )
    assert all(outcome.error is None for outcome in outcomes) and len(outcomes) == 25
    # ceil(25 / 10) = 3 batches, plus two retries of the entry SQS failed.
    assert flaky.calls[:1] == [10] and queues.send_calls["indeed"] == 5


def test_sender_fault_is_reported_not_retried(setup: dict[str, Any]) -> None:
    flaky = FlakySqs(setup["sqs"], sender_fault_for={"J-1"})
    outcomes: list[SendOutcome] = []
    queues = ChannelQueues(
        flaky, setup["s3"], {"indeed": setup["url"]}, "intake", outcomes.append, sleep=lambda _: None
    )
    for n in range(3):
        queues.add(message(f"J-{n}"))
    queues.flush()
    errors = {o.message.posting_id: o.error for o in outcomes}
    assert (
        errors["J-0"] is None and errors["J-2"] is None and "InvalidMessageContents" in (errors["J-1"] or "")
    )
    assert flaky.calls == [3]


def test_persistent_failure_raises_so_the_upload_is_retried(setup: dict[str, Any]) -> None:
    flaky = FlakySqs(setup["sqs"], fail_ids_times=100)
    queues = ChannelQueues(
        flaky, setup["s3"], {"indeed": setup["url"]}, "intake", lambda _: None, sleep=lambda _: None
    )
    queues.add(message("J-0"))
    with pytest.raises(QueueUnavailable):
        queues.flush()


def test_payload_over_the_limit_travels_in_s3(setup: dict[str, Any]) -> None:
    queues = ChannelQueues(setup["sqs"], setup["s3"], {"indeed": setup["url"]}, "intake", lambda _: None)
    big = "é" * 200_000  # 400,000 bytes in UTF-8
    queues.add(message("BIG", payload=big))
    queues.add(message("SMALL"))
    queues.flush()
    bodies = {b["posting_id"]: b for b in drain(setup["sqs"], setup["url"])}
    ref = bodies["BIG"]["payload_ref"]
    assert "payload" not in bodies["BIG"] and ref["key"].startswith("payloads/BIG/")
    stored = json.loads(setup["s3"].get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read())
    assert stored["payload"] == big
    assert bodies["SMALL"]["payload"] == "x"


def test_batch_never_exceeds_the_size_limit(setup: dict[str, Any]) -> None:
    flaky = FlakySqs(setup["sqs"])
    queues = ChannelQueues(flaky, setup["s3"], {"indeed": setup["url"]}, "intake", lambda _: None)
    for n in range(6):
        queues.add(message(f"J-{n}", payload="x" * 100_000))
    queues.flush()
    assert flaky.calls == [2, 2, 2]
