"""Render one posting for one channel, for the channel queue: pure, no AWS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syndicate.core.channels import indeed, linkedin, schemaorg
from syndicate.core.model import Channel, Posting
from syndicate.pipeline.messages import Action


def linkedin_operation(action: Action, was_on_linkedin: bool) -> str:
    """LinkedIn wants CREATE for a job it does not know, UPDATE for a change, CLOSE to take it down."""
    if action == "remove":
        return "CLOSE"
    return "UPDATE" if was_on_linkedin else "CREATE"


def render_payload(
    posting: Posting, channel: Channel, action: Action, now: datetime, *, was_on_channel: bool
) -> Any:
    if channel == "linkedin":
        # LinkedIn closes a job by receiving it again with the CLOSE operation.
        return linkedin.render_job(posting, now, linkedin_operation(action, was_on_channel))
    if action == "remove":
        return None  # Indeed: dropped from the feed; schema.org: page deleted
    if channel == "indeed":
        return indeed.render_jobs(posting)
    jsonld = schemaorg.render(posting)
    return {"jsonld": jsonld, "page": schemaorg.job_page(posting, jsonld)}
