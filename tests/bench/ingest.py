"""The ingest at scale: peak memory, SendMessageBatch calls per channel, time per posting.

Each run is a fresh child process (`python -m tests.bench.ingest SIZE STORE UPLOAD RESULT`) that
runs the real `IngestService.ingest` (so the real `Ingest.run`, `ChannelQueues`, `Receipt` and
`storage` code) on a local JSON Lines file. It reports its own peak resident set size (VmHWM, see
`child.py`).

AWS is replaced by in-memory fakes with the same interface, because moto's SQS and DynamoDB at
100,000 postings would measure moto, not the ingest:
- SQS: `send_message_batch` counts calls, entries and bytes per queue, keeps no body, and
  answers every entry `Successful`;
- S3: `get_object` returns the local file opened as a binary stream; `put_object` (oversized
  payloads) and the receipt's writes (storage.put_large) count bytes and keep nothing;
- state: in-memory `IngestState`s (pipeline/state_store.py: `get`, `record_version`, `mark`, `mark_all`, what
  the ingest calls), with `StateTable`'s conditions; mypy checks them against the Protocol.
  `kept` holds each posting's item as DynamoDB would (its JSON, some 700 bytes a posting), so it
  grows with N as DynamoDB's storage does, but inside the measured process; `none` keeps nothing
  (every posting is new, exactly as on a first upload of unique ids), which leaves the ingest's
  own memory.

What the fakes leave out: botocore's request serialization and the network. The time per
posting is the child's CPU time (`process_time`), the ingest's own work, unaffected by other
processes taking turns on the machine; in AWS every state call and every SendMessageBatch is
also a sequential round trip (counted here, not timed).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from syndicate.adapters.state import ChannelMark, Version
from syndicate.core import validation
from syndicate.core.model import CHANNELS, Channel
from syndicate.core.plan import ChannelPlan
from syndicate.pipeline.ingest import Upload
from syndicate.pipeline.ingest_service import IngestService
from tests.bench.child import own_peak_kib
from tests.bench.postings import NOW, REPO, example_postings, variant

STORES = ("kept", "none")
BUCKET = "bench-intake"
QUEUE_URLS: dict[Channel, str] = {
    channel: f"https://sqs.us-east-1.amazonaws.com/123456789012/bench-{channel}" for channel in CHANNELS
}
SQS_BATCH = 10


def open_jsonl_lines(count: int) -> Iterator[str]:
    """`count` JSON Lines of the open example postings, each a variant with its own id and text.

    Open postings only (unlike the validate benchmark's file), so every posting is rendered and
    queued for every channel it is ready for: the most work an upload of N postings can cause.
    """
    bases = example_postings(open_only=True)
    for number in range(count):
        yield json.dumps(variant(bases[number % len(bases)], number), ensure_ascii=False) + "\n"


# --- fakes ---------------------------------------------------------------------------------------


class _TimedBody:
    """The local file as S3's streaming body; notes when the ingest closes it (its end)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self.closed_at: float | None = None

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()
        self.closed_at = time.perf_counter()


class FakeS3:
    def __init__(self, objects: Mapping[str, Path]) -> None:
        self._objects = dict(objects)
        self.bodies: list[_TimedBody] = []
        self.payloads_put = 0
        self.payload_bytes = 0
        self.report_bytes = 0

    def get_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        body = _TimedBody(self._objects[Key])
        self.bodies.append(body)
        return {"Body": body}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes | BinaryIO, **_: Any) -> dict[str, Any]:
        if isinstance(Body, bytes):  # a message's payload, offloaded because it is too big for SQS
            self.payloads_put += 1
            self.payload_bytes += len(Body)
        else:  # the receipt, from storage.put_large when it fits one part
            self._read_report(Body)
        return {}

    # The receipt in parts, from storage.put_large when it is bigger than one part.
    def create_multipart_upload(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        return {"UploadId": "receipt"}

    def upload_part(self, *, Body: BinaryIO, PartNumber: int, **_: Any) -> dict[str, Any]:
        self._read_report(Body)
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, **_: Any) -> dict[str, Any]:
        return {}

    def abort_multipart_upload(self, **_: Any) -> dict[str, Any]:
        return {}

    def _read_report(self, body: BinaryIO) -> None:
        while chunk := body.read(1024 * 1024):
            self.report_bytes += len(chunk)


