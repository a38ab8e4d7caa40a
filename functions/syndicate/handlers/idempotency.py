"""Powertools idempotency on DynamoDB, shared by the publishers (built once per container)."""

from __future__ import annotations

import os

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
# One publish per (posting, channel, content, action); a redelivered message returns the stored result.
config = IdempotencyConfig(
    event_key_jmespath="[posting_id, channel, content_hash, action]",
    expires_after_seconds=14 * 24 * 3600,  # longer than SQS can keep a message
    raise_on_no_idempotency_key=True,
)
