"""`syndicate run` says when anything ended in a dead-letter queue, and exits 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from infra.fakes import local
from infra.fakes.linkedin import Fault, FaultPlan

from syndicate.cli.main import main
from tests.factories import raw_posting


def test_syndicate_run_exits_1_and_names_the_dead_letter_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """LinkedIn refuses every call: the jobs end in the LinkedIn DLQ, and `run` says so."""

    running = local.LocalChannelApis.running.__func__  # type: ignore[attr-defined]

    def refusing(cls: Any, **options: Any) -> Any:
        plan = FaultPlan(share=1.0, kinds=(Fault.SERVER_ERROR,))
        return running(cls, **options, linkedin_faults=plan)

    monkeypatch.setattr(local.LocalChannelApis, "running", classmethod(refusing))
    monkeypatch.setenv("HTTP_RETRIES", "0")
    path = tmp_path / "one.jsonl"
    path.write_bytes(json.dumps(raw_posting(id="DLQ-1")).encode() + b"\n")
    assert main(["run", "--out", str(tmp_path / "out"), "--google-indexing", "disabled", str(path)]) == 1
    out = capfd.readouterr().out
    assert "dead-letter queue LinkedInDeadLetterQueue: 1 message(s)" in out
