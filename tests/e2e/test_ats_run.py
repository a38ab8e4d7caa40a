"""`syndicate run --connection` and `syndicate pull` as a recruiting team runs them: subprocesses, the
fake ATS boards over real HTTP (the example boards in infra/fakes/boards/), the whole stack on the laptop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra.fakes.ats import FakeAtsBoards

from tests.e2e.test_lifecycle import cli

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ROOT / "infra" / "fakes" / "boards"

pytestmark = pytest.mark.slow


def test_run_with_connections_publishes_the_boards(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ran = cli(
        "run",
        "--out",
        str(out),
        "--connection",
        f"greenhouse:acme={BOARDS / 'greenhouse-acme.json'}",
        "--connection",
        f"lever:acme={BOARDS / 'lever-acme.json'}",
        "--connection-defaults",
        str(BOARDS / "acme-defaults.json"),
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "connection greenhouse-acme: 3 job(s) on the board, 3 sent, 0 closed" in ran.stdout
    assert "connection lever-acme: 2 job(s) on the board, 2 sent, 0 closed" in ran.stdout
    state = json.loads((out / "state.json").read_text("utf-8"))
    assert {posting["channels"]["indeed"]["state"] for posting in state.values()} == {"published"}
    assert len(state) == 5
    assert "greenhouse-4012003" in (out / "indeed" / "feed.xml").read_text("utf-8")


def test_run_refuses_a_board_file_that_is_no_board_answer(tmp_path: Path) -> None:
    board = tmp_path / "not-a-board.json"
    board.write_text('{"jobs": "nope"}', "utf-8")
    ran = cli("run", "--out", str(tmp_path / "out"), "--connection", f"greenhouse:acme={board}")
    assert ran.returncode == 2 and "not a greenhouse board answer" in ran.stderr


def test_run_needs_files_or_a_connection(tmp_path: Path) -> None:
    ran = cli("run", "--out", str(tmp_path / "out"))
    assert ran.returncode == 2 and "give posting files, a --connection, or both" in ran.stderr


def test_pull_then_validate_as_a_user_would(tmp_path: Path) -> None:
    with FakeAtsBoards() as boards:
        boards.greenhouse["acme"] = json.loads((BOARDS / "greenhouse-acme.json").read_text("utf-8"))["jobs"]
        pulled = cli(
            "pull",
            "greenhouse",
            "acme",
            "--api-url",
            boards.greenhouse_url,
            "--defaults",
            str(BOARDS / "acme-defaults.json"),
        )
    assert pulled.returncode == 0, pulled.stderr
    postings = tmp_path / "acme.jsonl"
    postings.write_text(pulled.stdout, "utf-8")
    checked = cli("validate", str(postings))
    assert checked.returncode == 0, checked.stdout
    assert "3 postings: 3 valid, 0 invalid" in checked.stdout
