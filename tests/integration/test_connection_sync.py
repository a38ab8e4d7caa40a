"""ConnectionSync and ConnectionStore on moto against the fake boards: configuration, change detection,
closing, notes, and what a poll short of time does."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from infra.fakes.ats import FakeAtsBoards

from syndicate.adapters.ats_boards import BoardReader, BoardSettings
from syndicate.pipeline.connections import (
    INTAKE_PREFIX,
    Connection,
    ConnectionInvalid,
    ConnectionStore,
    ConnectionSync,
)

ROOT = Path(__file__).resolve().parents[2]
JOBS: list[dict[str, Any]] = json.loads(
    (ROOT / "infra" / "fakes" / "boards" / "greenhouse-acme.json").read_text("utf-8")
)["jobs"]
BUCKET, TABLE, PATH = "intake-bucket", "state-table", "/stack/connections"
DEFAULTS = {"hiring_organization": {"name": "Acme Robotics"}}


@pytest.fixture
def boards() -> Iterator[FakeAtsBoards]:
    with FakeAtsBoards() as fake:
        fake.greenhouse["acme"] = copy.deepcopy(JOBS)
        yield fake


@pytest.fixture
def sync(aws: None) -> ConnectionSync:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "posting_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "posting_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    reader = BoardReader(BoardSettings(retries=0, read_timeout=2))
    return ConnectionSync(boto3.client("s3"), boto3.client("dynamodb"), BUCKET, TABLE, reader)


def greenhouse(boards: FakeAtsBoards, connection_id: str = "gh-acme") -> Connection:
    return Connection(connection_id, "greenhouse", "acme", boards.greenhouse_url, DEFAULTS)


def sent(report_key: str | None) -> list[dict[str, Any]]:
    assert report_key is not None and report_key.startswith(f"{INTAKE_PREFIX}gh-acme/")
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=report_key)["Body"].read().decode("utf-8")
    return [json.loads(line) for line in body.splitlines()]


def test_first_sync_sends_every_job_with_the_defaults(sync: ConnectionSync, boards: FakeAtsBoards) -> None:
    report = sync.sync(greenhouse(boards))
    postings = sent(report.upload_key)
    assert [p["id"] for p in postings] == ["greenhouse-4012001", "greenhouse-4012002", "greenhouse-4012003"]
    assert all(p["hiring_organization"]["name"] == "Acme Robotics" for p in postings)
    assert report.upload_key is not None and report.upload_key.endswith(".jsonl")


def test_unchanged_board_writes_nothing_not_even_the_snapshot(
    sync: ConnectionSync, boards: FakeAtsBoards
) -> None:
    sync.sync(greenhouse(boards))
    s3 = boto3.client("s3")
    versions_before = s3.list_objects_v2(Bucket=BUCKET)["KeyCount"]
    report = sync.sync(greenhouse(boards))
    assert (report.sent, report.closed, report.upload_key) == (0, 0, None)
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == versions_before


def test_changed_defaults_resend_every_posting(sync: ConnectionSync, boards: FakeAtsBoards) -> None:
    sync.sync(greenhouse(boards))
    connection = Connection(
        "gh-acme", "greenhouse", "acme", boards.greenhouse_url, {"contact_email": "a@b.example"}
    )
    assert sync.sync(connection).sent == 3


def test_removed_job_is_sent_closed_with_its_last_version(
    sync: ConnectionSync, boards: FakeAtsBoards
) -> None:
    first = sent(sync.sync(greenhouse(boards)).upload_key)
    boards.greenhouse["acme"] = [job for job in boards.greenhouse["acme"] if job["id"] != 4012003]
    report = sync.sync(greenhouse(boards))
    (closed,) = sent(report.upload_key)
    assert closed == {**first[2], "status": "closed"}  # same content and updated_at, now closed
    assert (report.sent, report.closed) == (0, 1)
    # back on the board: sent again as it is now
    boards.greenhouse["acme"] = copy.deepcopy(JOBS)
    (reopened,) = sent(sync.sync(greenhouse(boards)).upload_key)
    assert reopened["id"] == "greenhouse-4012003" and "status" not in reopened


def test_an_emptied_board_closes_its_jobs_only_when_the_next_read_agrees(
    sync: ConnectionSync, boards: FakeAtsBoards
) -> None:
    sync.sync(greenhouse(boards))
    boards.greenhouse["acme"] = []
    hiccup = sync.sync(greenhouse(boards))
    assert (hiccup.sent, hiccup.closed, hiccup.upload_key) == (0, 0, None)
    assert hiccup.notes == ["the board lists no jobs where 3 were open: they close when the next read agrees"]
    # the jobs come back: the next empty read must be confirmed again
    boards.greenhouse["acme"] = copy.deepcopy(JOBS)
    assert sync.sync(greenhouse(boards)).upload_key is None
    boards.greenhouse["acme"] = []
    assert sync.sync(greenhouse(boards)).closed == 0
    confirmed = sync.sync(greenhouse(boards))
    assert confirmed.closed == 3
    assert {p["status"] for p in sent(confirmed.upload_key)} == {"closed"}


def test_notes_are_said_once_when_the_posting_is_sent(sync: ConnectionSync, boards: FakeAtsBoards) -> None:
    boards.greenhouse["acme"][0]["location"] = {"name": "Bay Area"}
    boards.greenhouse["acme"][0]["offices"] = []
    assert sync.sync(greenhouse(boards)).notes == [
        "greenhouse-4012001: location 'Bay Area': 'Bay Area' names no country; left out"
    ]
    assert sync.sync(greenhouse(boards)).notes == []


def test_a_poll_short_of_time_leaves_the_rest_to_the_next_run(
    sync: ConnectionSync, boards: FakeAtsBoards
) -> None:
    ssm = boto3.client("ssm")
    for name in ("a", "b"):
        value = {"ats": "greenhouse", "board": "acme", "api_url": boards.greenhouse_url}
        ssm.put_parameter(Name=f"{PATH}/{name}", Value=json.dumps(value), Type="String")
    left = iter([120.0, 30.0])
    reports = sync.run_all(ConnectionStore(ssm, PATH), lambda: next(left))
    assert [(r.connection, r.sent, r.error) for r in reports] == [
        ("a", 3, None),
        ("b", 0, "not synced: out of time, next run"),
    ]
    assert boards.requests["greenhouse:acme"] == 1


@pytest.mark.parametrize(
    ("connection_id", "text", "reason"),
    [
        ("bad id!", "{}", "ids are 1-64 letters"),
        ("x", "not json", "not valid JSON"),
        ("x", "[]", "must be a JSON object"),
        ("x", '{"ats": "workday", "board": "a"}', '"ats" must be one of greenhouse, lever'),
        ("x", '{"ats": "lever", "board": " "}', '"board" must name the board'),
        ("x", '{"ats": "lever", "board": "a", "api_url": "ftp://x"}', '"api_url" must be an http(s) URL'),
        ("x", '{"ats": "lever", "board": "a", "defaults": {"id": "1"}}', "may not set id"),
    ],
)
def test_a_connection_that_cannot_be_used_says_why(connection_id: str, text: str, reason: str) -> None:
    with pytest.raises(ConnectionInvalid, match=re.escape(reason)):
        Connection.from_json(connection_id, text)


def test_connection_round_trips_through_its_json() -> None:
    connection = Connection("gh-acme", "greenhouse", "acme", None, DEFAULTS)
    assert Connection.from_json("gh-acme", connection.to_json()) == connection
