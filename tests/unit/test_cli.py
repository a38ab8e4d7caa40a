"""`syndicate validate` and `syndicate transform`, exactly as the command line promises."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

from syndicate.cli.main import COMMAND_HELP, asked_command, build_parser, main
from tests.factories import raw_posting

NOW = ["--now", "2026-11-26T12:00:00+00:00"]
EXAMPLES = Path(__file__).parents[2] / "examples"


def write(path: Path, content: str | bytes) -> str:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


def test_validate_json_report_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = raw_posting()
    bad = raw_posting(id="B-2", salary={"currency": "USD", "unit": "YEAR", "min": 9, "max": 1})
    lines = json.dumps(good) + "\n\n" + json.dumps(bad) + "\n"
    path = write(tmp_path / "two.jsonl", lines)
    assert main([*NOW, "validate", "--json", path]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [(r["index"], r["id"], r["valid"]) for r in reports] == [(0, "JOB-1", True), (2, "B-2", False)]
    assert set(reports[0]) == {"source", "index", "id", "valid", "errors", "channels"}
    assert reports[0]["channels"]["indeed"] == {"ready": True, "problems": []}
    assert reports[1]["errors"] == [
        {
            "pointer": "/salary/max",
            "code": "salary_range",
            "message": "salary.max (1) must not be below salary.min (9).",
        }
    ]


def test_validate_all_good_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([*NOW, "validate", str(EXAMPLES / "postings.json"), str(EXAMPLES / "more-postings.jsonl")]) == 0
    )
    assert "7 postings: 7 valid, 0 invalid" in capsys.readouterr().out


def test_readiness_problems_are_reported_but_do_not_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "a.json", json.dumps(raw_posting(contact_email=...)))
    assert main([*NOW, "validate", path]) == 0
    out = capsys.readouterr().out
    assert "ready for schemaorg" in out and "linkedin skipped: /contact_email" in out


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.json", b"", "empty"),
        ("bom-only.jsonl", b"\xef\xbb\xbf", "empty"),
        ("latin1.json", '{"id": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
        ("broken.json", b'{"id": ', "not valid JSON"),
        ("deep.json", b"[" * 50_000 + b"]" * 50_000, "nested too deep"),
        ("notes.txt", b"hello", "unsupported file type"),
    ],
)
def test_broken_files_get_one_line_and_the_rest_is_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, reason: str
) -> None:
    broken = write(tmp_path / name, content)
    good = write(tmp_path / "good.json", json.dumps(raw_posting()))
    assert main([*NOW, "validate", broken, good]) == 1
    out = capsys.readouterr().out
    assert f"{broken}: cannot read as postings:" in out and reason in out
    assert "JOB-1): valid" in out


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NOW, "validate", "/nonexistent/postings.json"]) == 1
    assert "cannot open" in capsys.readouterr().out


def test_wrong_usage_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["validate"], ["transform", "--channel", "myspace", "x.json"], ["frobnicate"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2


def test_transform_each_channel(tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(
        tmp_path / "mixed.jsonl",
        "\n".join(
            [
                json.dumps(raw_posting(id="A-1")),
                json.dumps(raw_posting(id="A-2", status="closed")),
                json.dumps(raw_posting(id="A-3", contact_email=...)),
                "not json",
            ]
        ),
    )
    assert main([*NOW, "transform", "--channel", "linkedin", path]) == 1
    captured = capfdbinary.readouterr()
    elements = json.loads(captured.out)["elements"]
    assert [(e["externalJobPostingId"], e["jobPostingOperationType"]) for e in elements] == [
        ("A-1", "CREATE"),
        ("A-2", "CLOSE"),
    ]
    err = captured.err.decode()
    assert "A-3): not ready for linkedin" in err and "#3: invalid" in err

    assert main([*NOW, "transform", "--channel", "indeed", path]) == 1
    feed = ET.fromstring(capfdbinary.readouterr().out)
    assert [job.findtext("requisitionid") for job in feed.iter("job")] == ["A-1"]

    assert main([*NOW, "transform", "--channel", "schemaorg", path]) == 1
    documents = json.loads(capfdbinary.readouterr().out)
    assert [d["identifier"]["value"] for d in documents] == ["A-1", "A-3"]


def test_no_traceback_from_the_console_script(tmp_path: Path) -> None:
    path = write(tmp_path / "weird.json", json.dumps([None, 3, "x", [], {"id": {"nested": True}}]))
    result = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "validate", "--json", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [report["valid"] for report in json.loads(result.stdout)] == [False] * 5


# --- the command line as people use it ---------------------------------------------------------


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"syndicate {version('syndicate')}\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("postings.json", "5 postings: 5 valid"),  # a JSON array
        ("more-postings.jsonl", "2 postings: 2 valid"),  # one posting a line
        ("postings.csv", "4 postings: 4 valid"),
        ("posting.md", "1 postings: 1 valid"),  # front matter
    ],
)
def test_validate_reads_standard_input_in_any_format(
    name: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, (EXAMPLES / name).read_bytes())
    assert main([*NOW, "validate", "-"]) == 0
    out = capsys.readouterr().out
    assert expected in out and out.startswith("<stdin> #")


def test_a_pretty_printed_object_and_the_postings_wrapper_on_standard_input_are_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, json.dumps(raw_posting(), indent=2).encode())
    assert main([*NOW, "validate", "-"]) == 0
    feed_stdin(monkeypatch, b"\n" + json.dumps({"postings": [raw_posting(), raw_posting(id="J-2")]}).encode())
    assert main([*NOW, "validate", "-"]) == 0
    assert "2 postings: 2 valid" in capsys.readouterr().out.splitlines()[-1]


def test_format_says_what_standard_input_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, json.dumps(raw_posting()).encode())
    assert main([*NOW, "validate", "--format", "json", "-"]) == 0
    feed_stdin(monkeypatch, b"")
    assert main([*NOW, "validate", "-"]) == 1
    assert "<stdin>: cannot read as postings: standard input is empty" in capsys.readouterr().out


def test_transform_reads_standard_input_through_a_real_pipe(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", *NOW, "transform", "--channel", "indeed", "-"],
        input=(EXAMPLES / "more-postings.jsonl").read_bytes(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    feed = ET.fromstring(result.stdout)
    assert [job.findtext("requisitionid") for job in feed.iter("job")] == ["DATA-ANL-41", "INT-DESIGN-3"]


def test_a_folder_stands_for_its_posting_files_sorted_and_recursively(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "b.json", json.dumps(raw_posting(id="B")))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.jsonl", json.dumps(raw_posting(id="SUB-A")) + "\n")
    write(tmp_path / "a.md", "---\nid: A\n---\nbody\n")  # invalid: only an id
    write(tmp_path / "notes.txt", "not a posting file: ignored")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden" / "x.json", "{}")  # hidden folders are skipped
    assert main([*NOW, "validate", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    named = [line.split(": ")[0] for line in lines if line.startswith(str(tmp_path))]
    expected = ("a.md #0 (A)", "b.json #0 (B)", "sub/a.jsonl #0 (SUB-A)")
    assert named == [f"{tmp_path}/{name}" for name in expected]
    assert lines[-1] == "3 postings: 2 valid, 1 invalid"


def test_the_examples_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """What the demo shows: every example, the deliberately broken ones in examples/broken/ too."""
    assert main([*NOW, "validate", str(EXAMPLES)]) == 1
    out = capsys.readouterr().out
    assert "broken/not-utf8.json: cannot read as postings" in out
    assert out.splitlines()[-1] == "16 postings: 13 valid, 3 invalid; 1 file(s) could not be read"


def test_a_folder_without_posting_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NOW, "validate", str(tmp_path)]) == 1
    assert f"{tmp_path}: cannot read as postings: a folder without posting files" in capsys.readouterr().out


def test_status_says_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "state.json", "{}")
    assert main(["status", "NOPE", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"no posting 'NOPE' in {tmp_path / 'state.json'}" in err
    assert main(["status", "NOPE", "--out", str(tmp_path / "missing")]) == 1
    assert f"{tmp_path / 'missing' / 'state.json'} does not exist" in capsys.readouterr().err


def test_the_run_progress_bar_shows_messages_done_of_all_so_far_and_only_when_asked() -> None:
    from infra.runtime import DrainProgress

    from syndicate.cli.run import progress_bar

    shown, hidden = io.StringIO(), io.StringIO()
    for stream, show in ((shown, True), (hidden, False)):
        with progress_bar(stream, "big.jsonl", show=show) as advance:
            advance(DrainProgress(settled=3, waiting=7))
            advance(DrainProgress(settled=12, waiting=0))
    assert "big.jsonl" in shown.getvalue() and "3/10" in shown.getvalue() and "12/12" in shown.getvalue()
    assert hidden.getvalue() == ""


@pytest.mark.parametrize("command", list(COMMAND_HELP))
def test_a_command_defined_alone_parses_as_in_the_whole_command_line(command: str) -> None:
    # Start-up defines only the asked command's arguments; its help must be the same as when all are.
    def command_help(parser: argparse.ArgumentParser) -> str:
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return str(subparsers.choices[command].format_help())

    assert asked_command([*NOW, command, "--json"]) == command
    assert command_help(build_parser(command)) == command_help(build_parser())
    assert build_parser(command).format_help() == build_parser().format_help()
