"""ATS connections on the embedded stack: the scheduled poll and Greenhouse's webhook, through the real
intake, ingest and publishers, against the fake Greenhouse and Lever boards over HTTP.

Each test uses its own connection and board, so they share one stack without sharing state.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from infra.fakes.ats import FakeAtsBoards, Fault
from infra.fakes.local import LocalChannelApis
from infra.runtime import EmbeddedStack, HttpResponse

from syndicate.adapters.state import StateTable
from syndicate.pipeline.connections import INTAKE_PREFIX

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ROOT / "infra" / "fakes" / "boards"
PARAMETERS = {
    "SiteBaseUrl": "https://jobs.example.org/",
    "FeedPublisher": "Syndicate",
    "FeedPublisherUrl": "https://example.org/",
}
DEFAULTS = json.loads((BOARDS / "acme-defaults.json").read_text("utf-8"))
GREENHOUSE_JOBS: list[dict[str, Any]] = json.loads((BOARDS / "greenhouse-acme.json").read_text("utf-8"))[
    "jobs"
]
LEVER_POSTINGS: list[dict[str, Any]] = json.loads((BOARDS / "lever-acme.json").read_text("utf-8"))
WEBHOOK_KEY = "greenhouse-webhook-key-4d1f0c2b9a"


@pytest.fixture(scope="module")
def boards() -> Iterator[FakeAtsBoards]:
    with FakeAtsBoards(slow_seconds=0.2) as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(boards: FakeAtsBoards) -> Iterator[EmbeddedStack]:
    with (
        LocalChannelApis.running() as apis,
        EmbeddedStack.from_template(ROOT / "template.yaml", PARAMETERS) as running,
    ):
        apis.connect(running)
        running.override_environment({"HTTP_RETRIES": "1", "HTTP_READ_TIMEOUT_SECONDS": "2"})
        yield running


def greenhouse_jobs(first_id: int, count: int = 3) -> list[dict[str, Any]]:
    """The example board's jobs under ids of this test's own, so tests never share a posting."""
    jobs = copy.deepcopy(GREENHOUSE_JOBS[:count])
    for offset, job in enumerate(jobs):
        job["id"] = first_id + offset
        job["absolute_url"] = f"https://boards.greenhouse.io/acme/jobs/{first_id + offset}"
    return jobs


def lever_postings(prefix: str) -> list[dict[str, Any]]:
    postings = copy.deepcopy(LEVER_POSTINGS)
    for posting in postings:
        posting["id"] = f"{prefix}-{posting['id']}"
    return postings


def connect(stack: EmbeddedStack, boards: FakeAtsBoards, connection: str, ats: str, board: str) -> None:
    """What an operator does: one SSM parameter per connection (and a webhook key for Greenhouse)."""
    value = {"ats": ats, "board": board, "api_url": boards.api_url(ats), "defaults": DEFAULTS}
    ssm = stack_client(stack, "ssm")
    ssm.put_parameter(
        Name=f"/syndicate/connections/{connection}", Value=json.dumps(value), Type="String", Overwrite=True
    )
    secrets = stack.secretsmanager
    arn = stack.secret("AtsConnectionSecrets").arn
    current = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({**current, connection: WEBHOOK_KEY}))
    handler = sys.modules.get("syndicate.handlers.greenhouse_webhook")
    if handler is not None:  # as after the caches' max age
        handler.secrets.clear_cache()
        handler.webhook.connections.clear_cache()


def stack_client(stack: EmbeddedStack, service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=stack.model.region)


def poll(stack: EmbeddedStack, connection: str) -> dict[str, Any]:
    result = stack.run_schedule("AtsPollFunction")
    stack.drain()
    (report,) = [report for report in result["connections"] if report["connection"] == connection]
    return report


def uploads(stack: EmbeddedStack, connection: str) -> list[str]:
    listed = stack.s3.list_objects_v2(
        Bucket=stack.bucket("IntakeBucket").name, Prefix=f"{INTAKE_PREFIX}{connection}/"
    )
    return [item["Key"] for item in listed.get("Contents", [])]


def channel_states(stack: EmbeddedStack, posting_id: str) -> dict[str, str]:
    item = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"]).get(posting_id)
    assert item is not None, f"{posting_id} never reached the state table"
    return {channel: entry["state"] for channel, entry in item["channels"].items()}


def indeed_feed(stack: EmbeddedStack) -> str:
    body = stack.s3.get_object(Bucket=stack.bucket("FeedBucket").name, Key="indeed/feed.xml")["Body"]
    return str(body.read().decode("utf-8"))


# --- the scheduled poll ----------------------------------------------------------------------------------


def test_poll_publishes_both_boards_through_the_stack(stack: EmbeddedStack, boards: FakeAtsBoards) -> None:
    boards.greenhouse["acme"] = copy.deepcopy(GREENHOUSE_JOBS)
    boards.lever["acme"] = copy.deepcopy(LEVER_POSTINGS)
    connect(stack, boards, "gh-acme", "greenhouse", "acme")
    connect(stack, boards, "lever-acme", "lever", "acme")
    result = stack.run_schedule("AtsPollFunction")
    stack.drain()
    reports = {report["connection"]: report for report in result["connections"]}
    assert (reports["gh-acme"]["sent"], reports["gh-acme"]["closed"], reports["gh-acme"]["error"]) == (
        3,
        0,
        None,
    )
    assert (reports["lever-acme"]["sent"], reports["lever-acme"]["error"]) == (2, None)
    assert channel_states(stack, "greenhouse-4012001") == {
        "linkedin": "published",
        "indeed": "published",
        "schemaorg": "published",
    }
    assert channel_states(stack, "lever-5ac21346-8e0c-4494-8e7a-3eb92ff77902")["indeed"] == "published"
    feed = indeed_feed(stack)
    assert "greenhouse-4012003" in feed and "lever-0d1c6f0e-4a1b-4f55-9c43-6f2b1e7a9b10" in feed
    assert "alert(1)" not in feed  # Greenhouse's escaped <script> was decoded once, then sanitized away


def test_an_unchanged_board_sends_nothing(stack: EmbeddedStack, boards: FakeAtsBoards) -> None:
    boards.greenhouse["steady"] = greenhouse_jobs(5000, count=2)
    connect(stack, boards, "gh-steady", "greenhouse", "steady")
    assert poll(stack, "gh-steady")["sent"] == 2
    before = uploads(stack, "gh-steady")
    report = poll(stack, "gh-steady")
    assert (report["jobs"], report["sent"], report["closed"], report["upload_key"]) == (2, 0, 0, None)
    assert uploads(stack, "gh-steady") == before  # not even an empty upload


def test_only_the_changed_posting_is_sent(stack: EmbeddedStack, boards: FakeAtsBoards) -> None:
    boards.lever["edits"] = lever_postings("edits")
    connect(stack, boards, "lever-edits", "lever", "edits")
    poll(stack, "lever-edits")
    boards.lever["edits"][0]["text"] = "Senior Product Designer"
    report = poll(stack, "lever-edits")
    assert (report["sent"], report["closed"]) == (1, 0)
    body = stack.s3.get_object(Bucket=stack.bucket("IntakeBucket").name, Key=report["upload_key"])["Body"]
    (line,) = body.read().decode("utf-8").splitlines()
    assert json.loads(line)["title"] == "Senior Product Designer"


def test_a_posting_that_left_the_board_is_closed_everywhere(
    stack: EmbeddedStack, boards: FakeAtsBoards
) -> None:
    boards.greenhouse["closing"] = greenhouse_jobs(6000)
    connect(stack, boards, "gh-closing", "greenhouse", "closing")
    poll(stack, "gh-closing")
    assert "greenhouse-6001" in indeed_feed(stack)
    boards.greenhouse["closing"] = [job for job in boards.greenhouse["closing"] if job["id"] != 6001]
    report = poll(stack, "gh-closing")
    assert (report["sent"], report["closed"]) == (0, 1)
    assert set(channel_states(stack, "greenhouse-6001").values()) == {"removed"}
    assert "greenhouse-6001" not in indeed_feed(stack)
    assert channel_states(stack, "greenhouse-6000")["indeed"] == "published"  # the others stay
    assert poll(stack, "gh-closing")["closed"] == 0  # closed once, not again


@pytest.mark.parametrize("fault", [Fault.NOT_FOUND, Fault.SERVER_ERROR, Fault.SLOW, Fault.MALFORMED])
def test_an_unreadable_board_changes_nothing_and_is_reported(
    stack: EmbeddedStack, boards: FakeAtsBoards, fault: Fault
) -> None:
    connection, board = f"gh-faulty-{fault.value.replace('_', '-')}", f"faulty-{fault.value}"
    first_id = 7000 + 10 * list(Fault).index(fault)
    boards.greenhouse[board] = greenhouse_jobs(first_id, count=1)
    connect(stack, boards, connection, "greenhouse", board)
    poll(stack, connection)
    before = uploads(stack, connection)
    boards.greenhouse[board] = []  # were it read, its posting would be closed
    boards.fail("greenhouse", board, fault, times=None)
    if fault is Fault.SLOW:
        boards.slow_seconds = 3.0  # past the 2 s read timeout of this stack
    try:
        report = poll(stack, connection)
    finally:
        boards.clear_faults()
        boards.slow_seconds = 0.2
    assert report["error"] and f"Greenhouse board '{board}'" in report["error"]
    assert (report["sent"], report["closed"]) == (0, 0)
    assert uploads(stack, connection) == before
    assert channel_states(stack, f"greenhouse-{first_id}")["indeed"] == "published"
    boards.greenhouse[board] = greenhouse_jobs(first_id, count=1)  # back as it was, for the next polls


def test_a_misconfigured_connection_is_reported_and_the_others_go_on(
    stack: EmbeddedStack, boards: FakeAtsBoards
) -> None:
    stack_client(stack, "ssm").put_parameter(
        Name="/syndicate/connections/broken", Value='{"ats": "workday"}', Type="String", Overwrite=True
    )
    boards.lever["fine"] = lever_postings("fine")[:1]
    connect(stack, boards, "lever-fine", "lever", "fine")
    result = stack.run_schedule("AtsPollFunction")
    reports = {report["connection"]: report for report in result["connections"]}
    assert '"ats" must be one of greenhouse, lever' in reports["broken"]["error"]
    assert reports["lever-fine"]["error"] is None
    stack_client(stack, "ssm").delete_parameter(Name="/syndicate/connections/broken")


# --- Greenhouse webhooks ---------------------------------------------------------------------------------


def deliver(stack: EmbeddedStack, connection: str, body: bytes, signature: str | None) -> HttpResponse:
    headers = [("Content-Type", "application/json")]
    if signature is not None:
        headers.append(("Signature", signature))
    return stack.api_request("POST", f"/v1/connections/{connection}/greenhouse", headers, body)


def greenhouse_signed(body: bytes, key: str = WEBHOOK_KEY) -> str:
    return "sha256 " + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def job_post_event(action: str, post_id: int, title: str = "A Cool Job") -> bytes:
    # Greenhouse's documented payload, with its escaped HTML (developers.greenhouse.io/webhooks.html).
    payload = {
        "id": post_id,
        "title": title,
        "content": "<p>Come work for us!</p>",
        "job_id": 1842002,
        "live": True,
    }
    return (
        json.dumps({"action": action, "payload": payload})
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .encode()
    )


def test_a_signed_job_post_webhook_publishes_at_once(stack: EmbeddedStack, boards: FakeAtsBoards) -> None:
    boards.greenhouse["hooked"] = []
    connect(stack, boards, "gh-hooked", "greenhouse", "hooked")
    assert (
        deliver(
            stack,
            "gh-hooked",
            b'{"action":"ping","payload":{"web_hook_id":1}}',
            greenhouse_signed(b'{"action":"ping","payload":{"web_hook_id":1}}'),
        ).status
        == 200
    )
    boards.greenhouse["hooked"] = greenhouse_jobs(8000, count=1)
    body = job_post_event("job_post_created", 8000)
    answer = deliver(stack, "gh-hooked", body, greenhouse_signed(body))
    assert answer.status == 200, answer.body
    assert answer.json()["status"] == "synced" and answer.json()["sent"] == 1
    stack.drain()
    assert channel_states(stack, "greenhouse-8000")["schemaorg"] == "published"
    # job_post_updated with the post no longer live: it is off the board, so it is closed
    boards.greenhouse["hooked"] = []
    body = job_post_event("job_post_updated", 8000)
    answer = deliver(stack, "gh-hooked", body, greenhouse_signed(body))
    assert (answer.status, answer.json()["closed"]) == (200, 1)


@pytest.mark.parametrize(
    ("case", "signature"),
    [
        ("missing", None),
        ("forged", "sha256 " + "0" * 64),
        ("wrong secret", "WRONG"),
        ("body re-serialized", "RESERIALIZED"),
        ("malformed", "sha1 abc"),
    ],
)
def test_an_unauthentic_webhook_is_refused_and_reads_nothing(
    stack: EmbeddedStack, boards: FakeAtsBoards, case: str, signature: str | None
) -> None:
    boards.greenhouse["guarded"] = greenhouse_jobs(8100, count=1)
    connect(stack, boards, "gh-guarded", "greenhouse", "guarded")
    body = job_post_event("job_post_updated", 8100, title="Tëst ünicode")
    if signature == "WRONG":
        signature = greenhouse_signed(body, "not-the-key")
    elif signature == "RESERIALIZED":
        signature = greenhouse_signed(json.dumps(json.loads(body), ensure_ascii=False).encode())
    requests_before = boards.requests["greenhouse:guarded"]
    answer = deliver(stack, "gh-guarded", body, signature)
    assert answer.status == 401, case
    assert answer.json()["error"].startswith("signature_")
    assert boards.requests["greenhouse:guarded"] == requests_before  # the board was not even read
    assert uploads(stack, "gh-guarded") == []


def test_an_unknown_connection_is_refused_like_a_bad_signature(stack: EmbeddedStack) -> None:
    body = job_post_event("job_post_created", 1)
    answer = deliver(stack, "no-such-connection", body, greenhouse_signed(body))
    assert (answer.status, answer.json()["error"]) == (401, "signature_mismatch")


def test_a_webhook_for_an_unreadable_board_asks_greenhouse_to_retry(
    stack: EmbeddedStack, boards: FakeAtsBoards
) -> None:
    boards.greenhouse["down"] = greenhouse_jobs(8200, count=1)
    connect(stack, boards, "gh-down", "greenhouse", "down")
    boards.fail("greenhouse", "down", Fault.SERVER_ERROR, times=None)
    body = job_post_event("job_post_updated", 8200)
    try:
        answer = deliver(stack, "gh-down", body, greenhouse_signed(body))
    finally:
        boards.clear_faults()
    assert answer.status == 503 and answer.header("Retry-After") == "60"
    assert uploads(stack, "gh-down") == []


def test_other_greenhouse_events_are_acknowledged_and_ignored(
    stack: EmbeddedStack, boards: FakeAtsBoards
) -> None:
    boards.greenhouse["quiet"] = greenhouse_jobs(8300, count=1)
    connect(stack, boards, "gh-quiet", "greenhouse", "quiet")
    body = b'{"action":"candidate_hired","payload":{}}'
    answer = deliver(stack, "gh-quiet", body, greenhouse_signed(body))
    assert (answer.status, answer.json()["status"]) == (200, "ignored")
    assert boards.requests["greenhouse:quiet"] == 0
