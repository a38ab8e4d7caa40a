"""The preview in a real browser: headless Chromium (Debian's `chromium` package) renders the index
at a phone's size, and its DOM and screenshot show the postings and their readiness.

CI (.ci/run) installs Chromium before `make test`; without it locally the test is skipped and says
how to install it.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from syndicate.cli.main import main
from tests.factories import NOW

EXAMPLES = Path(__file__).parents[2] / "examples"
PHONE = (390, 900)
CHROMIUM = shutil.which("chromium")

# Locally a missing browser skips with the fix; in CI (.ci/run installs it) it must be there.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium not found: apt-get install chromium (CI installs it)",
)


def chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )  # fmt: skip


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, pixels) of an 8-bit RGB or RGBA PNG, decoded with zlib and struct only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in {2, 6}, f"unexpected PNG format: depth {depth}, color type {color}"
    size = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    previous = bytearray(stride)
    pixels: list[bytes] = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, size)
        pixels += [bytes(line[x : x + size]) for x in range(0, stride, size)]
        previous = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, previous: bytearray, size: int) -> None:
    if kind == 1:
        for i in range(size, len(line)):
            line[i] = (line[i] + line[i - size]) & 0xFF
    elif kind == 2:
        for i in range(len(line)):
            line[i] = (line[i] + previous[i]) & 0xFF
    elif kind == 3:
        for i in range(len(line)):
            left = line[i - size] if i >= size else 0
            line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
    elif kind == 4:
        for i in range(len(line)):
            a = line[i - size] if i >= size else 0
            b = previous[i]
            c = previous[i - size] if i >= size else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("preview")
    paths = ["postings.json", "postings.csv", "posting.md", "broken/mixed.jsonl"]
    code = main(["--now", NOW.isoformat(), "preview", "--out", str(out), *(str(EXAMPLES / p) for p in paths)])
    assert code == 0
    return out


def test_the_index_renders_every_posting_and_its_readiness(report: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path / "profile", "--dump-dom", (report / "index.html").as_uri()).stdout
    for title in (
        "Registered Nurse, Intensive Care (Nights)",
        "Pharmacy Technician",
        "Senior UX Researcher",
        "Data Engineer (Streaming)",
        "Barista",
    ):
        assert f">{title}</a>" in dom, title
    assert dom.count('class="card posting"') == 5 + 4 + 1 + 4
    assert "LinkedIn: not ready" in dom and "Indeed: ready" in dom and "LinkedIn: taken down" in dom
    assert "invalid: " in dom and "Google (schema.org): not checked" in dom


def test_a_posting_page_renders_the_three_channels(report: Path, tmp_path: Path) -> None:
    page = next(report.glob("posting-*-PHARM-TECH-19.html"))
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert "<h1>Pharmacy Technician</h1>" in dom
    for section in ('id="linkedin"', 'id="indeed"', 'id="schemaorg"', "<iframe"):
        assert section in dom
    assert "&lt;city&gt;&lt;![CDATA[Bellevue]]&gt;&lt;/city&gt;" in dom


def test_the_phone_screenshot_is_a_real_page(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "index.png"
    size = f"--window-size={PHONE[0]},{PHONE[1]}"
    chromium(tmp_path / "profile", f"--screenshot={shot}", size, (report / "index.html").as_uri())
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == PHONE
    colours = Counter(pixels)
    assert len(colours) > 50, "the screenshot is nearly blank"
    assert colours.most_common(1)[0][1] < 0.9 * len(pixels), "one colour covers the page"
    # The header bar (#1f2937) is drawn across the top, all the way but for a scrollbar.
    top_row = pixels[5 * width : 6 * width]
    assert top_row[0][:3] == bytes([0x1F, 0x29, 0x37])
    assert sum(1 for pixel in top_row if pixel[:3] == top_row[0][:3]) >= 0.9 * width
