"""What every channel renderer shares: readiness results and the extension overlay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syndicate.core.model import Channel, Posting
from syndicate.core.problems import Problem


def extension_fields(posting: Posting, channel: Channel) -> Mapping[str, Any]:
    """The raw fields the employer asked to lay over this channel's output (may be empty)."""
    return posting.extensions.get(channel, {})


def not_selected(posting: Posting, channel: Channel) -> list[Problem]:
    if channel in posting.channels:
        return []
    return [Problem("/channels", "channel_not_selected", f"The posting's channels do not include {channel}.")]
