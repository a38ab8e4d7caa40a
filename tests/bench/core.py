"""Core throughput against a floor measured in the same run, stage shares, and the two validators.

Method: every measurement runs over the whole posting set once per round, after a warm-up
round; floor and core rounds alternate so that a noisy neighbour on the machine slows both.
Per-posting time = round time / postings; the best and the median of the rounds are reported
(the best is the least disturbed by other processes, the median shows the spread).
The garbage collector stays on: it is part of what a real run pays.

- core:  `json.loads` of the posting's text, `assess` (validate, normalize, channel readiness),
         then LinkedIn `render_job`, Indeed `render_jobs` and schema.org `render`.
- floor: `json.loads` of the same text and four `json.dumps` of the parsed posting.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import process_time
from typing import Any

import jsonschema
import jsonschema_rs

from syndicate.core import validation
from syndicate.core.assess import assess
from syndicate.core.channels import indeed, linkedin, schemaorg, schemaorg_readiness
from syndicate.core.description import build_description
from syndicate.core.intake import RawPosting
from syndicate.core.normalize import normalize
from syndicate.core.text import strip_forbidden


@dataclass(frozen=True)
class Timing:
    """Seconds per posting of each round."""

    per_posting: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.per_posting)

    @property
    def median(self) -> float:
        return statistics.median(self.per_posting)

    def to_dict(self) -> dict[str, Any]:
        return {
            "best_us": round(self.best * 1e6, 2),
            "median_us": round(self.median * 1e6, 2),
            "postings_per_second_best": round(1 / self.best),
            "postings_per_second_median": round(1 / self.median),
            "rounds": len(self.per_posting),
        }


def _round(work: Callable[[], None], count: int) -> float:
    start = process_time()
    work()
    return (process_time() - start) / count


def core_pass(texts: Sequence[str], now: datetime) -> Callable[[], None]:
    def run() -> None:
        for index, text in enumerate(texts):
            result = assess(RawPosting("bench", index, json.loads(text)), now)
            posting = result.posting
            if posting is None:
                raise AssertionError(f"benchmark posting {index} is not valid: {result.errors}")
            linkedin.render_job(posting, now)
            list(indeed.render_jobs(posting))
            schemaorg.render(posting)

    return run


def floor_pass(texts: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        for text in texts:
            parsed = json.loads(text)
            json.dumps(parsed)
            json.dumps(parsed)
            json.dumps(parsed)
            json.dumps(parsed)

    return run


def throughput(texts: Sequence[str], now: datetime, rounds: int) -> tuple[Timing, Timing]:
    """(core, floor), alternating rounds after one warm-up round of each."""
    core, floor = core_pass(texts, now), floor_pass(texts)
    core()
    floor()
    core_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(rounds):
        floor_times.append(_round(floor, len(texts)))
        core_times.append(_round(core, len(texts)))
    return Timing(tuple(core_times)), Timing(tuple(floor_times))


# Stages in pipeline order. "normalize" includes building the sanitized description; each
# channel's view of it counts in the first stage that reads it (it is rendered on first use); the
# "readiness" stages are the channel checks `assess` runs (each renders what it judges).
STAGES = (
    "parse (json.loads)",
    "validate",
    "normalize",
    "readiness: linkedin",
    "readiness: indeed",
    "readiness: schemaorg",
    "render: linkedin",
    "render: indeed",
    "render: schemaorg",
)


def stage_times(texts: Sequence[str], now: datetime, rounds: int) -> dict[str, float]:
    """Median over rounds of each stage's seconds per posting (same steps as `core_pass`)."""
    per_round: list[list[float]] = []
    for _ in range(rounds + 1):  # the first round warms up and is dropped
        sums = [0.0] * len(STAGES)
        for text in texts:
            t0 = process_time()
            raw = json.loads(text)
            t1 = process_time()
            if validation.validate(raw, now):
                raise AssertionError("benchmark posting is not valid")
            t2 = process_time()
            posting = normalize(raw)
            t3 = process_time()
            linkedin.readiness(posting, now)
            t4 = process_time()
            indeed.readiness(posting)
            t5 = process_time()
            schemaorg_readiness.readiness(posting)
            t6 = process_time()
            linkedin.render_job(posting, now)
            t7 = process_time()
            list(indeed.render_jobs(posting))
            t8 = process_time()
            schemaorg.render(posting)
            t9 = process_time()
            marks = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9)
            for stage in range(len(STAGES)):
                sums[stage] += marks[stage + 1] - marks[stage]
        per_round.append([total / len(texts) for total in sums])
    kept = per_round[1:]
    return {name: statistics.median(row[stage] for row in kept) for stage, name in enumerate(STAGES)}


def description_time(postings: Sequence[dict[str, Any]], rounds: int) -> Timing:
    """The description part of normalize: text/markdown/HTML to sanitized HTML, hashtags split out."""

    def run() -> None:
        for raw in postings:
            build_description(strip_forbidden(raw["description"]), raw.get("description_format", "text"))

    run()
    return Timing(tuple(_round(run, len(postings)) for _ in range(rounds)))


def validator_times(postings: Sequence[dict[str, Any]], now: datetime, rounds: int) -> dict[str, Timing]:
    """Schema validation alone, on the same valid postings, with the schema compiled once each.

    `jsonschema` iter_errors is what produces the detailed reports (and what a reference-only
    validator would have to run on every posting); `is_valid` of both libraries is the yes/no
    question the fast path asks. No format checker, as in `syndicate.core.validation`.
    """
    schema = validation.posting_schema()
    reference = jsonschema.Draft202012Validator(schema)
    fast = jsonschema_rs.Draft202012Validator(schema)

    def reference_iter_errors() -> None:
        for raw in postings:
            if next(reference.iter_errors(raw), None) is not None:
                raise AssertionError("benchmark posting is not valid")

    def reference_is_valid() -> None:
        for raw in postings:
            reference.is_valid(raw)

    def fast_is_valid() -> None:
        for raw in postings:
            fast.is_valid(raw)

    def semantic_and_fast() -> None:
        for raw in postings:
            validation.validate(raw, now)

    passes = {
        "jsonschema Draft202012Validator.iter_errors": reference_iter_errors,
        "jsonschema Draft202012Validator.is_valid": reference_is_valid,
        "jsonschema_rs Draft202012Validator.is_valid": fast_is_valid,
        "syndicate validation.validate (rs fast path + semantic rules)": semantic_and_fast,
    }
    timings: dict[str, list[float]] = {name: [] for name in passes}
    for work in passes.values():
        work()
    for _ in range(rounds):
        for name, work in passes.items():
            timings[name].append(_round(work, len(postings)))
    return {name: Timing(tuple(times)) for name, times in timings.items()}
