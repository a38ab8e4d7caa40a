"""DynamoDB conditional writes: an UpdateItem or PutItem whose failed condition is an answer (False), not
an error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def conditional_update(client: Any, request: Mapping[str, Any]) -> bool:
    """Send the UpdateItem `request`; False when its condition failed (another writer got there
    first, or the caller's view is stale), True when the write was made."""
    return _conditional(client.update_item, request)


def conditional_put(client: Any, request: Mapping[str, Any]) -> bool:
    """Send the PutItem `request`; False when its condition failed, as `conditional_update`."""
    return _conditional(client.put_item, request)


def _conditional(write: Callable[..., Any], request: Mapping[str, Any]) -> bool:
    try:
        write(**request)
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True