class FakeSQS:
    def __init__(self, queue_urls: Mapping[Channel, str]) -> None:
        self._channel_of = {url: channel for channel, url in queue_urls.items()}
        self.calls: Counter[str] = Counter()
        self.entries: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self.largest_call_bytes = 0
        self.most_entries_in_a_call = 0

    def send_message_batch(self, *, QueueUrl: str, Entries: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        channel = self._channel_of[QueueUrl]
        size = sum(len(entry["MessageBody"].encode("utf-8")) for entry in Entries)
        self.calls[channel] += 1
        self.entries[channel] += len(Entries)
        self.bytes[channel] += size
        self.largest_call_bytes = max(self.largest_call_bytes, size)
        self.most_entries_in_a_call = max(self.most_entries_in_a_call, len(Entries))
        return {
            "Successful": [{"Id": entry["Id"], "MessageId": entry["Id"]} for entry in Entries],
            "Failed": [],
        }


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _CountingState:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()


class KeptState(_CountingState):
    """Each posting's item as `StateTable` writes it, kept as its JSON (what DynamoDB stores)."""

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, bytes] = {}

    def held_bytes(self) -> int:
        """What the items weigh in this process: keys, values and the dict's own table."""
        return sys.getsizeof(self._items) + sum(
            sys.getsizeof(key) + sys.getsizeof(value) for key, value in self._items.items()
        )

    def get(self, posting_id: str) -> dict[str, Any] | None:
        self.calls["get"] += 1
        stored = self._items.get(posting_id)
        return json.loads(stored) if stored is not None else None

    def _put(self, posting_id: str, item: dict[str, Any]) -> None:
        self._items[posting_id] = json.dumps(item, separators=(",", ":")).encode("utf-8")

    def record_version(
        self,
        *,
        posting_id: str,
        version: Version,
        seen: Version | None,
        content_hash: str,
        status: str,
        source: str,
        plans: tuple[ChannelPlan, ...],
        valid_through: str | None = None,
        expires_at: str | None = None,
    ) -> bool:
        self.calls["record_version"] += 1
        current = self.get(posting_id)
        self.calls["get"] -= 1  # the condition is part of the same DynamoDB write
        if seen is None and current is not None:
            return False
        if seen is not None and (current is None or current.get("upload_order") != seen.upload_order):
            return False
        item = current or {"posting_id": posting_id}
        item |= {
            "content_hash": content_hash,
            "updated_at": version.updated_at,
            "upload_order": version.upload_order,
            "posting_status": status,
            "source": source,
            "last_seen": _now_text(),
            "valid_through": valid_through or "",
            "expires_at": expires_at or "",
            "channels": {
                plan.channel: {
                    "state": plan.state,
                    "hash": content_hash,
                    "action": plan.recorded_action,
                    "reason": plan.reason,
                    "updated": _now_text(),
                }
                for plan in plans
            },
        }
        self._put(posting_id, item)
        return True

    def mark(
        self,
        posting_id: str,
        channel: Channel,
        content_hash: str,
        state: str,
        *,
        action: str | None = None,
        reason: str | None = None,
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        entry_set: Mapping[str, Any] | None = None,
        entry_remove: tuple[str, ...] = (),
    ) -> bool:
        self.calls["mark"] += 1
        item = self.get(posting_id)
        self.calls["get"] -= 1
        entry = (item or {}).get("channels", {}).get(channel)
        if item is None or entry is None or entry.get("hash") != content_hash:
            return False
        if action is not None and entry.get("action", action) != action:
            return False
        entry |= {"state": state, "updated": _now_text(), **(entry_set or {})}
        if reason is not None:
            entry["reason"] = reason
        for name in ("last_error", *entry_remove):
            entry.pop(name, None)
        item |= dict(extra_set or {})
        for name in remove:
            item.pop(name, None)
        self._put(posting_id, item)
        return True

    def mark_all(self, posting_id: str, marks: Sequence[ChannelMark]) -> bool:
        self.calls["mark_all"] += 1
        item = self.get(posting_id)
        self.calls["get"] -= 1
        entries = (item or {}).get("channels", {})
        for mark in marks:  # all conditions hold, or nothing changes (one DynamoDB write)
            entry = entries.get(mark.channel)
            if entry is None or entry.get("hash") != mark.content_hash:
                return False
            if mark.action is not None and entry.get("action", mark.action) != mark.action:
                return False
        for mark in marks:
            entry = entries[mark.channel]
            entry |= {"state": mark.state, "updated": _now_text()}
            if mark.reason is not None:
                entry["reason"] = mark.reason
            entry.pop("last_error", None)
        assert item is not None
        self._put(posting_id, item)
        return True


class NoState(_CountingState):
    """Keeps nothing: every posting is new and every write succeeds (a first upload of new ids)."""

    def held_bytes(self) -> int:
        return 0

    def get(self, posting_id: str) -> dict[str, Any] | None:
        self.calls["get"] += 1
        return None

    def record_version(self, **_: Any) -> bool:
        self.calls["record_version"] += 1
        return True

    def mark(self, *_: Any, **__: Any) -> bool:
        self.calls["mark"] += 1
        return True

    def mark_all(self, *_: Any, **__: Any) -> bool:
        self.calls["mark_all"] += 1
        return True


# --- the child: one ingest -----------------------------------------------------------------------


