"""Documents of any size go up as a multipart upload, part by part, whole or not at all (moto)."""

from __future__ import annotations

from typing import Any, BinaryIO

import boto3
import pytest

from syndicate.adapters import storage

BUCKET = "documents"
PART = 5 * 1024 * 1024  # S3's smallest part


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_a_large_document_is_uploaded_part_by_part(s3: Any) -> None:
    calls: list[str] = []
    s3.meta.events.register(
        "before-call.s3.*", lambda event_name, **_: calls.append(event_name.split(".")[-1])
    )
    block = bytes(range(256)) * 4096  # 1 MiB

    def write(out: BinaryIO) -> None:
        for _ in range(12):  # 12 MiB in 1 MiB writes: two full parts and a last, smaller one
            out.write(block)

    storage.put_large(s3, BUCKET, "feed.xml", write, "application/xml", part_bytes=PART)

    assert calls.count("UploadPart") == 3 and calls.count("CompleteMultipartUpload") == 1
    stored = s3.get_object(Bucket=BUCKET, Key="feed.xml")
    assert stored["ContentType"] == "application/xml"
    assert stored["Body"].read() == block * 12


def test_a_small_document_is_one_put(s3: Any) -> None:
    storage.put_large(s3, BUCKET, "small.xml", lambda out: out.write(b"<source/>"), "application/xml")
    assert s3.get_object(Bucket=BUCKET, Key="small.xml")["Body"].read() == b"<source/>"


def test_a_failed_write_leaves_no_object_and_no_upload(s3: Any) -> None:
    def write(out: BinaryIO) -> None:
        out.write(b"x" * (PART + 1))
        raise RuntimeError("the renderer failed half way")

    with pytest.raises(RuntimeError):
        storage.put_large(s3, BUCKET, "broken.xml", write, "application/xml", part_bytes=PART)

    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="broken")
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
