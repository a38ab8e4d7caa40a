"""S3 event notifications shaped like the ones AWS sends (moto's lack `sequencer` and more).

moto still decides which notification matches and sends it; only the record is rebuilt. Why and
how: docs/local-runtime.md, "S3 event notifications".
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import moto.s3.notifications as moto_notifications

_PRINCIPAL = "AWS:AIDAEMBEDDEDRUNTIME"
_OWNER = "EMBEDDEDOWNER"


def encode_key(key: str) -> str:
    return quote_plus(key, safe="/")


class Sequencer:
    """Strictly increasing 18-digit uppercase hex values (S3 sequencers look like "0062E99A88DC407460")."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return f"{self._last:018X}"


SEQUENCER = Sequencer()


def object_record(
    *,
    event_name: str,
    region: str,
    bucket_name: str,
    bucket_arn: str,
    key: str,
    size: int | None,
    etag: str | None,
    version_id: str | None,
    configuration_id: str,
    sequencer: str,
    event_time: datetime | None = None,
) -> dict[str, Any]:
    """One S3 notification record; `event_name` without the "s3:" prefix, e.g. "ObjectCreated:Put"."""
    moment = (event_time or datetime.now(UTC)).astimezone(UTC)
    obj: dict[str, Any] = {"key": encode_key(key)}
    if not event_name.startswith("ObjectRemoved"):
        obj["size"] = size or 0
        if etag is not None:
            obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event_name,
        "userIdentity": {"principalId": _PRINCIPAL},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": secrets.token_urlsafe(48),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket_name, "ownerIdentity": {"principalId": _OWNER}, "arn": bucket_arn},
            "object": obj,
        },
    }


def _from_moto(event_name: Any, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    name = str(getattr(event_name, "value", event_name)).removeprefix("s3:")
    version_id = getattr(key, "version_id", None)
    versioned = getattr(bucket, "is_versioned", False)
    etag = getattr(key, "etag", None)
    record = object_record(
        event_name=name,
        region=bucket.region_name,
        bucket_name=bucket.name,
        bucket_arn=bucket.arn,
        key=key.name,
        size=getattr(key, "size", None),
        etag=etag.replace('"', "") if isinstance(etag, str) else None,
        version_id=str(version_id) if versioned and version_id not in (None, "null") else None,
        configuration_id=notification_id,
        sequencer=SEQUENCER.next(),
    )
    return {"Records": [record]}


@contextmanager
def aws_shaped_s3_events() -> Iterator[None]:
    """Make moto build AWS-shaped records while the context is open."""
    original: Callable[..., dict[str, Any]] | None = getattr(moto_notifications, "_get_s3_event", None)
    if original is None:
        raise RuntimeError(
            "moto.s3.notifications._get_s3_event is gone: this moto version builds S3 events differently; "
            "update infra/runtime/s3_events.py"
        )
    moto_notifications._get_s3_event = _from_moto
    try:
        yield
    finally:
        moto_notifications._get_s3_event = original
