"""`make bench`'s ingest run drives the real IngestService through its own S3, SQS and state fakes:
they must keep answering what the service asks, or the benchmark fails where `make test` does not."""

from __future__ import annotations

from pathlib import Path

from tests.bench.ingest import ingest_once, open_jsonl_lines


def test_the_benchmark_ingests_a_small_upload_and_counts_its_receipt(tmp_path: Path) -> None:
    upload = tmp_path / "upload.jsonl"
    upload.write_text("".join(open_jsonl_lines(30)), "utf-8")
    figures = ingest_once(upload, 30, "kept")
    assert figures["stats"]["accepted"] == 30
    assert figures["report_bytes"] > 30 * 100  # the receipt lists every posting
    assert sum(figures["entries"].values()) >= 30
