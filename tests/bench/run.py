"""`make bench`: core throughput against a same-run floor, validators side by side, CLI peak memory.

Run from the repository root: `python -m tests.bench.run` (`--help` for the knobs). Prints the
tables, a Markdown table for the README, and writes every figure to `.bench/latest.json`.
Targets (issue 2, §7): core at most 5x the floor; peak memory of `syndicate validate` on
100,000 JSON Lines under 1.3x that on 10,000. A missed target is reported, not an error: the
exit status is 1 only when a measurement itself failed (an invalid benchmark posting, a CLI
run that did not exit 0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.bench import core, memory
from tests.bench.postings import NOW, REPO, benchmark_set

MAX_CORE_RATIO = 5.0
MAX_MEMORY_RATIO = 1.3


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per measurement (%(default)s)")
    parser.add_argument(
        "--variants", type=int, default=39, help="generated variants per example posting (%(default)s)"
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="JSON Lines sizes for the memory runs, smallest first (%(default)s)",
    )
    parser.add_argument("--memory-jobs", type=int, default=2, help="CLI runs side by side (%(default)s)")
    parser.add_argument("--skip-memory", action="store_true", help="only the in-process measurements")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "latest.json")
    return parser.parse_args(argv)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * width for width in widths)
    print(f"\n{title}\n{line}")
    print(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(header, widths, strict=True))
        )
    )
    print(line)
    for row in rows:
        print(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ("jsonschema", "jsonschema-rs", "nh3", "markdown-it-py", "pycountry"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def measure_core(arguments: argparse.Namespace) -> dict[str, Any]:
    postings = benchmark_set(arguments.variants)
    texts = [json.dumps(posting, ensure_ascii=False) for posting in postings]
    print(
        f"{len(postings)} open postings ({len(postings) // (arguments.variants + 1)} examples, "
        f"{arguments.variants} variants of each); {arguments.rounds} rounds; best and median of rounds"
    )

    core_timing, floor_timing = core.throughput(texts, NOW, arguments.rounds)
    ratio_best = core_timing.best / floor_timing.best
    ratio_median = core_timing.median / floor_timing.median
    _table(
        "Throughput (per posting)",
        ("", "best", "median", "postings/s (best)"),
        [
            (
                "core: parse + assess + 3 renderers",
                _us(core_timing.best),
                _us(core_timing.median),
                f"{1 / core_timing.best:,.0f}",
            ),
            (
                "floor: json.loads + 4 json.dumps",
                _us(floor_timing.best),
                _us(floor_timing.median),
                f"{1 / floor_timing.best:,.0f}",
            ),
            (
                "ratio core / floor",
                f"{ratio_best:.1f}x",
                f"{ratio_median:.1f}x",
                f"target <= {MAX_CORE_RATIO:g}x: {'MET' if ratio_best <= MAX_CORE_RATIO else 'NOT MET'}",
            ),
        ],
    )

    stage_rounds = max(3, arguments.rounds // 3)
    stages = core.stage_times(texts, NOW, stage_rounds)
    description = core.description_time(postings, stage_rounds)
    staged_total = sum(stages.values())
    stage_rows = [(name, _us(seconds), f"{seconds / staged_total:.1%}") for name, seconds in stages.items()]
    stage_rows.insert(
        3,
        ("  of which the description", _us(description.median), f"{description.median / staged_total:.1%}"),
    )
    stage_rows.append(("sum of stages (timed one by one)", _us(staged_total), "100.0%"))
    _table(
        f"Where the core time goes (median of {stage_rounds} rounds)",
        ("stage", "per posting", "share"),
        stage_rows,
    )

    validators = core.validator_times(postings, NOW, arguments.rounds)
    reference = validators["jsonschema Draft202012Validator.iter_errors"]
    fast = validators["jsonschema_rs Draft202012Validator.is_valid"]
    validator_rows = [
        (name, _us(timing.best), _us(timing.median), f"{reference.best / timing.best:.1f}x")
        for name, timing in validators.items()
    ]
    _table(
        "Schema validation alone, same valid postings",
        ("validator", "best", "median", "vs iter_errors"),
        validator_rows,
    )
    # What the core would cost if every posting were walked by the reference validator instead.
    reference_core = core_timing.best - fast.best + reference.best
    print(
        f"core with jsonschema iter_errors instead of the jsonschema-rs fast path (estimate): "
        f"{_us(reference_core)} per posting, {reference_core / floor_timing.best:.1f}x the floor"
    )

    return {
        "postings": len(postings),
        "core": core_timing.to_dict(),
        "floor": floor_timing.to_dict(),
        "ratio_best": round(ratio_best, 2),
        "ratio_median": round(ratio_median, 2),
        "target_max_ratio": MAX_CORE_RATIO,
        "target_met": ratio_best <= MAX_CORE_RATIO,
        "stages_us_median": {name: round(seconds * 1e6, 2) for name, seconds in stages.items()},
        "stages_share": {name: round(seconds / staged_total, 4) for name, seconds in stages.items()},
        "description_us_median": round(description.median * 1e6, 2),
        "validators": {name: timing.to_dict() for name, timing in validators.items()},
        "core_with_reference_validator_estimate_us": round(reference_core * 1e6, 2),
        "core_with_reference_validator_estimate_ratio": round(reference_core / floor_timing.best, 2),
    }


def measure_memory(arguments: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    sizes = sorted(int(size) for size in arguments.sizes.split(","))
    print(
        f"\nRunning `syndicate validate` on {', '.join(f'{s:,}' for s in sizes)} JSON Lines "
        f"({arguments.memory_jobs} at a time) ...",
        flush=True,
    )
    runs = memory.peak_memory(sizes, arguments.memory_jobs)
    by_key = {(run.mode, run.lines): run for run in runs}
    failed = [run for run in runs if run.exit_code != 0]
    rows: list[tuple[str, ...]] = []
    summary: dict[str, Any] = {"runs": [run.to_dict() for run in runs]}
    for mode in memory.MODES:
        baseline = by_key[(mode, 0)]
        rows.append(
            (
                f"{mode}: bundled examples (baseline)",
                f"{baseline.peak_rss_mib:.1f} MiB",
                f"{baseline.seconds:.1f} s",
                "",
            )
        )
        for size in sizes:
            run = by_key[(mode, size)]
            rows.append(
                (
                    f"{mode}: {size:,} lines",
                    f"{run.peak_rss_mib:.1f} MiB",
                    f"{run.seconds:.1f} s",
                    f"{size / run.seconds:,.0f}/s",
                )
            )
        small, large = by_key[(mode, sizes[0])], by_key[(mode, sizes[-1])]
        ratio = large.peak_rss_kib / small.peak_rss_kib
        met = ratio < MAX_MEMORY_RATIO
        rows.append(
            (
                f"{mode}: ratio {sizes[-1]:,} / {sizes[0]:,}",
                f"{ratio:.2f}x",
                f"target < {MAX_MEMORY_RATIO:g}x",
                "MET" if met else "NOT MET",
            )
        )
        summary[mode] = {"ratio": round(ratio, 3), "target_max_ratio": MAX_MEMORY_RATIO, "target_met": met}
    _table(
        "Peak memory (RSS) of `syndicate validate`, one fresh process per run",
        ("run", "peak RSS", "wall time", "postings/s"),
        rows,
    )
    for run in failed:
        print(f"\n!! {run.mode} run on {run.lines} lines exited {run.exit_code}:\n{run.stderr_tail}")
    return summary, not failed


def markdown(core_figures: dict[str, Any], memory_figures: dict[str, Any] | None) -> str:
    c, f = core_figures["core"], core_figures["floor"]
    validators = core_figures["validators"]
    reference = validators["jsonschema Draft202012Validator.iter_errors"]
    fast = validators["jsonschema_rs Draft202012Validator.is_valid"]
    lines = [
        "| Measure | Result | Target |",
        "|---|---|---|",
        "| Core: parse, validate, normalize, channel readiness, 3 renderers "
        f"| {c['best_us']:,.0f} µs/posting ({c['postings_per_second_best']:,}/s) | |",
        f"| Floor: `json.loads` + 4 `json.dumps` | {f['best_us']:,.1f} µs/posting "
        f"({f['postings_per_second_best']:,}/s) | |",
        f"| Core / floor | {core_figures['ratio_best']:.1f}x | ≤ {MAX_CORE_RATIO:g}x |",
        f"| Schema check, `jsonschema` iter_errors | {reference['best_us']:,.0f} µs/posting | |",
        f"| Schema check, `jsonschema-rs` is_valid | {fast['best_us']:,.1f} µs/posting | |",
    ]
    if memory_figures is not None:
        runs = {(run["mode"], run["lines"]): run for run in memory_figures["runs"]}
        sizes = sorted({lines for _, lines in runs if lines})
        for mode, label in (("human", "`syndicate validate`"), ("json", "`syndicate validate --json`")):
            peaks = ", ".join(
                f"{runs[(mode, size)]['peak_rss_mib']:.0f} MiB ({size:,} lines)" for size in sizes
            )
            lines.append(
                f"| Peak RSS, {label} | {peaks}: {memory_figures[mode]['ratio']:.2f}x "
                f"| < {MAX_MEMORY_RATIO:g}x |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "versions": _versions(),
        "now_assumed": NOW.isoformat(),
    }
    print(
        f"syndicate benchmark - Python {meta['python']} on {meta['platform']}, {meta['cpus']} CPUs, "
        f"load {meta['load_average_at_start']}"
    )
    core_figures = measure_core(arguments)
    memory_figures: dict[str, Any] | None = None
    ok = True
    if not arguments.skip_memory:
        memory_figures, ok = measure_memory(arguments)
    meta["seconds"] = round(time.perf_counter() - started, 1)

    table = markdown(core_figures, memory_figures)
    print("\nFor the README:\n")
    print(table)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "throughput": core_figures, "memory": memory_figures, "markdown": table}
    arguments.out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"\nFigures written to {arguments.out} ({meta['seconds']} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
