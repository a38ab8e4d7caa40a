"""An upload's receipt is assembled from its ranges' receipts holding one part at a time."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from syndicate.pipeline.receipt import assembled


class Part(dict[str, Any]):
    """A loaded range receipt that can be watched with a weak reference."""


class PostingList(list[Any]):
    """A range's postings that can be watched with a weak reference."""


def watched_parts(count: int) -> tuple[list[Callable[[], Mapping[str, Any]]], list[int]]:
    """`count` range receipts; each load records how many earlier parts were still alive then."""
    alive_at_load: list[int] = []
    refs: list[weakref.ref[Any]] = []

    def loader(number: int) -> Callable[[], Mapping[str, Any]]:
        def load() -> Mapping[str, Any]:
            gc.collect()
            alive_at_load.append(sum(ref() is not None for ref in refs))
            postings = PostingList([{"id": f"job-{number}-{n}"} for n in range(3)])
            part = Part(
                source="s3://bucket/upload.jsonl",
                version_id="v1",
                received_at="2026-11-27T00:00:00Z",
                summary={"accepted": 3},
                postings=postings,
            )
            refs.extend((weakref.ref(part), weakref.ref(postings)))
            return part

        return load

    return [loader(number) for number in range(count)], alive_at_load


def test_totals_and_postings_of_every_part_in_order() -> None:
    parts, _ = watched_parts(3)
    receipt = assembled(parts)
    assert receipt["source"] == "s3://bucket/upload.jsonl"
    assert receipt["summary"]["accepted"] == 9
    assert receipt["ranges"] == 3
    ids = [posting["id"] for posting in receipt["postings"]]
    assert ids[:4] == ["job-0-0", "job-0-1", "job-0-2", "job-1-0"]
    assert len(ids) == 9


def test_no_part_is_held_while_the_next_one_loads() -> None:
    parts, alive_at_load = watched_parts(4)
    receipt = assembled(parts)
    for _ in receipt["postings"]:
        pass
    # Two passes of four loads: the totals, then the postings; never an earlier part alive.
    assert alive_at_load == [0] * 8
