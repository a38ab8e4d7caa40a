"""Render one posting for one channel, for the channel queue: pure, no AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from syndicate.core.assess import Assessment, rejected_for
from syndicate.core.channels import indeed, linkedin, linkedin_feed, schemaorg, schemaorg_page
from syndicate.core.delivery import LINKEDIN_FEED, LinkedInDelivery, linkedin_operation
from syndicate.core.messages import Action
from syndicate.core.model import Channel, Posting
from syndicate.core.problems import Problem


def linkedin_readiness(
    posting: Posting, now: datetime, delivery: LinkedInDelivery, api_problems: tuple[Problem, ...]
) -> tuple[Problem, ...]:
    """The readiness of the deployment's LinkedIn mode (the API's is computed by `assess`)."""
    if delivery == LINKEDIN_FEED:
        return tuple(linkedin_feed.readiness(posting, now))
    return api_problems


def for_delivery(result: Assessment, now: datetime, delivery: LinkedInDelivery) -> Assessment:
    """The assessment with LinkedIn's readiness for the deployment's mode (API or XML feed), as the
    ingest plans by it and the webhook reports it."""
    if result.posting is None or delivery != LINKEDIN_FEED:
        return result
    try:
        problems = linkedin_readiness(result.posting, now, delivery, result.readiness.get("linkedin", ()))
    except Exception as error:  # like `assess`: one posting's failure is that posting's rejection
        return rejected_for(result.source, result.index, result.id, error)
    return replace(result, readiness={**result.readiness, "linkedin": problems})


def render_payload(
    posting: Posting,
    channel: Channel,
    action: Action,
    now: datetime,
    *,
    linkedin_listing: str | None = None,
    linkedin_delivery: LinkedInDelivery = "api",
) -> Any:
    if channel == "linkedin":
        if linkedin_delivery == LINKEDIN_FEED:
            # The feed drops a closed job; the publisher keeps this `<job>` until then.
            return None if action == "remove" else [linkedin_feed.render_job(posting, now)]
        # LinkedIn closes a job by receiving it again with the CLOSE operation. The publisher checks
        # the operation again against the state when it sends (a version may have gone out since).
        return linkedin.render_job(posting, now, linkedin_operation(action, linkedin_listing))
    if action == "remove":
        return None  # Indeed: dropped from the feed; schema.org: page deleted
    if channel == "indeed":
        return indeed.render_jobs(posting)
    jsonld = schemaorg.render(posting)
    # The page itself is rendered by the publisher, where it is stored: smaller messages, less ingest.
    return {"jsonld": jsonld, "page_facts": schemaorg_page.page_facts(posting)}
