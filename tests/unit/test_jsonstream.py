"""Streamed JSON output: what `json.dumps(..., indent=2, ensure_ascii=False)` writes, item by item."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core.jsonstream import iter_indented_items

# Floats whose shortest form has no exponent: the one place orjson spells a number otherwise.
_FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(lambda number: "e" not in repr(number))
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: those items go through the standard library's encoder
    | _FLOATS
    | st.text(st.characters(exclude_categories=["Cs"]))
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_VALUES, max_size=5))
def test_an_array_is_written_as_the_standard_library_writes_it(items: list[Any]) -> None:
    at_top = b"".join(iter_indented_items(iter(items)))
    assert at_top == json.dumps(items, indent=2, ensure_ascii=False).encode("utf-8")
    in_object = b'{\n  "elements": ' + b"".join(iter_indented_items(iter(items), 1)) + b"\n}"
    assert in_object == json.dumps({"elements": items}, indent=2, ensure_ascii=False).encode("utf-8")
