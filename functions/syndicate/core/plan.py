"""Decide, for one valid posting, what each channel must be told: pure, no AWS.

`upsert`, `remove`, or skipped with reasons, from the new version and what the state table remembers;
the rules: docs/design.md, "What each channel is told".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from syndicate.core.messages import Action
from syndicate.core.model import CHANNELS, Channel

if TYPE_CHECKING:  # publishers read the states below without loading validation and renderers
    from syndicate.core.assess import Assessment

# Channel states kept in the state table, per posting and channel.
PENDING = "pending"  # decided and being queued
QUEUED = "queued"  # on the channel's queue
SUBMITTED = "submitted"  # LinkedIn accepted the job and gave a task; the outcome is being polled
PUBLISHED = "published"  # the publisher delivered it (LinkedIn: the task succeeded)
REMOVED = "removed"  # taken down from the channel
SKIPPED = "skipped"  # never went there: not ready, with the reason
FAILED = "failed"  # the publisher gave up: see `reason`

LIVE_STATES = frozenset({PENDING, QUEUED, SUBMITTED, PUBLISHED})


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    channel: Channel
    action: Action | None  # None: nothing to send
    state: str  # the state to record now
    reason: str = ""
    # What the channel holds for this posting after the plan: the action to record. An
    # unchanged channel keeps its stored action, so the posting still counts as live there.
    recorded_action: str = ""


@dataclass(frozen=True, slots=True)
class PostingPlan:
    channels: tuple[ChannelPlan, ...] = field(default=())

    @property
    def sends(self) -> tuple[ChannelPlan, ...]:
        return tuple(plan for plan in self.channels if plan.action is not None)


def is_live(previous: Mapping[str, Any] | None, channel: Channel) -> bool:
    """Whether the posting is (or is about to be) on `channel` according to the stored state."""
    entry = (previous or {}).get("channels", {}).get(channel, {})
    return entry.get("state") in LIVE_STATES and entry.get("action", "upsert") == "upsert"


def may_be_on(previous: Mapping[str, Any] | None, channel: Channel) -> bool:
    """Live, or the last delivery failed (what was there before may still be there)."""
    entry = (previous or {}).get("channels", {}).get(channel, {})
    return is_live(previous, channel) or entry.get("state") == FAILED


def plan_channels(
    result: Assessment, new_hash: str, previous: Mapping[str, Any] | None, now: datetime
) -> PostingPlan:
    posting = result.posting
    if posting is None:
        raise ValueError("only a valid posting has a plan")
    expired = posting.valid_through is not None and posting.valid_through <= now
    plans: list[ChannelPlan] = []
    for channel in CHANNELS:
        problems = result.readiness.get(channel, ())
        wanted = posting.is_open and not expired and not problems
        stored = (previous or {}).get("channels", {}).get(channel, {})
        live = is_live(previous, channel)
        if wanted:
            unchanged = live and stored.get("hash") == new_hash
            if unchanged:
                plans.append(ChannelPlan(channel, None, stored["state"], recorded_action="upsert"))
            else:
                plans.append(ChannelPlan(channel, "upsert", PENDING, recorded_action="upsert"))
        elif may_be_on(previous, channel):
            reason = _why_off(posting.is_open, expired, problems)
            plans.append(ChannelPlan(channel, "remove", PENDING, reason, recorded_action="remove"))
        else:
            plans.append(ChannelPlan(channel, None, SKIPPED, _why_off(posting.is_open, expired, problems)))
    return PostingPlan(tuple(plans))


def _why_off(is_open: bool, expired: bool, problems: tuple[Any, ...]) -> str:
    if not is_open:
        return "the posting is closed"
    if expired:
        return "valid_through has passed"
    return "; ".join(str(problem) for problem in problems)
