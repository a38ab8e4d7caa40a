"""DynamoDB conditional writes: an UpdateItem whose failed condition is an answer (False), not an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def conditional_update(client: Any, request: Mapping[str, Any]) -> bool:
    """Send the UpdateItem `request`; False when its condition failed (another writer got there
    first, or the caller's view is stale), True when the write was made."""
    try:
        client.update_item(**request)
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True
