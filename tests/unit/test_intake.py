"""Reading intake files: every shape the contract allows, and every way a file can be broken."""

from __future__ import annotations

import io
import json

from syndicate.core.intake import FileProblem, RawPosting, read_postings


def read(body: bytes, name: str) -> list[RawPosting | FileProblem]:
    return list(read_postings(io.BytesIO(body), name))


def test_json_object_array_and_envelope() -> None:
    one = {"id": "A"}
    assert [i.data for i in read(json.dumps(one).encode(), "a.json")] == [one]  # type: ignore[union-attr]
    items = read(json.dumps([one, {"id": "B"}]).encode(), "a.json")
    assert [(i.index, i.data["id"]) for i in items] == [(0, "A"), (1, "B")]  # type: ignore[union-attr]
    items = read(json.dumps({"postings": [one]}).encode(), "a.JSON")
    assert [i.data for i in items] == [one]  # type: ignore[union-attr]


def test_byte_order_mark_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + b'{"id": "A"}', "a.json")[0].data == {"id": "A"}  # type: ignore[union-attr]
    assert read(b"\xef\xbb\xbf" + b'{"id": "A"}\n', "a.jsonl")[0].data == {"id": "A"}  # type: ignore[union-attr]


def test_json_lines_index_is_the_line_number_and_bad_lines_stay_alone() -> None:
    items = read(b'{"id": "A"}\n\nnot json\n{"id": "B"}\n\xff\n', "a.ndjson")
    assert [i.index for i in items] == [0, 2, 3, 4]  # type: ignore[union-attr]
    good = [i for i in items if isinstance(i, RawPosting) and not i.problems]
    assert [i.data["id"] for i in good] == ["A", "B"]
    bad = [i for i in items if isinstance(i, RawPosting) and i.problems]
    assert bad[0].problems[0].code == "json" and "line 3" in bad[0].problems[0].message
    assert "UTF-8" in bad[1].problems[0].message


def test_broken_files_get_one_reason() -> None:
    cases = {
        (b"", "a.json"): "empty",
        (b"   \n", "a.jsonl"): "empty",
        (b"[]", "a.json"): "no postings",
        (b"\xff\xfe{", "a.json"): "UTF-8",
        (b"{oops", "a.json"): "not valid JSON",
        (b"[" * 100_000 + b"]" * 100_000, "a.json"): "nested too deep",
        (b'{"postings": 3}', "a.json"): "must be a list",
        (b"id,title", "a.xlsx"): "unsupported file type",
    }
    for (body, name), reason in cases.items():
        (item,) = read(body, name)
        assert isinstance(item, FileProblem), name
        assert reason in item.message


def test_json_lines_are_streamed() -> None:
    def lines():  # type: ignore[no-untyped-def]
        for n in range(3):
            yield b'{"id": "%d"}\n' % n
        raise AssertionError("read past what was asked for")

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self._lines = lines()

        def readline(self, size: int | None = -1) -> bytes:
            return next(self._lines)

    items = read_postings(Stream(), "big.jsonl")  # type: ignore[arg-type]
    assert [next(items).data for _ in range(3)] == [{"id": "0"}, {"id": "1"}, {"id": "2"}]  # type: ignore[union-attr]
