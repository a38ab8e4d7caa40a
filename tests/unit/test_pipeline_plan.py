"""Channel decisions and message shapes: pure pipeline logic."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from syndicate.core.assess import assess
from syndicate.core.intake import RawPosting
from syndicate.core.messages import ChannelMessage, content_hash, hash_of_record, same_content
from syndicate.core.plan import PENDING, PUBLISHED, SKIPPED, plan_channels
from syndicate.pipeline.receipt import Receipt
from tests.factories import NOW, raw_posting


def decide(raw: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, tuple[str | None, str]]:
    result = assess(RawPosting("t.json", 0, raw), NOW)
    plan = plan_channels(result, content_hash(raw), previous, NOW)
    return {step.channel: (step.action, step.state) for step in plan.channels}


def published(raw: dict[str, Any], *channels: str) -> dict[str, Any]:
    return {
        "channels": {c: {"state": PUBLISHED, "hash": content_hash(raw), "action": "upsert"} for c in channels}
    }


def test_new_open_posting_goes_everywhere_it_is_ready() -> None:
    assert decide(raw_posting()) == {c: ("upsert", PENDING) for c in ("linkedin", "indeed", "schemaorg")}


def test_not_ready_channel_is_skipped() -> None:
    decisions = decide(raw_posting(contact_email=...))
    assert decisions["linkedin"] == (None, SKIPPED) and decisions["indeed"] == (None, SKIPPED)
    assert decisions["schemaorg"] == ("upsert", PENDING)


def test_unchanged_content_sends_nothing() -> None:
    raw = raw_posting()
    assert {a for a, _ in decide(raw, published(raw, "linkedin", "indeed", "schemaorg")).values()} == {None}


def test_changed_content_is_sent_again() -> None:
    old = raw_posting()
    assert decide(raw_posting(title="Head Cook"), published(old, "indeed"))["indeed"] == ("upsert", PENDING)


def test_closed_posting_is_removed_only_where_it_was() -> None:
    old = raw_posting()
    decisions = decide(raw_posting(status="closed"), published(old, "indeed", "schemaorg"))
    assert decisions["indeed"] == ("remove", PENDING) and decisions["schemaorg"] == ("remove", PENDING)
    assert decisions["linkedin"] == (None, SKIPPED)


def test_expired_posting_is_taken_down() -> None:
    old = raw_posting()
    expired = raw_posting(date_posted="2026-10-01", valid_through="2026-11-01")
    assert decide(expired, published(old, "schemaorg"))["schemaorg"] == ("remove", PENDING)


def test_posting_no_longer_ready_is_removed_from_that_channel() -> None:
    old = raw_posting()
    assert decide(raw_posting(contact_email=...), published(old, "indeed"))["indeed"] == ("remove", PENDING)


def test_content_hash_ignores_key_order() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_content_hash_is_128_bits_and_a_full_length_one_stored_before_still_matches() -> None:
    fresh = content_hash({"a": 1})
    full = hashlib.sha256(b'{"a":1}').hexdigest()  # what the release before stored
    assert len(fresh) == 32 and full.startswith(fresh)
    assert same_content(full, fresh) and same_content(fresh, fresh)
    assert not same_content(None, fresh) and not same_content("", fresh)
    assert not same_content(hashlib.sha256(b'{"a":2}').hexdigest(), fresh)
    # The stored hash is kept while the content is the same (messages queued with it stay current).
    assert hash_of_record(full, fresh) == full
    assert hash_of_record(content_hash({"a": 2}), fresh) == fresh
    assert hash_of_record(None, fresh) == fresh


def test_message_round_trip() -> None:
    message = ChannelMessage("J-1", "indeed", "upsert", "h", "o", "incoming/x.json", payload=[{"title": "T"}])
    assert ChannelMessage.from_json(message.to_json()) == message


def test_receipt_streams_entries_into_one_json_document() -> None:
    with Receipt("incoming/a.jsonl", NOW) as receipt:
        for index in range(3):
            receipt.posting(
                assess(RawPosting("a.jsonl", index, raw_posting(id=f"J-{index}")), NOW), "accepted"
            )
        receipt.file_problem("something odd")
        out = io.BytesIO()
        receipt.write_to(out)
    document = json.loads(out.getvalue())
    assert [p["id"] for p in document["postings"]] == ["J-0", "J-1", "J-2"]
    assert document["summary"]["accepted"] == 3 and document["file_errors"] == ["something odd"]


def test_empty_receipt_is_valid_json() -> None:
    with Receipt("incoming/a.json", NOW) as receipt:
        out = io.BytesIO()
        receipt.write_to(out)
    assert json.loads(out.getvalue())["postings"] == []


def test_unchanged_channel_keeps_its_recorded_action_so_it_stays_live() -> None:
    raw = raw_posting()
    result = assess(RawPosting("t.json", 0, raw), NOW)
    plan = plan_channels(result, content_hash(raw), published(raw, "indeed"), NOW)
    indeed = next(step for step in plan.channels if step.channel == "indeed")
    assert (indeed.action, indeed.recorded_action, indeed.state) == (None, "upsert", PUBLISHED)
