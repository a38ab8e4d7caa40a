"""Golden files: what each channel receives for every fixture, byte for byte.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make unit` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syndicate.cli.main import main

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "postings").glob("*.json"))
GOLDEN = Path(__file__).parents[1] / "golden"
SUFFIX = {"linkedin": "linkedin.json", "indeed": "indeed.xml", "schemaorg": "schemaorg.json"}
NOW = "2026-11-26T12:00:00+00:00"


@pytest.mark.parametrize("channel", sorted(SUFFIX))
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.stem)
def test_channel_output_matches_golden(
    fixture: Path, channel: str, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = main(["--now", NOW, "transform", "--channel", channel, str(fixture)])
    output = capfdbinary.readouterr().out
    assert code == 0
    golden = GOLDEN / f"{fixture.stem}.{SUFFIX[channel]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(output)
    assert output == golden.read_bytes(), f"{golden.name} differs; UPDATE_GOLDEN=1 to accept a change"


def test_every_fixture_has_all_three_golden_files() -> None:
    expected = {f"{fixture.stem}.{suffix}" for fixture in FIXTURES for suffix in SUFFIX.values()}
    assert expected == {path.name for path in GOLDEN.iterdir()}
