"""The runtime's moto speedups answer exactly what moto answers without them.

The same DynamoDB conversation (items with every attribute type, indexes, conditions, errors) runs on
a fresh moto with and without `faster_dynamodb_requests`, and every parsed response must be equal;
so does an SQS conversation (batches, visibility, redrive to a dead-letter queue, FIFO
deduplication, invalid receipt handles, queue attributes) with and without `faster_sqs`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from infra.runtime.moto_speedups import faster_dynamodb_requests, faster_sqs
from moto import mock_aws

TABLE = "speedups"


def _conversation(client: Any) -> Iterator[Any]:
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "shard", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-shard",
                "KeySchema": [
                    {"AttributeName": "shard", "KeyType": "HASH"},
                    {"AttributeName": "id", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            }
        ],
    )
    item = {
        "id": {"S": "job-1"},
        "shard": {"S": "3"},
        "title": {"S": "Nurse — nights, «Zürich»"},
        "count": {"N": "12.50"},
        "open": {"BOOL": True},
        "gone": {"NULL": True},
        "tags": {"SS": ["a", "b"]},
        "sizes": {"NS": ["1", "2.5"]},
        "channels": {"M": {"indeed": {"M": {"state": {"S": "queued"}, "tries": {"N": "0"}}}}},
        "history": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}]},
    }
    yield client.put_item(TableName=TABLE, Item=item, ReturnConsumedCapacity="TOTAL")
    yield client.put_item(TableName=TABLE, Item={**item, "id": {"S": "job-2"}}, ReturnValues="ALL_OLD")
    yield client.put_item(
        TableName=TABLE, Item={"id": {"S": "bin"}, "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"a"]}}
    )
    yield client.get_item(TableName=TABLE, Key={"id": {"S": "job-1"}}, ConsistentRead=True)
    yield client.get_item(TableName=TABLE, Key={"id": {"S": "bin"}})
    yield client.get_item(TableName=TABLE, Key={"id": {"S": "missing"}})
    yield client.get_item(
        TableName=TABLE,
        Key={"id": {"S": "job-1"}},
        ProjectionExpression="#c.indeed, title",
        ExpressionAttributeNames={"#c": "channels"},
    )
    for return_values in ("NONE", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW", "ALL_OLD"):
        yield client.update_item(
            TableName=TABLE,
            Key={"id": {"S": "job-1"}},
            UpdateExpression="SET #c.#ch.#s = :s, #n = #n + :one REMOVE gone ADD tags :t",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames={"#c": "channels", "#ch": "indeed", "#s": "state", "#n": "count"},
            ExpressionAttributeValues={":s": {"S": return_values}, ":one": {"N": "1"}, ":t": {"SS": ["c"]}},
            ReturnValues=return_values,
            ReturnConsumedCapacity="INDEXES",
        )
    yield client.update_item(
        TableName=TABLE,
        Key={"id": {"S": "job-2"}},
        UpdateExpression=(
            "SET history = list_append(history, :more), #c.linkedin = if_not_exists(#c.linkedin, :entry), "
            "#c.indeed.tries = #c.indeed.tries + :one REMOVE #c.indeed.#s, sizes"
        ),
        ExpressionAttributeNames={"#c": "channels", "#s": "state"},
        ExpressionAttributeValues={
            ":more": {"L": [{"M": {"at": {"S": "now"}}}]},
            ":entry": {"M": {"state": {"S": "pending"}, "hash": {"S": "abc"}}},
            ":one": {"N": "1"},
        },
        ReturnValues="ALL_NEW",
    )
    yield client.get_item(TableName=TABLE, Key={"id": {"S": "job-2"}})
    yield client.query(
        TableName=TABLE,
        IndexName="by-shard",
        KeyConditionExpression="shard = :s",
        ExpressionAttributeValues={":s": {"S": "3"}},
        Limit=1,
    )
    yield client.query(
        TableName=TABLE, KeyConditionExpression="id = :i", ExpressionAttributeValues={":i": {"S": "job-2"}}
    )
    yield client.scan(TableName=TABLE, FilterExpression="attribute_exists(title)")
    yield client.batch_get_item(
        RequestItems={TABLE: {"Keys": [{"id": {"S": "job-1"}}, {"id": {"S": "nope"}}]}}
    )
    yield client.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": {"id": {"S": "job-3"}}}},
                {"DeleteRequest": {"Key": {"id": {"S": "job-2"}}}},
            ]
        }
    )
    yield client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"id": {"S": "job-3"}},
                    "UpdateExpression": "SET title = :t",
                    "ExpressionAttributeValues": {":t": {"S": "new"}},
                }
            }
        ]
    )
    yield client.delete_item(TableName=TABLE, Key={"id": {"S": "job-1"}}, ReturnValues="ALL_OLD")
    failing: list[Callable[[], Any]] = [
        lambda: client.update_item(
            TableName=TABLE,
            Key={"id": {"S": "job-3"}},
            UpdateExpression="SET title = :t",
            ConditionExpression="attribute_not_exists(id)",
            ExpressionAttributeValues={":t": {"S": "x"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
        lambda: client.update_item(
            TableName=TABLE, Key={"id": {"S": "job-3"}}, UpdateExpression="SET = oops"
        ),
    ]
    for call in failing:
        with pytest.raises(ClientError) as error:
            call()
        yield error.value.response


def _responses(speedups: AbstractContextManager[Any]) -> list[Any]:
    with mock_aws(), speedups:
        client = boto3.client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        )
        answers = []
        for response in _conversation(client):
            response.pop("ResponseMetadata", None)
            answers.append(response)
        return answers


def test_faster_dynamodb_answers_as_moto_does() -> None:
    plain = _responses(nullcontext())
    fast = _responses(faster_dynamodb_requests())
    assert len(fast) == len(plain) > 20
    for number, (expected, actual) in enumerate(zip(plain, fast, strict=True)):
        assert actual == expected, f"response {number} differs"


def test_faster_dynamodb_puts_moto_back() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    def patched() -> tuple[Any, ...]:
        return (
            vars(ActionResult)["execute_result"],
            vars(UpdateExpressionParser)["make"],
            vars(validators)["deepcopy"],
            vars(DynamoType)["to_regular_json"],
            *(vars(DepthFirstTraverser)[name] for name in ("traverse_node_recursively", "process")),
        )

    before = patched()
    with faster_dynamodb_requests():
        assert all(now is not then for now, then in zip(patched(), before, strict=True))
    assert patched() == before


def _sqs_conversation(client: Any) -> Iterator[Any]:
    dead = client.create_queue(QueueName="dead")["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    work = client.create_queue(
        QueueName="work",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "2"})},
    )["QueueUrl"]
    fifo = client.create_queue(
        QueueName="work.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    yield client.send_message_batch(
        QueueUrl=work,
        Entries=[
            {
                "Id": str(n),
                "MessageBody": f"body {n}",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(n)}},
            }
            for n in range(10)
        ],
    )
    yield client.send_message(QueueUrl=work, MessageBody="late", DelaySeconds=0)
    first = client.receive_message(QueueUrl=work, MaxNumberOfMessages=4, MessageAttributeNames=["All"])
    yield first
    handles = [m["ReceiptHandle"] for m in first["Messages"]]
    yield client.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])
    yield client.delete_message_batch(
        QueueUrl=work,
        Entries=[{"Id": "0", "ReceiptHandle": handles[0]}, {"Id": "1", "ReceiptHandle": handles[1]}],
    )
    yield client.delete_message_batch(QueueUrl=work, Entries=[{"Id": "0", "ReceiptHandle": handles[0]}])
    with pytest.raises(ClientError) as error:
        client.delete_message(QueueUrl=work, ReceiptHandle="not-a-handle")
    yield error.value.response
    yield client.change_message_visibility_batch(
        QueueUrl=work, Entries=[{"Id": "2", "ReceiptHandle": handles[2], "VisibilityTimeout": 0}]
    )
    for _ in range(4):  # the released message and the rest, received until the redrive parks some
        batch = client.receive_message(QueueUrl=work, MaxNumberOfMessages=10, VisibilityTimeout=0)
        yield batch
    yield client.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])
    yield client.get_queue_attributes(QueueUrl=dead, AttributeNames=["ApproximateNumberOfMessages"])
    for body in ("same", "same", "other"):
        yield client.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId="g")
    yield client.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)
    yield client.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])


_VOLATILE = {
    "MessageId",
    "ReceiptHandle",
    "SentTimestamp",
    "ApproximateFirstReceiveTimestamp",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "SequenceNumber",
    "RequestId",
    "ResponseMetadata",
    "Error",
    "QueueUrl",
}


def _stable(value: Any) -> Any:
    """A response without what differs between any two runs (ids, handles, clocks)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _sqs_responses(speedups: AbstractContextManager[Any]) -> list[Any]:
    with mock_aws(), speedups:
        client = boto3.client(
            "sqs", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        )
        return [_stable(response) for response in _sqs_conversation(client)]


def test_faster_sqs_answers_as_moto_does() -> None:
    plain = _sqs_responses(nullcontext())
    fast = _sqs_responses(faster_sqs())
    assert len(fast) == len(plain) > 15
    for number, (expected, actual) in enumerate(zip(plain, fast, strict=True)):
        assert actual == expected, f"response {number} differs"
