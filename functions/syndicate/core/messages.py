"""What travels on a channel queue: one rendered posting for one channel, or its removal.

Plain JSON; a payload too large for the queue travels in S3 (`payload_ref`). The LinkedIn queue also
carries `TaskPoll` follow-ups (docs/design.md, "Channel messages").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from syndicate.core.model import Channel

Action = Literal["upsert", "remove"]
MESSAGE_VERSION = 1


# A content hash is the first 128 bits of the canonical content's SHA-256, in hex: it is stored four
# times in a state item, and the full 256 bits pushed items past 1 KB, where every write bills twice.
CONTENT_HASH_HEX_DIGITS = 32


def content_hash(raw: Any) -> str:
    """A stable fingerprint of a posting's canonical content (key order does not matter)."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:CONTENT_HASH_HEX_DIGITS]


def same_content(stored: str | None, fresh: str) -> bool:
    """Whether a stored content hash stands for the content whose hash is `fresh`: equal, or a full
    SHA-256 in hex written before hashes were shortened, which starts with the short one."""
    return bool(stored) and len(fresh) == CONTENT_HASH_HEX_DIGITS and str(stored).startswith(fresh)


def hash_of_record(stored: str | None, fresh: str) -> str:
    """The hash to record for content whose hash is `fresh`: the stored one while the content is the
    same, so a posting stored with a full-length hash keeps it (and every message queued with it
    stays current) until its content changes; no posting is republished for the shorter hash."""
    return str(stored) if stored and same_content(stored, fresh) else fresh


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    posting_id: str
    channel: Channel
    action: Action
    content_hash: str
    upload_order: str
    source: str
    payload: Any = None  # the rendered output for `upsert` (LinkedIn job, Indeed jobs, schema.org page)
    payload_ref: dict[str, str] | None = None  # {"bucket", "key"} when the payload is stored in S3
    v: int = field(default=MESSAGE_VERSION)

    def as_dict(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict would deep-copy the rendered payload for nothing.
        return {
            name: value for name in self.__dataclass_fields__ if (value := getattr(self, name)) is not None
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any) -> ChannelMessage:
        if not isinstance(data, dict) or data.get("v") != MESSAGE_VERSION:
            raise ValueError(f"not a channel message of version {MESSAGE_VERSION}")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> ChannelMessage:
        return cls.from_dict(json.loads(text))

    def without_payload(self, ref: dict[str, str]) -> ChannelMessage:
        return ChannelMessage(
            self.posting_id, self.channel, self.action, self.content_hash, self.upload_order, self.source,
            None, ref,
        )  # fmt: skip


TASK_POLL_KIND = "linkedin_task"


@dataclass(frozen=True, slots=True)
class TaskPoll:
    """A follow-up on the LinkedIn queue: poll the task LinkedIn gave for a job of this version."""

    posting_id: str
    content_hash: str
    action: Action
    upload_order: str
    task_urn: str
    operation: str  # CREATE, UPDATE, RENEW or CLOSE: what the task carries out
    attempt: int  # 1 for the first poll
    channel: Channel = "linkedin"
    kind: str = TASK_POLL_KIND

    def to_json(self) -> str:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    def next_attempt(self) -> TaskPoll:
        return TaskPoll(
            self.posting_id, self.content_hash, self.action, self.upload_order, self.task_urn,
            self.operation, self.attempt + 1,
        )  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> TaskPoll:
        if not isinstance(data, dict) or data.get("kind") != TASK_POLL_KIND:
            raise ValueError("not a LinkedIn task poll")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def is_task_poll(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == TASK_POLL_KIND
