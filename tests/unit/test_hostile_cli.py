"""`validate` and `transform` on hostile files: a clear error per posting, never a traceback, and
`transform` prints a complete document or nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from syndicate.cli.main import main
from syndicate.core.channels import indeed
from tests.factories import raw_posting

NOW = ["--now", "2026-11-26T12:00:00+00:00"]


def hostile_file(tmp_path: Path) -> str:
    def line(posting_id: str, field: str, literal: str) -> str:
        text = json.dumps(raw_posting(id=posting_id, **{field: "PLACEHOLDER"}))
        return text.replace('"PLACEHOLDER"', literal)

    lines = [
        json.dumps(raw_posting(id="FINE-1")),
        line("BIG", "salary", '{"currency": "USD", "unit": "YEAR", "min": 1e28}'),
        line("INF", "salary", '{"currency": "USD", "unit": "YEAR", "value": 1e400}'),
        line("SURROGATE", "title", '"\\ud800"'),
        line("DIGITS", "experience_months", "9" * 5000),
        json.dumps(raw_posting(id="FINE-2")),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_validate_reports_each_hostile_posting_and_no_traceback(tmp_path: Path) -> None:
    path = hostile_file(tmp_path)
    ran = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", *NOW, "validate", "--json", path],
        capture_output=True,
        check=False,
    )
    assert ran.returncode == 1
    assert b"Traceback" not in ran.stderr + ran.stdout
    reports = json.loads(ran.stdout)
    codes = {r["id"] or r["index"]: [e["code"] for e in r["errors"]] for r in reports}
    assert codes == {
        "FINE-1": [],
        "BIG": ["maximum"],
        "INF": ["number"],
        "SURROGATE": ["unicode"],
        "DIGITS": ["number"],
        "FINE-2": [],
    }


@pytest.mark.parametrize("channel", ["linkedin", "indeed", "schemaorg"])
def test_transform_prints_the_valid_postings_as_a_complete_document(
    tmp_path: Path, channel: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main([*NOW, "transform", "--channel", channel, hostile_file(tmp_path)]) == 1
    out = capsysbinary.readouterr().out
    if channel == "indeed":
        ids = {job.findtext("requisitionid") for job in ET.fromstring(out).iter("job")}
    elif channel == "linkedin":
        ids = {element["externalJobPostingId"] for element in json.loads(out)["elements"]}
    else:
        ids = {item["identifier"]["value"] for item in json.loads(out)}
    assert ids == {"FINE-1", "FINE-2"}


def test_transform_prints_nothing_when_the_document_cannot_be_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    real = indeed.write_feed

    def breaks_halfway(jobs: Any, out: Any, **options: Any) -> int:
        def then_fail() -> Any:
            yield from jobs
            raise MemoryError("out of memory")

        return real(then_fail(), out, **options)

    monkeypatch.setattr(indeed, "write_feed", breaks_halfway)
    assert main([*NOW, "transform", "--channel", "indeed", hostile_file(tmp_path)]) == 1
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    assert b"nothing written" in captured.err


def test_a_posting_no_renderer_can_take_is_left_out_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    real = indeed.render_jobs

    def failing(posting: Any) -> Any:
        if posting.id == "FINE-2":
            raise ArithmeticError("a renderer bug")
        return real(posting)

    monkeypatch.setattr(indeed, "render_jobs", failing)
    assert main([*NOW, "transform", "--channel", "indeed", hostile_file(tmp_path)]) == 1
    captured = capsysbinary.readouterr()
    assert {job.findtext("requisitionid") for job in ET.fromstring(captured.out).iter("job")} == {"FINE-1"}
    assert b"FINE-2: cannot be rendered for indeed" in captured.err and b"[internal]" in captured.err
