"""Encode a JSON array whose items arrive one at a time, with the standard library's encoder.

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
