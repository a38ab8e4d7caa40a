"""What the pipeline needs of the posting state table, as Protocols: `adapters.state.StateTable`
implements them against DynamoDB, the benchmark's fakes in memory, and mypy checks both.

`IngestState` is the part the ingest uses; `StateStore` is all of it (publishers, expiry, webhook).
Imports nothing at run time that the pipeline would not load anyway (no boto3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from syndicate.core.model import Channel

if TYPE_CHECKING:
    from syndicate.adapters.state import ChannelMark, Version
    from syndicate.core.plan import ChannelPlan


class IngestState(Protocol):
    def get(self, posting_id: str) -> dict[str, Any] | None:
        """The posting's item (strongly consistent), None when there is none."""
        ...

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
        """Store the version and its channel plans if the item still holds `seen`; False when
        another writer got there first."""
        ...

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
        """Set a channel's state while the item still holds `content_hash` (and `action`); False
        when the message is stale."""
        ...

    def mark_all(self, posting_id: str, marks: Sequence[ChannelMark]) -> bool:
        """Several channels' `mark` in one write, on all their conditions together; False, changing
        nothing, when any of them fails."""
        ...


class StateStore(IngestState, Protocol):
    def channel_entry(self, posting_id: str, channel: Channel) -> dict[str, Any]: ...

    def note(
        self,
        posting_id: str,
        channel: Channel,
        content_hash: str,
        action: str | None,
        *,
        entry_set: Mapping[str, Any] | None = None,
        entry_remove: tuple[str, ...] = (),
        extra_set: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
    ) -> bool: ...

    def expired_postings(self, now: str) -> Iterator[str]: ...

    def record_takedown(
        self, posting_id: str, seen: Version, content_hash: str, entries: Mapping[Channel, Mapping[str, Any]]
    ) -> bool: ...

    def leave_expiry_index(self, posting_id: str, seen: Version) -> bool: ...
