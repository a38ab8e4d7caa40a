"""Powertools idempotency on DynamoDB for the LinkedIn publisher's API calls (one persistence layer per
function); every publisher's messages are idempotent through their state and keep no records.

Each handler builds its own layer: Powertools configures a layer with the settings of the
function it guards, so two functions sharing one layer (as they do when the embedded runtime
imports every handler into one process) would overwrite each other's key expression.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

# Longer than SQS can keep a message (14 days), so any redelivery finds the stored result.
RETENTION_SECONDS = 14 * 24 * 3600


def persistence_layer(dynamodb: Any, table_name: str) -> DynamoDBPersistenceLayer:
    """On the handler's own DynamoDB client: a second boto3 session would cost cold-start time."""
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)
