"""Whatever an upload holds, the ingest writes its receipt with every posting accepted or rejected,
and the valid postings beside hostile ones go on.

The real IngestService on the embedded stack (S3, SQS, DynamoDB from template.yaml on moto): a
property test over files of any JSON values, mutated postings and raw bytes, then the reproducers.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra.runtime import EmbeddedStack

from syndicate.pipeline.ingest import Upload
from syndicate.pipeline.ingest_service import IngestService, report_key
from syndicate.settings import IngestSettings
from tests.factories import raw_posting
from tests.integration.pipeline_helpers import PARAMETERS, TEMPLATE
from tests.strategies_hostile import ARBITRARY_BYTES, POSTING_LIKE, json_line

VALID_OUTCOMES = {"accepted", "unchanged", "superseded", "duplicate"}
_KEYS = itertools.count()


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack.from_template(TEMPLATE, dict(PARAMETERS)) as running:
        yield running


@pytest.fixture(scope="module")
def service(stack: EmbeddedStack) -> Iterator[IngestService]:
    function_settings = IngestSettings.from_environ(stack.environment("IngestFunction"))
    yield IngestService.from_settings(function_settings, stack.s3, stack.sqs, stack.dynamodb)


def upload(stack: EmbeddedStack, body: bytes, suffix: str = ".jsonl") -> Upload:
    bucket = stack.bucket("IntakeBucket").name
    key = f"incoming/hostile-{next(_KEYS)}{suffix}"
    stack.s3.put_object(Bucket=bucket, Key=key, Body=body)
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Upload(bucket, key, now, f"{next(_KEYS):032X}")


def receipt_of(stack: EmbeddedStack, sent: Upload) -> dict[str, Any]:
    body = stack.s3.get_object(Bucket=sent.bucket, Key=report_key(sent.key))["Body"].read()
    receipt: dict[str, Any] = json.loads(body)
    return receipt


def ingest(
    stack: EmbeddedStack, service: IngestService, body: bytes, suffix: str = ".jsonl"
) -> dict[str, Any]:
    """Upload `body`, run the real ingest on it, and return its receipt."""
    sent = upload(stack, body, suffix)
    service.ingest(sent)
    return receipt_of(stack, sent)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(POSTING_LIKE | ARBITRARY_BYTES, min_size=1, max_size=4))
def test_every_line_of_any_upload_ends_accepted_or_rejected_in_the_receipt(
    stack: EmbeddedStack, service: IngestService, items: list[Any]
) -> None:
    body = b"".join(item if isinstance(item, bytes) else json_line(item) for item in items)
    receipt = ingest(stack, service, body)
    lines = [line for line in io.BytesIO(body.removeprefix(b"\xef\xbb\xbf")) if line.strip()]
    entries = receipt["postings"]
    if not lines:
        assert receipt["file_errors"] and not entries
        return
    assert len(entries) == len(lines)
    for entry in entries:
        if entry["valid"]:
            assert entry["outcome"] in VALID_OUTCOMES
        else:
            assert entry["outcome"] == "rejected" and entry["errors"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=ARBITRARY_BYTES, suffix=st.sampled_from([".json", ".csv", ".md"]))
def test_any_bytes_in_any_format_get_a_receipt(
    stack: EmbeddedStack, service: IngestService, body: bytes, suffix: str
) -> None:
    receipt = ingest(stack, service, body, suffix)
    assert receipt["file_errors"] or receipt["postings"]
    assert all(e["outcome"] == "rejected" or e["valid"] for e in receipt["postings"])


def _hostile_line(posting_id: str, field: str, literal: str) -> bytes:
    text = json.dumps(raw_posting(id=posting_id, **{field: "PLACEHOLDER"}))
    return text.replace('"PLACEHOLDER"', literal).encode("utf-8") + b"\n"


HOSTILE_LINES = [
    _hostile_line("BIG-SALARY", "salary", '{"currency": "USD", "unit": "YEAR", "min": 1e28}'),
    _hostile_line("INF-SALARY", "salary", '{"currency": "USD", "unit": "YEAR", "min": 1e400}'),
    _hostile_line("SURROGATE", "title", '"\\ud800"'),
    _hostile_line("LONG-INT", "experience_months", "9" * 5000),
    _hostile_line("TWICE", "title", '"a", "title": "b"'),
]


def test_the_valid_postings_beside_hostile_ones_are_accepted(
    stack: EmbeddedStack, service: IngestService
) -> None:
    valid = [json.dumps(raw_posting(id=f"FINE-{n}")).encode() + b"\n" for n in range(2)]
    receipt = ingest(stack, service, valid[0] + b"".join(HOSTILE_LINES) + valid[1])
    outcomes = {
        e["id"] or e["index"]: (e["outcome"], [x["code"] for x in e["errors"]]) for e in receipt["postings"]
    }
    assert outcomes == {
        "FINE-0": ("accepted", []),
        "BIG-SALARY": ("rejected", ["maximum"]),
        "INF-SALARY": ("rejected", ["number"]),
        "SURROGATE": ("rejected", ["unicode"]),
        "LONG-INT": ("rejected", ["number"]),
        "TWICE": ("rejected", ["duplicate_key"]),
        "FINE-1": ("accepted", []),
    }


def test_a_csv_salary_of_1e28_rejects_only_its_row(stack: EmbeddedStack, service: IngestService) -> None:
    header = (
        "id,title,description,hiring_organization.name,locations.0.country,date_posted,apply_url,"
        "salary.currency,salary.unit,salary.min\n"
    )
    row = "{id},Cook,Cook breakfast for a busy diner.,Diner,US,2026-11-20,https://diner.example.com/j,USD,YEAR,{min}\n"
    body = (
        header
        + row.format(id="C-1", min="50000")
        + row.format(id="C-2", min="1e28")
        + row.format(id="C-3", min="9" * 5000)
    )
    receipt = ingest(stack, service, body.encode(), ".csv")
    verdicts = {e["id"]: [x["code"] for x in e["errors"]] for e in receipt["postings"]}
    assert verdicts == {"C-1": [], "C-2": ["maximum"], "C-3": ["number"]}


def test_a_failure_no_rule_foresaw_rejects_only_its_posting(
    stack: EmbeddedStack, service: IngestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndicate.pipeline import ingest as ingest_module

    real = ingest_module.render_payload

    def failing(posting: Any, *args: Any, **kwargs: Any) -> Any:
        if posting.id == "EXPLODES":
            raise ArithmeticError("a renderer bug")
        return real(posting, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "render_payload", failing)
    lines = [json.dumps(raw_posting(id=i)).encode() + b"\n" for i in ("OK-A", "EXPLODES", "OK-B")]
    receipt = ingest(stack, service, b"".join(lines))
    verdicts = {e["id"]: (e["outcome"], [x["code"] for x in e["errors"]]) for e in receipt["postings"]}
    assert verdicts == {
        "OK-A": ("accepted", []),
        "EXPLODES": ("rejected", ["internal"]),
        "OK-B": ("accepted", []),
    }
    assert "ArithmeticError" in receipt["postings"][1]["errors"][0]["message"]


def test_the_receipt_is_written_when_the_upload_fails_and_is_retried(
    stack: EmbeddedStack, service: IngestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    def down(*_: Any, **__: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.example")

    monkeypatch.setattr(service.state, "get", down)
    sent = upload(stack, json.dumps(raw_posting(id="UNLUCKY")).encode())
    with pytest.raises(EndpointConnectionError):
        service.ingest(sent)
    assert "retried" in receipt_of(stack, sent)["file_errors"][0]


def _outcome(stack: EmbeddedStack, service: IngestService, posting: dict[str, Any]) -> str:
    receipt = ingest(stack, service, json.dumps(posting).encode())
    (entry,) = receipt["postings"]
    return str(entry["outcome"])


def test_a_version_dated_year_999_does_not_freeze_the_posting(
    stack: EmbeddedStack, service: IngestService
) -> None:
    first = raw_posting(id="Y999", updated_at="0999-01-01T00:00:00Z")
    assert _outcome(stack, service, first) == "accepted"
    later = raw_posting(id="Y999", updated_at="2026-11-20T09:00:00Z", title="Head Cook")
    assert _outcome(stack, service, later) == "accepted"


def test_versions_with_and_without_updated_at_keep_one_order(
    stack: EmbeddedStack, service: IngestService
) -> None:
    now = datetime.now(UTC)
    t1, t2 = (now - timedelta(hours=2)).isoformat(), (now - timedelta(hours=1)).isoformat()
    assert _outcome(stack, service, raw_posting(id="MIXED", updated_at=t2, title="Cook T2")) == "accepted"
    assert _outcome(stack, service, raw_posting(id="MIXED", title="Cook, no date")) == "accepted"
    assert _outcome(stack, service, raw_posting(id="MIXED", updated_at=t1, title="Cook T1")) == "superseded"


def test_an_updated_at_far_in_the_future_is_rejected(stack: EmbeddedStack, service: IngestService) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    receipt = ingest(stack, service, json.dumps(raw_posting(id="FUTURE", updated_at=ahead)).encode())
    (entry,) = receipt["postings"]
    assert (entry["outcome"], [e["code"] for e in entry["errors"]]) == ("rejected", ["updated_at_future"])
