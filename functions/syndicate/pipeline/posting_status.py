"""Where one posting stands: its version and, per channel, state, external ids and last error.

One document for both `GET /v1/postings/{id}` and `syndicate status`, so the two never disagree.
Pure: the caller fetches the item (docs/design.md, "Where a posting stands").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from syndicate.core import plan as states
from syndicate.core.delivery import LISTED
from syndicate.core.model import CHANNELS

PAGES_PREFIX = "jobs/"  # the schema.org publisher's page keys (tests check it is the same)


def status_document(item: Mapping[str, Any], site_base_url: str | None = None) -> dict[str, Any]:
    posting_id = str(item["posting_id"])
    stored = item.get("channels") or {}
    channels: dict[str, Any] = {}
    for channel in CHANNELS:
        entry = stored.get(channel) or {}
        state = str(entry.get("state", "unknown"))
        reason = str(entry.get("reason", ""))
        channels[channel] = {
            "state": state,
            "action": str(entry.get("action", "")) or None,
            "reason": reason or None,
            "updated": str(entry.get("updated", "")) or None,
            "external_ids": _external_ids(item, channel, state, site_base_url),
            "last_error": _last_error(entry, state, reason),
        }
    return {
        "id": posting_id,
        "status": str(item.get("posting_status", "")) or None,
        "version": {
            "updated_at": str(item.get("updated_at", "")) or None,
            "content_hash": str(item.get("content_hash", "")) or None,
            "upload_order": str(item.get("upload_order", "")) or None,
            "source": str(item.get("source", "")) or None,
        },
        "last_seen": str(item.get("last_seen", "")) or None,
        "channels": channels,
    }


def _last_error(entry: Mapping[str, Any], state: str, reason: str) -> str | None:
    if state == states.FAILED:
        return reason or "failed"
    noted = str(entry.get("last_error", ""))
    return noted or None


def _external_ids(item: Mapping[str, Any], channel: str, state: str, site_base_url: str | None) -> list[str]:
    posting_id = str(item["posting_id"])
    if channel == "linkedin":
        # LinkedIn may still list the job after a later version failed: its ids stay shown until closed.
        if state != states.PUBLISHED and item.get("linkedin_listing") != LISTED:
            return []
        urn = str(item.get("linkedin_job_posting", ""))
        return [posting_id, urn] if urn else [posting_id]
    if state != states.PUBLISHED:
        return []
    if channel == "indeed":
        references = ((item.get("channels") or {}).get("indeed") or {}).get("references")
        if isinstance(references, list):
            return [str(reference) for reference in references]
        try:  # an item written before the jobs moved to the feed table holds the jobs themselves
            jobs = json.loads(str(item.get("indeed_jobs") or "[]"))
        except ValueError:
            return []
        return [
            str(job["referencenumber"]) for job in jobs if isinstance(job, dict) and "referencenumber" in job
        ]
    page = f"{PAGES_PREFIX}{posting_id}.html"
    if not site_base_url:
        return [page]
    return [site_base_url.rstrip("/") + "/" + page]


def describe(document: Mapping[str, Any]) -> str:
    """The status document as a few lines for a terminal."""
    version = document["version"]
    lines = [
        f"{document['id']}  {document.get('status') or '?'}  "
        f"updated_at {version.get('updated_at') or '-'}  "
        f"content {str(version.get('content_hash') or '-')[:12]}  from {version.get('source') or '-'}"
    ]
    width = max(len(channel) for channel in document["channels"])
    for channel, entry in document["channels"].items():
        line = f"  {channel:<{width}}  {entry['state']}"
        if entry.get("action") and entry["state"] in (states.PENDING, states.QUEUED, states.SUBMITTED):
            line += f" ({entry['action']})"
        if entry.get("external_ids"):
            line += f"  {', '.join(entry['external_ids'])}"
        if entry.get("last_error"):
            line += f"  last error: {entry['last_error']}"
        elif entry.get("reason"):
            line += f": {entry['reason']}"
        lines.append(line)
    return "\n".join(lines)
