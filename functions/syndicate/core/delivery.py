"""How this deployment delivers to the channels, read from the environment: pure, no AWS.

LINKEDIN_DELIVERY, GOOGLE_INDEXING and the channel clients' HTTP tuning, read on every call (the
embedded runtime runs deployments with different settings in one process): docs/design.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

LinkedInDelivery = Literal["api", "feed"]
LINKEDIN_API: Final = "api"
LINKEDIN_FEED: Final = "feed"


# What LinkedIn holds for a posting, as far as the state table knows (item attribute `linkedin_listing`):
# absent (never accepted), LISTED (a CREATE, UPDATE or RENEW was accepted) or CLOSED (a CLOSE succeeded).
LISTED: Final = "listed"
CLOSED: Final = "closed"


def linkedin_operation(action: str, listing: str | None) -> str:
    """CREATE for a job LinkedIn does not know, UPDATE for a change, CLOSE to take it down, and RENEW
    to bring back a job LinkedIn holds closed. LinkedIn's docs re-send the full job with the same id
    for update, renew and close, and drop a second CREATE of an id as a duplicate; they say nothing
    about reopening a closed job, so RENEW (which the fake accepts for a closed job) is our choice."""
    if action == "remove":
        return "CLOSE"
    if listing == LISTED:
        return "UPDATE"
    if listing == CLOSED:
        return "RENEW"
    return "CREATE"


def linkedin_listing(item: Mapping[str, Any] | None) -> str | None:
    value = (item or {}).get("linkedin_listing")
    return value if value in (LISTED, CLOSED) else None


def linkedin_delivery() -> LinkedInDelivery:
    value = os.environ.get("LINKEDIN_DELIVERY", LINKEDIN_API).strip().lower()
    if value == LINKEDIN_FEED:
        return "feed"
    if value != LINKEDIN_API:
        raise ValueError(f"LINKEDIN_DELIVERY must be 'api' or 'feed', not {value!r}")
    return "api"


def google_indexing_enabled() -> bool:
    return os.environ.get("GOOGLE_INDEXING", "disabled").strip().lower() == "enabled"


def _seconds(name: str) -> float | None:
    text = os.environ.get(name)
    return float(text) if text else None


@dataclass(frozen=True, slots=True)
class HttpTuning:
    """Overrides of the channel clients' HTTP settings; None keeps the client's default."""

    connect_timeout: float | None = None
    read_timeout: float | None = None
    retries: int | None = None
    backoff_factor: float | None = None
    backoff_jitter: float | None = None
    backoff_max: float | None = None

    @classmethod
    def from_environment(cls) -> HttpTuning:
        retries = os.environ.get("HTTP_RETRIES")
        return cls(
            connect_timeout=_seconds("HTTP_CONNECT_TIMEOUT_SECONDS"),
            read_timeout=_seconds("HTTP_READ_TIMEOUT_SECONDS"),
            retries=int(retries) if retries else None,
            backoff_factor=_seconds("HTTP_BACKOFF_FACTOR_SECONDS"),
            backoff_jitter=_seconds("HTTP_BACKOFF_JITTER_SECONDS"),
            backoff_max=_seconds("HTTP_BACKOFF_MAX_SECONDS"),
        )

    def overrides(self) -> dict[str, float | int]:
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) is not None}
