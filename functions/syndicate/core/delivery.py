"""How a deployment delivers to the channels: pure rules and types, no AWS (settings read the values).

LinkedIn delivery (`api` or `feed`), which operation a job gets from what LinkedIn holds, and the
channel clients' HTTP tuning; syndicate.settings reads the values (docs/design.md).
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class HttpTuning:
    """Overrides of the channel clients' HTTP settings; None keeps the client's default."""

    connect_timeout: float | None = None
    read_timeout: float | None = None
    retries: int | None = None
    backoff_factor: float | None = None
    backoff_jitter: float | None = None
    backoff_max: float | None = None

    def overrides(self) -> dict[str, float | int]:
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) is not None}
