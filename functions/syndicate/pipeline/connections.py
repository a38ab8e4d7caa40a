"""ATS connections: keep the postings of a Greenhouse or Lever board equal to the board, through the intake.

A sync reads the board, maps its jobs, and uploads only what changed (and a closed copy of each job
that left) as one JSON Lines file the ingest takes like any upload. The steps, and why an empty
board is not believed at once: docs/connectors.md, "Keeping the board and the postings equal".
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from syndicate.adapters import storage
from syndicate.adapters.ats_boards import BoardReader, BoardSettings, BoardUnreadable
from syndicate.adapters.lock import LeaseLock, LockTimeout
from syndicate.core.connectors import ATS_NAMES
from syndicate.core.connectors.boards import DefaultsRejected, check_defaults, map_board
from syndicate.core.messages import content_hash, same_content
from syndicate.settings import ConnectionSettings

CONNECTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
SNAPSHOT_PREFIX = "connections/"
INTAKE_PREFIX = "incoming/connections/"
LOCK_WAIT_SECONDS = 20.0
RESERVE_SECONDS = 60.0  # the poll starts no board with less time left (the next run takes it)
LOCK_LEASE_SECONDS = 300.0


class ConnectionInvalid(ValueError):
    """A connection's configuration cannot be used; the message says which and why."""

    def __init__(self, connection_id: str, reason: str) -> None:
        super().__init__(f"connection {connection_id!r}: {reason}")
        self.connection_id = connection_id


@dataclass(frozen=True, slots=True)
class Connection:
    id: str
    ats: str
    board: str
    api_url: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, connection_id: str, text: str) -> Connection:
        if not CONNECTION_ID.fullmatch(connection_id):
            raise ConnectionInvalid(connection_id, "ids are 1-64 letters, digits, '_' or '-'")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConnectionInvalid(connection_id, f"not valid JSON ({error})") from None
        if not isinstance(document, dict):
            raise ConnectionInvalid(connection_id, "must be a JSON object")
        ats, board, api_url = document.get("ats"), document.get("board"), document.get("api_url")
        if ats not in ATS_NAMES:
            raise ConnectionInvalid(connection_id, f'"ats" must be one of {", ".join(ATS_NAMES)}')
        if not isinstance(board, str) or not board.strip():
            raise ConnectionInvalid(connection_id, '"board" must name the board')
        if api_url is not None and not (
            isinstance(api_url, str) and api_url.startswith(("https://", "http://"))
        ):
            raise ConnectionInvalid(connection_id, '"api_url" must be an http(s) URL')
        try:
            defaults = check_defaults(document.get("defaults") or {})
        except DefaultsRejected as error:
            raise ConnectionInvalid(connection_id, str(error)) from None
        return cls(connection_id, str(ats), board.strip(), api_url, defaults)

    def to_json(self) -> str:
        document = {
            "ats": self.ats,
            "board": self.board,
            "api_url": self.api_url,
            "defaults": dict(self.defaults),
        }
        return json.dumps({k: v for k, v in document.items() if v is not None}, ensure_ascii=False)


class ConnectionStore:
    """The connections under an SSM parameter path, one parameter each (cached for `max_age` seconds)."""

    def __init__(self, ssm: Any, path: str, max_age: float = 60.0) -> None:
        self._ssm = ssm
        self._path = path.rstrip("/")
        self._max_age = max_age
        self._cache: tuple[float, dict[str, str]] | None = None

    def parameter_name(self, connection_id: str) -> str:
        return f"{self._path}/{connection_id}"

    def clear_cache(self) -> None:
        self._cache = None

    def _texts(self) -> dict[str, str]:
        now = time.monotonic()
        if self._cache is None or now - self._cache[0] > self._max_age:
            found: dict[str, str] = {}
            pages = self._ssm.get_paginator("get_parameters_by_path").paginate(
                Path=self._path, Recursive=False
            )
            for page in pages:
                for parameter in page.get("Parameters", []):
                    found[str(parameter["Name"]).rsplit("/", 1)[-1]] = str(parameter["Value"])
            self._cache = (now, found)
        return self._cache[1]

    def all(self) -> Iterator[Connection | ConnectionInvalid]:
        for connection_id, text in sorted(self._texts().items()):
            try:
                yield Connection.from_json(connection_id, text)
            except ConnectionInvalid as problem:
                yield problem

    def get(self, connection_id: str) -> Connection | None:
        """The connection, or None when there is none by that id or it cannot be used."""
        text = self._texts().get(connection_id)
        if text is None:
            return None
        try:
            return Connection.from_json(connection_id, text)
        except ConnectionInvalid:
            return None


@dataclass
class SyncReport:
    connection: str
    jobs: int = 0
    sent: int = 0
    closed: int = 0
    upload_key: str | None = None
    notes: list[str] = field(default_factory=list)  # what postings lacked, per posting and reason
    error: str | None = None  # why the board was not synced (nothing changed)


