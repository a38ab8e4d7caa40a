"""S3 access: objects read as streams, documents written from temporary files (multipart)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, so io.BufferedReader can iterate it by lines."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._body.close()
        super().close()


def open_object(
    s3: Any, bucket: str, key: str, version_id: str | None = None, span: tuple[int, int] | None = None
) -> BinaryIO:
    """A buffered, line-iterable stream of the object (the exact version when given), or of the
    bytes [start, end) of it."""
    extra: dict[str, str] = {"VersionId": version_id} if version_id else {}
    if span is not None:
        extra["Range"] = f"bytes={span[0]}-{span[1] - 1}"
    body = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"]
    return io.BufferedReader(_BodyReader(body), buffer_size=256 * 1024)


def put_streamed(s3: Any, bucket: str, key: str, write: Callable[[BinaryIO], Any], content_type: str) -> None:
    """Write a document through `write(file)` into a spooled temporary file, then upload it
    (multipart above the transfer threshold): its size is bounded by the disk, not by memory."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        write(spool)  # type: ignore[arg-type]  # SpooledTemporaryFile is a binary file
        spool.seek(0)
        s3.upload_fileobj(spool, bucket, key, ExtraArgs={"ContentType": content_type})


def put_text(s3: Any, bucket: str, key: str, text: str, content_type: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)


def read_json_text(s3: Any, bucket: str, key: str) -> str:
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def delete(s3: Any, bucket: str, key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=key)


def list_objects(s3: Any, bucket: str, prefix: str) -> Iterator[tuple[str, datetime]]:
    """(key, last modified) of every object under `prefix`, page by page."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            yield entry["Key"], entry["LastModified"]
