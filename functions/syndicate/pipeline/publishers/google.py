"""Tell Google about the job pages a schema.org batch created, changed or removed (Indexing API).

Once per batch, from every message's outcome, so a notification that failed is sent again when its
message comes back: docs/channels/google.md, "Telling Google".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from aws_lambda_powertools import Logger

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.adapters.state import time_text
from syndicate.core.messages import ChannelMessage
from syndicate.pipeline.state_store import StateStore
from syndicate.settings import SchemaOrgPublisherSettings

if TYPE_CHECKING:  # google-auth and requests load only where notifications are enabled
    from syndicate.adapters.google_indexing import IndexingClient, NotificationResult

UPDATED: Final = "URL_UPDATED"
DELETED: Final = "URL_DELETED"
RETRY_STATUSES: Final = frozenset({401, 429, 500, 502, 503, 504})

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class Notice:
    """The notification one applied message calls for."""

    message_id: str
    message: ChannelMessage
    url: str
    kind: str  # URL_UPDATED or URL_DELETED

    @property
    def key(self) -> tuple[str, str]:
        return (self.url, self.kind)


def notice_for(message_id: str, message: ChannelMessage, outcome: str, page_url: str) -> Notice | None:
    if outcome == "published":
        return Notice(message_id, message, page_url, UPDATED)
    if outcome == "removed":
        return Notice(message_id, message, page_url, DELETED)
    return None  # superseded: the newer version's message notifies


@dataclass(frozen=True, slots=True)
class Notified:
    sent: int  # notices sent to Google (none where notifications are disabled)
    failed: list[str]  # ids of the messages to hand back to SQS


class GoogleNotifier:
    """Notifies through `client`; with no client (GOOGLE_INDEXING disabled) the sitemap alone tells Google."""

    def __init__(self, state: StateStore, client: Callable[[], IndexingClient] | None) -> None:
        self._state = state
        self._client = client

    @classmethod
    def from_settings(
        cls, settings: SchemaOrgPublisherSettings, state: StateStore, clients: ChannelClients
    ) -> GoogleNotifier:
        return cls(state, clients.indexing if settings.indexing is not None else None)

    def notify(self, notices: Sequence[Notice], deadline: Callable[[], float]) -> Notified:
        if self._client is None or not notices:
            return Notified(0, [])
        return Notified(len(notices), self._publish(self._client, notices, deadline))

    def _publish(
        self, client: Callable[[], IndexingClient], notices: Sequence[Notice], deadline: Callable[[], float]
    ) -> list[str]:
        """Publish the notices; returns the ids of the messages to hand back to SQS."""
        from syndicate.adapters.google_indexing import IndexingError  # noqa: PLC0415 - see TYPE_CHECKING

        by_key: dict[tuple[str, str], list[Notice]] = {}
        for notice in notices:
            by_key.setdefault(notice.key, []).append(notice)
        wanted = list(by_key)
        pending: list[tuple[str, str]] = []
        reason = ""
        try:
            results: Sequence[NotificationResult] = client().publish(
                [(url, kind) for url, kind in wanted],  # type: ignore[misc]  # kinds are the two literals
                deadline=deadline,
            )
        except IndexingError as error:
            results = error.completed
            pending = [(url, str(kind)) for url, kind in error.pending]
            reason = (
                f"Google Indexing API did not answer every notification ({type(error).__name__}): {error}"
            )
        except ValueError as error:  # a URL the API cannot take (the site base URL): never retryable
            for key in wanted:
                self._note_refused(by_key[key], f"cannot notify Google Indexing API: {error}")
            return []
        failed: list[str] = []
        for result in results:
            group = by_key.get((result.url, str(result.type)), [])
            if result.ok:
                self._note_notified(group)
            elif result.status in RETRY_STATUSES:
                failed += self._retry_later(
                    group, f"Google Indexing API answered {result.status} for {result.url}: {result.error}"
                )
            else:
                refused = f"{result.status} {result.error}"
                self._note_refused(
                    group, f"Google Indexing API refused {result.type} for {result.url}: {refused}"
                )
        for key in pending:
            failed += self._retry_later(by_key[key], reason)
        return failed

    def _note_notified(self, notices: list[Notice]) -> None:
        stamp = time_text(datetime.now(UTC))
        for notice in notices:
            message = notice.message
            self._state.note(
                message.posting_id,
                "schemaorg",
                message.content_hash,
                message.action,
                entry_set={"notified": f"{notice.kind} {stamp}"},
                entry_remove=("last_error",),
            )

    def _note_refused(self, notices: list[Notice], reason: str) -> None:
        for notice in notices:
            message = notice.message
            self._state.note(
                message.posting_id, "schemaorg", message.content_hash, message.action,
                entry_set={"last_error": reason},
            )  # fmt: skip
            logger.warning(
                "Google refused a notification", extra={"posting_id": message.posting_id, "reason": reason}
            )

    def _retry_later(self, notices: list[Notice], reason: str) -> list[str]:
        for notice in notices:
            message = notice.message
            self._state.note(
                message.posting_id, "schemaorg", message.content_hash, message.action,
                entry_set={"last_error": reason},
            )  # fmt: skip
            logger.warning(
                "Google notification goes back to the queue",
                extra={"posting_id": message.posting_id, "url": notice.url, "reason": reason},
            )
        return [notice.message_id for notice in notices]