def ingest_once(upload_path: Path, size: int, store: str) -> dict[str, Any]:
    """Ingest the file as the ingest function does for one S3 notification; the figures."""
    state: KeptState | NoState = KeptState() if store == "kept" else NoState()
    key = f"incoming/bench-{size}.jsonl"
    s3 = FakeS3({key: upload_path})
    sqs = FakeSQS(QUEUE_URLS)
    service = IngestService(
        s3=s3, sqs=sqs, state=state, queue_urls=QUEUE_URLS, intake_bucket=BUCKET, clock=lambda: NOW
    )
    upload = Upload(BUCKET, key, "2026-11-26T12:00:00.000Z", "0062E5E0C1B7A0F2D4")
    validation.warm_up()  # as the ingest handler does at import: not part of any one upload
    peak_before = own_peak_kib()
    cpu_start = time.process_time()
    start = time.perf_counter()
    stats = service.ingest(upload)
    end = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_start
    closed_at = s3.bodies[0].closed_at if s3.bodies else None
    ingest_end = closed_at if closed_at is not None else end
    return {
        "size": size,
        "store": store,
        "seconds": end - start,
        "cpu_seconds": cpu_seconds,
        "seconds_ingest": ingest_end - start,
        "seconds_report": end - ingest_end,
        "stats": {
            "accepted": stats.accepted,
            "rejected": stats.rejected,
            "unchanged": stats.unchanged,
            "superseded": stats.superseded,
            "queued": dict(stats.queued),
        },
        "send_calls": dict(sqs.calls),
        "entries": dict(sqs.entries),
        "bytes": dict(sqs.bytes),
        "largest_call_bytes": sqs.largest_call_bytes,
        "most_entries_in_a_call": sqs.most_entries_in_a_call,
        "payloads_offloaded": s3.payloads_put,
        "report_bytes": s3.report_bytes,
        "state_calls": dict(state.calls),
        "state_held_bytes": state.held_bytes(),
        "peak_before_ingest_kib": peak_before,
        "peak_kib": own_peak_kib(),
    }


def _child(argv: Sequence[str]) -> int:
    size, store, upload_path, result_path = int(argv[0]), argv[1], Path(argv[2]), Path(argv[3])
    figures = ingest_once(upload_path, size, store)
    result_path.write_text(json.dumps(figures), "utf-8")
    return 0


# --- the parent: one child per (size, store) ------------------------------------------------------


@dataclass(frozen=True)
class Run:
    size: int
    store: str
    peak_rss_kib: int
    wall_seconds: float
    exit_code: int
    stderr_tail: str
    figures: dict[str, Any]

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_kib / 1024

    @property
    def us_per_posting(self) -> float:
        """CPU time per posting: immune to other processes on the machine taking turns with it
        (the ingest waits on nothing else: its file is local and the fakes answer at once)."""
        return float(self.figures["cpu_seconds"]) / self.size * 1e6

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "store": self.store,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "wall_seconds": round(self.wall_seconds, 2),
            "exit_code": self.exit_code,
            **self.figures,
        }


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    functions = str(REPO / "functions")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (functions, str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def measure(size: int, store: str, upload: Path, scratch: Path) -> Run:
    result_path = scratch / f"result-{size}-{store}.json"
    stderr_path = scratch / f"stderr-{size}-{store}.txt"
    command = [sys.executable, "-m", "tests.bench.ingest", str(size), store, str(upload), str(result_path)]
    with stderr_path.open("wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(  # our own interpreter and arguments
            command, stdout=subprocess.DEVNULL, stderr=stderr, env=_child_env(), cwd=REPO
        )
        _, status, _ = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr_path.read_text("utf-8", errors="replace")[-2000:]
    figures = json.loads(result_path.read_text("utf-8")) if child.returncode == 0 else {}
    # The child's own peak: wait4's figure would be at least this parent's (see child.py).
    return Run(size, store, int(figures.get("peak_kib", 0)), wall, child.returncode, tail, figures)


def ingest_runs(sizes: Sequence[int], jobs: int) -> list[Run]:
    """Every (size, store) pair, `jobs` children at a time, biggest first.

    Peak RSS is per process, so side-by-side children do not change it; their seconds may grow a
    little (two children share the memory bus), which can only make the time ratio look worse.
    """
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-ingest-") as tmp:
        scratch = Path(tmp)
        uploads: dict[int, Path] = {}
        for size in sizes:
            uploads[size] = scratch / f"upload-{size}.jsonl"
            with uploads[size].open("w", encoding="utf-8") as out:
                out.writelines(open_jsonl_lines(size))
        plan = [(size, store) for size in sorted(sizes, reverse=True) for store in STORES]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(measure, size, store, uploads[size], scratch) for size, store in plan]
            return [future.result() for future in futures]


def batch_target(messages: int) -> int:
    """SendMessageBatch calls a channel needs at 10 entries a call: ceil(N/10) when all N go there."""
    return math.ceil(messages / SQS_BATCH)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
