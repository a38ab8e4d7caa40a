"""`--out DIR` never deletes what syndicate did not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndicate.cli import outdir
from syndicate.cli.main import main
from tests.factories import raw_posting


def a_clone(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "README.md").write_text("mine\n")
    return root


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_directory_with_someone_elses_files_is_refused_and_kept(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = a_clone(tmp_path / "clone")
    posting = tmp_path / "one.jsonl"
    posting.write_text(json.dumps(raw_posting()) + "\n")
    arguments = [command, "--out", str(clone)] + ([str(posting)] if command == "run" else ["--port", "0"])
    assert main(arguments) == 2
    assert "not an earlier output of syndicate" in capsys.readouterr().err
    assert (clone / ".git" / "HEAD").is_file() and (clone / "README.md").read_text() == "mine\n"


def test_a_new_or_empty_directory_gets_the_marker(tmp_path: Path) -> None:
    for out in (tmp_path / "new" / "out", tmp_path / "empty"):
        if out.name == "empty":
            out.mkdir()
        outdir.prepare(out)
        assert [p.name for p in out.iterdir()] == [outdir.MARKER]


def test_an_earlier_output_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outdir.prepare(out)
    (out / "reports").mkdir()
    (out / "state.json").write_text("{}")
    outdir.prepare(out)
    assert [p.name for p in out.iterdir()] == [outdir.MARKER]


def test_a_file_is_not_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    with pytest.raises(outdir.OutputDirRefused, match="not a directory"):
        outdir.prepare(target)
    assert target.read_text() == "keep"
