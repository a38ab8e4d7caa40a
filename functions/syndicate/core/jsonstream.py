"""Encode a JSON array whose items arrive one at a time, with the standard library's encoder,
or item by item with orjson where indented output must be fast (`iter_indented_items`).

`json.JSONEncoder.iterencode` (not the one-shot C encoder) walks a list with `for item in lst`
after checking that it is non-empty, so a list subclass that yields its items lazily is encoded
item by item. This keeps reports of any length out of memory without hand-building JSON.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any


class StreamedArray(list[Any]):
    """A list as far as `json` is concerned; its items come from `items`, once, in order."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__()
        self._items = iter(items)
        self._head = list(itertools.islice(self._items, 1))

    def __iter__(self) -> Iterator[Any]:
        yield from self._head
        yield from self._items

    def __bool__(self) -> bool:
        return bool(self._head)

    def __len__(self) -> int:
        return len(self._head)  # only emptiness is known up front; json never asks for more


def iter_encoded(document: Any, *, indent: int | None = None) -> Iterator[str]:
    encoder = json.JSONEncoder(ensure_ascii=False, indent=indent)
    return encoder.iterencode(document)


# orjson writes what `json.dumps(..., indent=2, ensure_ascii=False)` writes, but in native code
# (the standard library's indenting encoder is pure Python: about 45 µs for one posting's output).
# The pass-through options make it refuse, as `json` does, the types only orjson would encode.
# Imported by the first indented output: the functions that stream receipts never load it.
def _indented(item: Any) -> bytes:
    import orjson  # noqa: PLC0415 - see above

    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    try:
        return orjson.dumps(item, option=options)
    except TypeError:  # an integer beyond 64 bits, a key that is not a string: as `json` does
        return json.dumps(item, ensure_ascii=False, indent=2).encode("utf-8")


def iter_indented_items(items: Iterable[Any], level: int = 0) -> Iterator[bytes]:
    """A JSON array of `items` at nesting `level`, as UTF-8, laid out as `json.dumps(...,
    indent=2, ensure_ascii=False)` lays it out, encoded item by item as the items arrive.

    Every item is encoded whole by orjson; only the array's brackets, commas and each line's
    indentation are added here (a JSON text holds no raw newline but between its tokens). The one
    difference from `json`: a float written in exponent form may be spelled otherwise (orjson
    writes 2.5e-7 and 0.00001 where `json` writes 2.5e-07 and 1e-05), the same number.
    """
    inner = b"\n" + b"  " * (level + 1)
    first = True
    for item in items:
        yield (b"[" if first else b",") + inner + _indented(item).replace(b"\n", inner)
        first = False
    yield b"[]" if first else b"\n" + b"  " * level + b"]"
