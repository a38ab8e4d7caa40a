"""Planning the byte ranges of a big JSON Lines upload (pipeline/ranges.py)."""

from __future__ import annotations

import io
import itertools

from hypothesis import given
from hypothesis import strategies as st

from syndicate.pipeline.ingest import Upload
from syndicate.pipeline.ranges import ByteRange, RangeWork, plan, splits

UPLOAD = Upload("bucket", "incoming/big.jsonl", "2026-11-27T12:00:00.000Z", "00AB", "v1", 5000)


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=60),
    st.integers(min_value=1, max_value=200),
    st.booleans(),
)
def test_ranges_cover_the_file_in_whole_lines_numbered_as_in_the_file(
    lines: list[bytes], range_bytes: int, trailing_newline: bool
) -> None:
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    spans = list(plan(io.BytesIO(data), range_bytes))

    assert spans[0].start == 0 and spans[-1].end == len(data)
    for before, after in itertools.pairwise(spans):
        assert before.end == after.start
        assert data[after.start - 1 : after.start] == b"\n"
    for span in spans:
        assert span.first_line == data[: span.start].count(b"\n")
        lines_to_end = data[: span.end].count(b"\n") + (span.end > 0 and not data[: span.end].endswith(b"\n"))
        assert span.end_line == lines_to_end  # one past its last line, numbered as in the file
    for span in spans[:-1]:  # a range ends at the first line end at or past its size
        assert span.end - span.start >= range_bytes
        last_line_start = data[span.start : span.end - 1].rfind(b"\n") + 1
        assert last_line_start < range_bytes


def test_a_line_longer_than_a_range_is_a_range_of_its_own() -> None:
    data = b"a\n" + b"x" * 50 + b"\nb\n"
    assert list(plan(io.BytesIO(data), 10)) == [ByteRange(0, 53, 0, 2), ByteRange(53, 55, 2, 3)]


def test_an_empty_file_is_one_empty_range() -> None:
    assert list(plan(io.BytesIO(b""), 10)) == [ByteRange(0, 0, 0, 0)]


def test_only_json_lines_larger_than_a_range_split() -> None:
    assert splits(UPLOAD, 4999)
    assert not splits(UPLOAD, 5000)
    assert not splits(Upload("b", "incoming/big.csv", "t", "s", None, 10**9), 1024)
    assert not splits(Upload("b", "incoming/big.jsonl", "t", "s"), 1024)  # size unknown


def test_a_range_message_reads_back_as_it_was_written() -> None:
    work = RangeWork(UPLOAD, 2, 7, "2026-11-27T12:00:01+00:00", ByteRange(100, 200, 9))
    assert RangeWork.from_message(work.to_message()) == work
