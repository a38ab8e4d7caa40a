"""A posting's whole life on every channel: created, changed, closed, reopened, and
another one expired, each step seen where the channel sees it - the operation LinkedIn's fake received,
the posting in or out of Indeed's feed, its job page and sitemap entry, the notification Google's fake
accepted - first on the embedded stack in this process, then through `syndicate run` and `syndicate
status` as a user runs them (subprocesses, the fakes over real HTTP, nothing from the internet).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from infra.fakes.local import LocalChannelApis
from infra.runtime import EmbeddedStack

from syndicate.pipeline.posting_status import status_document
from tests.integration.pipeline_helpers import (
    PARAMETERS,
    feed_jobs,
    feed_posting_ids,
    jsonld,
    local_stack,
    page,
    page_url,
    posting,
    sitemap_urls,
    state_item,
    upload_json,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WITH_GOOGLE = {**PARAMETERS, "GoogleIndexing": "enabled"}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Channels:
    """What each channel holds for a posting now, read where the channel reads it."""

    def __init__(self, stack: EmbeddedStack, apis: LocalChannelApis) -> None:
        self.stack, self.apis = stack, apis
        self._heard = 0

    def step(self) -> None:
        report = self.stack.drain()
        assert report.failed_batches == [], report.failed_batches

    def linkedin(self, posting_id: str) -> tuple[str, list[str]]:
        job = self.apis.linkedin.jobs[posting_id]
        return job.state, job.operations

    def google_since_last_look(self) -> list[tuple[str, str]]:
        heard = self.apis.google.notifications[self._heard :]
        self._heard += len(heard)
        return [(n["url"], n["type"]) for n in heard]

    def on_site(self, posting_id: str) -> bool:
        html, document = page(self.stack, posting_id), jsonld(self.stack, posting_id)
        assert (html is None) == (document is None), "a page without its JSON-LD, or the other way round"
        return html is not None and page_url(posting_id) in sitemap_urls(self.stack)

    def status(self, posting_id: str) -> dict[str, Any]:
        item = state_item(self.stack, posting_id)
        assert item is not None
        return status_document(item, PARAMETERS["SiteBaseUrl"])


def test_create_change_close_reopen_and_expire_reach_every_channel() -> None:
    until = datetime.now(UTC) + timedelta(days=2)
    with local_stack(WITH_GOOGLE) as (stack, apis):
        seen = Channels(stack, apis)
        seen.step()

        # created
        upload_json(
            stack, "incoming/1.json", [posting("LIFE-1"), posting("LIFE-2", valid_through=stamp(until))]
        )
        seen.step()
        assert seen.linkedin("LIFE-1") == ("LISTED", ["CREATE"])
        assert seen.linkedin("LIFE-2") == ("LISTED", ["CREATE"])
        assert sorted(feed_posting_ids(stack)) == ["LIFE-1", "LIFE-2"]
        assert seen.on_site("LIFE-1") and seen.on_site("LIFE-2")
        assert sorted(seen.google_since_last_look()) == [
            (page_url("LIFE-1"), "URL_UPDATED"),
            (page_url("LIFE-2"), "URL_UPDATED"),
        ]
        linkedin_ids = seen.status("LIFE-1")["channels"]["linkedin"]["external_ids"]
        assert linkedin_ids == ["LIFE-1", apis.linkedin.jobs["LIFE-1"].job_posting]

        # changed
        upload_json(stack, "incoming/2.json", [posting("LIFE-1", title="Head Cook")])
        seen.step()
        assert seen.linkedin("LIFE-1") == ("LISTED", ["CREATE", "UPDATE"])
        assert [job["title"] for job in feed_jobs(stack) if job["referencenumber"].startswith("LIFE-1-")] == [
            "Head Cook"
        ]
        assert seen.on_site("LIFE-1") and (jsonld(stack, "LIFE-1") or {})["title"] == "Head Cook"
        assert seen.google_since_last_look() == [(page_url("LIFE-1"), "URL_UPDATED")]

        # closed
        upload_json(stack, "incoming/3.json", [posting("LIFE-1", title="Head Cook", status="closed")])
        seen.step()
        assert seen.linkedin("LIFE-1") == ("CLOSED", ["CREATE", "UPDATE", "CLOSE"])
        assert feed_posting_ids(stack) == ["LIFE-2"]
        assert not seen.on_site("LIFE-1") and page_url("LIFE-1") not in sitemap_urls(stack)
        assert seen.google_since_last_look() == [(page_url("LIFE-1"), "URL_DELETED")]
        closed = seen.status("LIFE-1")["channels"]
        assert {name: entry["state"] for name, entry in closed.items()} == dict.fromkeys(closed, "removed")
        assert closed["indeed"]["reason"] == "the posting is closed"

        # reopened: LinkedIn holds the job closed, so it is renewed rather than created again
        upload_json(stack, "incoming/4.json", [posting("LIFE-1", title="Head Cook (again)")])
        seen.step()
        assert seen.linkedin("LIFE-1") == ("LISTED", ["CREATE", "UPDATE", "CLOSE", "RENEW"])
        assert sorted(feed_posting_ids(stack)) == ["LIFE-1", "LIFE-2"]
        assert seen.on_site("LIFE-1")
        assert seen.google_since_last_look() == [(page_url("LIFE-1"), "URL_UPDATED")]
        assert dict(apis.linkedin.creates) == {"LIFE-1": 1, "LIFE-2": 1}

        # expired: the schedule runs after valid_through
        stack.run_schedule("ExpiryFunction", until + timedelta(minutes=15))
        seen.step()
        assert seen.linkedin("LIFE-2") == ("CLOSED", ["CREATE", "CLOSE"])
        assert feed_posting_ids(stack) == ["LIFE-1"]
        assert not seen.on_site("LIFE-2")
        assert seen.google_since_last_look() == [(page_url("LIFE-2"), "URL_DELETED")]
        expired = seen.status("LIFE-2")["channels"]
        assert {entry["reason"] for entry in expired.values()} == {"valid_through has passed"}

        # and again: nothing more anywhere
        calls = dict(apis.linkedin.calls)
        stack.run_schedule("ExpiryFunction", until + timedelta(minutes=30))
        seen.step()
        assert dict(apis.linkedin.calls) == calls and seen.google_since_last_look() == []


# --- the same through the command line ---------------------------------------------------------------------


def cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    paths = [str(ROOT / "functions"), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", *arguments],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write(path: Path, postings: list[dict[str, Any]]) -> str:
    path.write_text(json.dumps(postings), "utf-8")
    return str(path)


def test_syndicate_run_records_what_linkedin_and_google_received_and_status_shows_it(tmp_path: Path) -> None:
    until = datetime.now(UTC) + timedelta(days=2)
    files = [
        write(tmp_path / "create.json", [posting("CLI-1"), posting("CLI-2", valid_through=stamp(until))]),
        write(tmp_path / "update.json", [posting("CLI-1", title="Head Cook")]),
        write(tmp_path / "close.json", [posting("CLI-1", title="Head Cook", status="closed")]),
    ]
    out = tmp_path / "out"

    ran = cli("run", "--out", str(out), "--expire-at", stamp(until + timedelta(hours=1)), *files)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "expiry run as at" in ran.stdout and "1 posting(s) taken down" in ran.stdout
    received = [json.loads(line) for line in (out / "linkedin" / "requests.jsonl").read_text().splitlines()]
    operations = [
        (element["externalJobPostingId"], element["jobPostingOperationType"])
        for call in received
        for element in call["body"]["elements"]
    ]
    assert [op for op in operations if op[0] == "CLI-1"] == [
        ("CLI-1", op) for op in ("CREATE", "UPDATE", "CLOSE")
    ]
    assert [op for op in operations if op[0] == "CLI-2"] == [("CLI-2", "CREATE"), ("CLI-2", "CLOSE")]
    assert all(call["response"]["elements"][0]["status"] == 202 for call in received)
    heard = [json.loads(line) for line in (out / "google" / "notifications.jsonl").read_text().splitlines()]
    base = "https://jobs.example.org/jobs/"
    assert [(n["url"].removeprefix(base), n["type"]) for n in heard if "CLI-1" in n["url"]] == [
        ("CLI-1.html", "URL_UPDATED"),
        ("CLI-1.html", "URL_UPDATED"),
        ("CLI-1.html", "URL_DELETED"),
    ]
    assert [n["type"] for n in heard if "CLI-2" in n["url"]] == ["URL_UPDATED", "URL_DELETED"]
    assert ET.parse(out / "indeed" / "feed.xml").getroot().findall("job") == []
    assert not (out / "site" / "jobs").exists() or list((out / "site" / "jobs").iterdir()) == []

    shown = cli("status", "CLI-2", "--out", str(out))
    assert shown.returncode == 0, shown.stderr
    assert "linkedin   removed: valid_through has passed" in shown.stdout
    document = json.loads(cli("status", "CLI-1", "--out", str(out), "--json").stdout)
    assert document["channels"]["linkedin"]["state"] == "removed"
    assert document["channels"]["schemaorg"]["last_error"] is None


def test_syndicate_run_in_feed_mode_writes_linkedins_xml_feed(tmp_path: Path) -> None:
    files = [write(tmp_path / "jobs.json", [posting("XML-1"), posting("XML-2", status="closed")])]
    out = tmp_path / "out"

    ran = cli(
        "run", "--out", str(out), "--linkedin-delivery", "feed", "--google-indexing", "disabled", *files
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    jobs = ET.parse(out / "linkedin" / "feed.xml").getroot().findall("job")
    assert [job.findtext("partnerJobId") for job in jobs] == ["XML-1"]
    assert not (out / "linkedin" / "requests.jsonl").exists()
    assert not (out / "google" / "notifications.jsonl").exists()
    assert "LinkedIn XML feed:" in ran.stdout