@dataclass
class ConnectionSync:
    s3: Any
    dynamodb: Any
    intake_bucket: str
    state_table: str
    reader: BoardReader
    lock_wait_seconds: float = LOCK_WAIT_SECONDS
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_settings(
        cls,
        settings: ConnectionSettings,
        s3: Any,
        dynamodb: Any,
        lock_wait_seconds: float = LOCK_WAIT_SECONDS,
    ) -> ConnectionSync:
        return cls(
            s3=s3,
            dynamodb=dynamodb,
            intake_bucket=settings.intake_bucket,
            state_table=settings.state_table,
            reader=BoardReader(BoardSettings.tuned(settings.http)),
            lock_wait_seconds=lock_wait_seconds,
        )

    def run_all(
        self, connections: ConnectionStore, time_left: Callable[[], float] = lambda: float("inf")
    ) -> list[SyncReport]:
        """Sync every connection; one that cannot be read or used is reported, the others go on. With
        less than RESERVE_SECONDS left, the remaining ones are reported as left to the next run."""
        reports = []
        for connection in connections.all():
            if isinstance(connection, ConnectionInvalid):
                reports.append(SyncReport(connection=connection.connection_id, error=str(connection)))
            elif time_left() < RESERVE_SECONDS:
                reports.append(
                    SyncReport(connection=connection.id, error="not synced: out of time, next run")
                )
            else:
                reports.append(self.sync_reporting(connection))
        return reports

    def sync_reporting(self, connection: Connection) -> SyncReport:
        try:
            return self.sync(connection)
        except (BoardUnreadable, LockTimeout) as problem:
            return SyncReport(connection=connection.id, error=str(problem))

    def sync(self, connection: Connection, emptying_confirmed: bool = False) -> SyncReport:
        """`emptying_confirmed`: the ATS itself just said a job left (a signed webhook), so a board
        read as empty is taken at its word at once."""
        lock = LeaseLock(self.dynamodb, self.state_table, f"connection-{connection.id}", LOCK_LEASE_SECONDS)
        with lock.held(self.lock_wait_seconds):
            jobs = self.reader.jobs(connection.ats, connection.board, connection.api_url)
            return self._sync_board(connection, jobs, emptying_confirmed)

    def _sync_board(
        self, connection: Connection, jobs: list[dict[str, Any]], emptying_confirmed: bool
    ) -> SyncReport:
        report = SyncReport(connection=connection.id, jobs=len(jobs))
        seen, empty_read_before = self._snapshot(connection.id)
        current: dict[str, dict[str, Any]] = {}
        changed: list[dict[str, Any]] = []
        for mapped in map_board(connection.ats, jobs, connection.defaults):
            posting_id = str(mapped.posting["id"])
            digest = content_hash(mapped.posting)
            current[posting_id] = {"hash": digest, "posting": mapped.posting}
            if not same_content(seen.get(posting_id, {}).get("hash"), digest):
                changed.append(mapped.posting)
                # Said once, when the posting is sent: an unchanged board repeats nothing.
                report.notes.extend(f"{posting_id}: {note}" for note in mapped.notes)
        gone = [{**entry["posting"], "status": "closed"} for key, entry in seen.items() if key not in current]
        if gone and not current and not (empty_read_before or emptying_confirmed):
            # A board that lists nothing where it listed jobs is as often an ATS hiccup as a hiring stop:
            # taking every job down on one read would cost the employer all its listings, so the next
            # read must agree first.
            self._save_snapshot(connection.id, seen, empty_read=True)
            report.notes.append(
                f"the board lists no jobs where {len(gone)} were open: they close when the next read agrees"
            )
            return report
        if not changed and not gone:
            if empty_read_before:  # jobs are back: a later empty read needs its own confirmation
                self._save_snapshot(connection.id, current)
            return report
        report.upload_key = self._send(connection.id, [*changed, *gone])
        report.sent, report.closed = len(changed), len(gone)
        self._save_snapshot(connection.id, current)
        return report

    def _snapshot_key(self, connection_id: str) -> str:
        return f"{SNAPSHOT_PREFIX}{connection_id}/snapshot.json"

    def _snapshot(self, connection_id: str) -> tuple[dict[str, dict[str, Any]], bool]:
        """The postings of the last sync, and whether the last read found the board empty."""
        try:
            text = storage.read_json_text(self.s3, self.intake_bucket, self._snapshot_key(connection_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return {}, False
            raise
        document = json.loads(text)
        if not isinstance(document, dict):
            return {}, False
        postings = document.get("postings")
        return (postings if isinstance(postings, dict) else {}), document.get("empty_read") is True

    def _save_snapshot(
        self, connection_id: str, postings: dict[str, dict[str, Any]], empty_read: bool = False
    ) -> None:
        document: dict[str, Any] = {"postings": postings}
        if empty_read:
            document["empty_read"] = True
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        storage.put_text(
            self.s3, self.intake_bucket, self._snapshot_key(connection_id), text, "application/json"
        )

    def _send(self, connection_id: str, postings: list[dict[str, Any]]) -> str:
        key = f"{INTAKE_PREFIX}{connection_id}/{self.clock():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex}.jsonl"
        lines = "".join(json.dumps(posting, ensure_ascii=False) + "\n" for posting in postings)
        storage.put_text(self.s3, self.intake_bucket, key, lines, "application/x-ndjson")
        return key
