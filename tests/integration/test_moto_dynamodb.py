"""The embedded runtime's DynamoDB patches answer as moto does, only faster (infra/runtime/moto_dynamodb)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from infra.runtime.moto_dynamodb import faster_dynamodb

TABLE = "pairs"


def make_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    for pk in ("a", "b", "c"):
        for number in range(7):
            client.put_item(
                TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": f"{number:02d}"}, "n": {"N": str(number)}}
            )


@pytest.fixture(params=["moto as it is", "patched"])
def client(aws: None, request: pytest.FixtureRequest) -> Iterator[Any]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    make_table(dynamodb)
    if request.param == "patched":
        with faster_dynamodb():
            yield dynamodb
    else:
        yield dynamodb


def test_a_partition_is_queried_in_order_page_by_page(client: Any) -> None:
    pages = client.get_paginator("query").paginate(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "b"}},
        ConsistentRead=True,
        PaginationConfig={"PageSize": 3},
    )
    found = [item["sk"]["S"] for page in pages for item in page["Items"]]
    assert found == [f"{n:02d}" for n in range(7)]
