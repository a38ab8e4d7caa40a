"""S3 access: objects read as streams; documents written from temporary files, or (`put_large`)
streamed into a multipart upload part by part, each part spooled to disk past its first MiB, so
memory stays flat whatever the size."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any, BinaryIO

from botocore.exceptions import ClientError

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
PART_BYTES = 16 * 1024 * 1024  # S3 takes parts of 5 MiB to 5 GiB, 10,000 of them: 160 GB at most
PART_IN_MEMORY_BYTES = 1024 * 1024  # of the part being filled; the rest waits on disk (/tmp)


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


@contextmanager
def spooled_upload(s3: Any, bucket: str, key: str, content_type: str) -> Iterator[BinaryIO]:
    """A file to write the document into; uploaded when the `with` block ends without an error."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        yield spool  # type: ignore[misc]  # SpooledTemporaryFile is a binary file
        spool.seek(0)
        s3.upload_fileobj(spool, bucket, key, ExtraArgs={"ContentType": content_type})


def put_text(s3: Any, bucket: str, key: str, text: str, content_type: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)


def read_json_text(s3: Any, bucket: str, key: str) -> str:
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
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


class _MultipartSink(io.RawIOBase):
    """A writable stream that uploads every `part_bytes` written as one part of a multipart upload,
    started on the first full part (a smaller document is one PutObject at `finish`).

    The part being filled is a temporary file holding its first MiB in memory and the rest on disk,
    and is uploaded from that file: memory stays at about a MiB whatever the part and the document
    sizes (a part in a bytes buffer was a 16 MiB buffer and its copies, the function's peak)."""

    def __init__(self, s3: Any, bucket: str, key: str, extra: dict[str, str], part_bytes: int) -> None:
        self._s3, self._bucket, self._key, self._extra = s3, bucket, key, extra
        self._part_bytes = part_bytes
        self._part: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=PART_IN_MEMORY_BYTES)  # noqa: SIM115
        self._filled = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any, /) -> int:
        view = memoryview(data).cast("B")
        while len(view):
            room = self._part_bytes - self._filled
            self._part.write(view[:room])
            self._filled += min(room, len(view))
            view = view[room:]
            if self._filled >= self._part_bytes:
                self._upload_part()
        return len(data)

    def _rewound_part(self) -> IO[bytes]:
        self._part.seek(0)
        return self._part

    def _next_part(self) -> None:
        self._part.close()
        self._part = tempfile.SpooledTemporaryFile(max_size=PART_IN_MEMORY_BYTES)  # noqa: SIM115
        self._filled = 0

    def _upload_part(self) -> None:
        if self._upload_id is None:
            started = self._s3.create_multipart_upload(Bucket=self._bucket, Key=self._key, **self._extra)
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        answer = self._s3.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=self._rewound_part(),
            ContentLength=self._filled,
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._next_part()

    def finish(self) -> None:
        if self._upload_id is None:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=self._key,
                Body=self._rewound_part(),
                ContentLength=self._filled,
                **self._extra,
            )
            self._part.close()
            return
        if self._filled:
            self._upload_part()
        self._part.close()
        self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        self._part.close()
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)


def put_large(
    s3: Any,
    bucket: str,
    key: str,
    write: Callable[[BinaryIO], Any],
    content_type: str,
    part_bytes: int = PART_BYTES,
) -> None:
    """Write a document of any size through `write(stream)`: memory and disk hold one part; the
    object appears whole or not at all (a failed write aborts the upload)."""
    sink = _MultipartSink(s3, bucket, key, {"ContentType": content_type}, part_bytes)
    try:
        write(sink)  # type: ignore[arg-type]  # a raw binary stream
        sink.finish()
    except BaseException:
        sink.abort()
        raise
