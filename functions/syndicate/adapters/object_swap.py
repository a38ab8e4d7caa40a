"""Compare-and-swap of one S3 object: read its ETag, then write or delete it only while it still
has that ETag (S3 conditional writes: PutObject `If-Match` / `If-None-Match: *`, DeleteObject
`If-Match`). A writer that lost the race to another gets `False` and reads again; see
pipeline.publishers.schemaorg for the protocol built on it (README, "Order and duplicates")."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

# Answers that mean "the object is not what you read": changed (412), changed under a concurrent
# conditional request (409), or gone meanwhile (404).
_LOST_RACE = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409", "NoSuchKey", "404"})


def _lost_race(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _LOST_RACE


def etag(s3: Any, bucket: str, key: str) -> str | None:
    """The object's ETag, None when there is no object."""
    try:
        return str(s3.head_object(Bucket=bucket, Key=key)["ETag"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def put_if(s3: Any, bucket: str, key: str, body: bytes, content_type: str, seen: str | None) -> str | None:
    """Write the object if it still has the ETag `seen` (None: if there is still none); its new
    ETag, or None when another writer changed it first."""
    condition = {"IfMatch": seen} if seen is not None else {"IfNoneMatch": "*"}
    try:
        answer = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **condition)
    except ClientError as error:
        if _lost_race(error):
            return None
        raise
    return str(answer["ETag"])


def delete_if(s3: Any, bucket: str, key: str, seen: str) -> bool:
    """Delete the object if it still has the ETag `seen`; False when it changed or went first."""
    try:
        s3.delete_object(Bucket=bucket, Key=key, IfMatch=seen)
    except ClientError as error:
        if _lost_race(error):
            return False
        raise
    return True
