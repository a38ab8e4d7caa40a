"""`syndicate validate` and `syndicate transform`, exactly as the command line promises."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from syndicate.cli.main import main
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
