"""Powertools idempotency on DynamoDB for the LinkedIn publisher (one persistence layer per function);
the Indeed and schema.org publishers are idempotent through their state and keep no records.

Each handler builds its own layer: Powertools configures a layer with the settings of the
function it guards, so two functions sharing one layer (as they do when the embedded runtime
imports every handler into one process) would overwrite each other's key expression.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from syndicate.core.messages import IDEMPOTENCY_FIELDS

# Longer than SQS can keep a message (14 days), so any redelivery finds the stored result.
RETENTION_SECONDS = 14 * 24 * 3600


def persistence_layer(dynamodb: Any, table_name: str) -> DynamoDBPersistenceLayer:
    """On the handler's own DynamoDB client: a second boto3 session would cost cold-start time."""
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)


def per_message_config() -> IdempotencyConfig:
    """One publish per (posting, channel, content, action, version): a redelivery returns the stored
    result (see ChannelMessage.idempotency_key for why the version is part of it)."""
    return IdempotencyConfig(
        event_key_jmespath="[" + ", ".join(IDEMPOTENCY_FIELDS) + "]",
        expires_after_seconds=RETENTION_SECONDS,
        raise_on_no_idempotency_key=True,
    )
