"""Reading the boards over real HTTP: the fake Greenhouse and Lever APIs, their failures, `syndicate pull`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from infra.fakes.ats import FakeAtsBoards, Fault

from syndicate.adapters.ats_boards import BoardReader, BoardSettings, BoardUnreadable
from syndicate.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ROOT / "infra" / "fakes" / "boards"
FAST = BoardSettings(connect_timeout=2, read_timeout=0.5, retries=2, backoff_factor=0.01)


@pytest.fixture
def boards() -> Iterator[FakeAtsBoards]:
    with FakeAtsBoards(slow_seconds=1.5) as fake:
        fake.greenhouse["acme"] = json.loads((BOARDS / "greenhouse-acme.json").read_text("utf-8"))["jobs"]
        fake.lever["acme"] = json.loads((BOARDS / "lever-acme.json").read_text("utf-8"))
        yield fake


def test_greenhouse_board_with_content(boards: FakeAtsBoards) -> None:
    jobs = BoardReader(FAST).greenhouse_jobs("acme", boards.greenhouse_url)
    assert [job["id"] for job in jobs] == [4012001, 4012002, 4012003]
    assert all("content" in job and "offices" in job for job in jobs)  # asked with content=true


def test_lever_site_in_json_mode(boards: FakeAtsBoards) -> None:
    postings = BoardReader(FAST).lever_postings("acme", boards.lever_url)
    assert [posting["text"] for posting in postings] == ["Product Designer", "Support Engineer (Part-time)"]


@pytest.mark.parametrize("ats", ["greenhouse", "lever"])
def test_unknown_board_is_a_404_naming_the_board(boards: FakeAtsBoards, ats: str) -> None:
    with pytest.raises(BoardUnreadable, match=r"'nobody' not found \(404 at "):
        BoardReader(FAST).jobs(ats, "nobody", boards.api_url(ats))


def test_a_server_error_is_retried(boards: FakeAtsBoards) -> None:
    boards.fail("greenhouse", "acme", Fault.SERVER_ERROR, times=2)
    assert len(BoardReader(FAST).greenhouse_jobs("acme", boards.greenhouse_url)) == 3
    assert boards.requests["greenhouse:acme"] == 3


def test_a_server_error_that_outlasts_the_retries(boards: FakeAtsBoards) -> None:
    boards.fail("lever", "acme", Fault.SERVER_ERROR, times=None)
    with pytest.raises(BoardUnreadable, match=r"Lever site 'acme': answered HTTP 503, still after 2 retries"):
        BoardReader(FAST).lever_postings("acme", boards.lever_url)
    assert boards.requests["lever:acme"] == 3


def test_a_slow_board_times_out(boards: FakeAtsBoards) -> None:
    boards.fail("greenhouse", "acme", Fault.SLOW, times=None)
    with pytest.raises(BoardUnreadable, match=r"no answer within 0.5 s"):
        BoardReader(BoardSettings(read_timeout=0.5, retries=0)).greenhouse_jobs("acme", boards.greenhouse_url)


def test_malformed_json(boards: FakeAtsBoards) -> None:
    boards.fail("greenhouse", "acme", Fault.MALFORMED)
    with pytest.raises(BoardUnreadable, match=r"the answer is not valid JSON"):
        BoardReader(FAST).greenhouse_jobs("acme", boards.greenhouse_url)


def test_a_fault_ends_after_its_count(boards: FakeAtsBoards) -> None:
    boards.fail("greenhouse", "acme", Fault.NOT_FOUND, times=1)
    with pytest.raises(BoardUnreadable):
        BoardReader(FAST).greenhouse_jobs("acme", boards.greenhouse_url)
    assert BoardReader(FAST).greenhouse_jobs("acme", boards.greenhouse_url)


def test_lever_without_json_mode_answers_html(boards: FakeAtsBoards) -> None:
    import requests

    answer = requests.get(f"{boards.lever_url}/acme", timeout=5)
    assert answer.headers["Content-Type"] == "text/html" and answer.text.startswith("<div class='lever'>")


def test_a_board_that_is_not_the_documented_shape(boards: FakeAtsBoards) -> None:
    boards.greenhouse["odd"] = "not jobs"  # type: ignore[assignment]
    with pytest.raises(BoardUnreadable, match="the answer has no list of jobs"):
        BoardReader(FAST).greenhouse_jobs("odd", boards.greenhouse_url)


# --- syndicate pull ------------------------------------------------------------------------------------


def pull(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["pull", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("ats", ["greenhouse", "lever"])
def test_pull_prints_postings_that_validate(
    boards: FakeAtsBoards, capsys: pytest.CaptureFixture[str], tmp_path: Path, ats: str
) -> None:
    code, out, err = pull(
        capsys,
        ats,
        "acme",
        "--api-url",
        boards.api_url(ats),
        "--defaults",
        str(BOARDS / "acme-defaults.json"),
    )
    assert code == 0 and err == ""
    postings: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines()]
    assert all(posting["id"].startswith(f"{ats}-") for posting in postings)
    assert all(posting["contact_email"] == "recruiting@acme.example.org" for posting in postings)
    pulled = tmp_path / "pulled.jsonl"
    pulled.write_text(out, "utf-8")
    assert main(["validate", str(pulled)]) == 0


def test_pull_notes_what_a_posting_lacks_on_stderr(
    boards: FakeAtsBoards, capsys: pytest.CaptureFixture[str]
) -> None:
    boards.greenhouse["vague"] = [{"id": 7, "title": "Somewhere", "location": {"name": "Bay Area"}}]
    code, out, err = pull(capsys, "greenhouse", "vague", "--api-url", boards.greenhouse_url)
    assert code == 0 and json.loads(out)["id"] == "greenhouse-7"
    assert err == "syndicate pull: greenhouse-7: location 'Bay Area': 'Bay Area' names no country; left out\n"


def test_pull_of_an_unreadable_board_is_one_line_and_exit_1(
    boards: FakeAtsBoards, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = pull(capsys, "lever", "nobody", "--api-url", boards.lever_url)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("syndicate pull: Lever site 'nobody' not found (404")


def test_pull_with_bad_defaults_is_a_usage_error(
    boards: FakeAtsBoards, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    defaults = tmp_path / "defaults.json"
    defaults.write_text('{"id": "x"}', "utf-8")
    code, out, err = pull(capsys, "lever", "acme", "--api-url", boards.lever_url, "--defaults", str(defaults))
    assert code == 2 and out == ""
    assert "may not set id" in err
