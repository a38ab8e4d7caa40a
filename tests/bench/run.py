"""`make bench`: the core, the commands, the ingest at scale, start-up and cold starts.

Every figure is a ratio to a floor measured in the same run, and every verdict is on the median
(of rounds, or of paired runs): the best run says what the machine can do when nothing else runs,
the median what a user gets. Postings carry realistic descriptions (3-5 KB; `descriptions.py`).

Run from the repository root: `python -m tests.bench.run` (`--full` for larger files and more
rounds; `--help` for the knobs). Prints the tables, a Markdown table for the README, and writes
every figure to `.bench/latest.json`. Targets: the core at most 5x its floor (json.loads + 4
json.dumps); `syndicate transform --channel X` at most 8x and `syndicate validate` at most 6x a
process that loads and dumps each line, with peak memory flat (under 1.3x) from that file to
one 4 times (--full: 10 times) larger; `syndicate validate` of one posting at most 5x `python -c "import
json"`; the ingest's peak memory flat the same way, ceil(N/10) SendMessageBatch calls per channel
every posting is ready for, its time per posting under 2x the core's; each function's cold start
under 1.5x `import boto3` plus one client. A missed target is reported, not an error: the exit
status is 1 only when a measurement itself failed (an invalid benchmark posting, a child process
that did not exit as expected).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from syndicate.core.model import CHANNELS
from tests.bench import coldstart, commands, core, ingest
from tests.bench.postings import NOW, REPO, benchmark_set

MAX_CORE_RATIO = 5.0
MAX_MEMORY_RATIO = 1.3
MAX_INGEST_TIME_RATIO = 2.0
MAX_COLD_START_RATIO = 1.5
STORE_LABELS = {
    "kept": "state kept in-process",
    "none": "state kept nowhere",
}


FULL = {
    "rounds": 25,
    "command_size": 5000,
    "command_memory_size": 50000,
    "command_rounds": 5,
    "startup_rounds": 31,
    "ingest_sizes": "10000,100000",
    "coldstart_rounds": 11,
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help=f"larger files, more rounds: {FULL}")
    parser.add_argument("--rounds", type=int, default=11, help="core rounds (%(default)s)")
    parser.add_argument(
        "--variants", type=int, default=39, help="generated variants per example posting (%(default)s)"
    )
    parser.add_argument(
        "--command-size", type=int, default=5000, help="postings per command run (%(default)s)"
    )
    parser.add_argument(
        "--command-memory-size",
        type=int,
        default=20000,
        help="postings of the larger file, for peak memory (%(default)s)",
    )
    parser.add_argument("--command-rounds", type=int, default=3, help="paired command rounds (%(default)s)")
    parser.add_argument("--startup-rounds", type=int, default=15, help="paired start-up runs (%(default)s)")
    parser.add_argument("--skip-commands", action="store_true", help="no command or start-up runs")
    parser.add_argument("--jobs", type=int, default=2, help="large-file runs side by side (%(default)s)")
    parser.add_argument(
        "--ingest-sizes",
        default="1000,10000",
        help="postings per upload for the ingest runs, smallest first (%(default)s)",
    )
    parser.add_argument("--skip-ingest", action="store_true", help="no ingest runs")
    parser.add_argument(
        "--coldstart-rounds", type=int, default=5, help="fresh interpreters per handler (%(default)s)"
    )
    parser.add_argument("--skip-coldstart", action="store_true", help="no handler cold-start runs")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "latest.json")
    arguments = parser.parse_args(argv)
    if arguments.full:
        for name, value in FULL.items():
            setattr(arguments, name, value)
    return arguments


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
    for name in ("jsonschema", "jsonschema-rs", "nh3", "pyromark", "pycountry", "orjson"):
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
        f"{arguments.variants} variants of each); {arguments.rounds} rounds of CPU time; the verdict "
        "is on the median"
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
                f"target <= {MAX_CORE_RATIO:g}x (median): {_verdict(ratio_median <= MAX_CORE_RATIO)}",
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
        "target_met": ratio_median <= MAX_CORE_RATIO,
        "stages_us_median": {name: round(seconds * 1e6, 2) for name, seconds in stages.items()},
        "stages_share": {name: round(seconds / staged_total, 4) for name, seconds in stages.items()},
        "description_us_median": round(description.median * 1e6, 2),
        "validators": {name: timing.to_dict() for name, timing in validators.items()},
        "core_with_reference_validator_estimate_us": round(reference_core * 1e6, 2),
        "core_with_reference_validator_estimate_ratio": round(reference_core / floor_timing.best, 2),
    }


def measure_commands(arguments: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    size, large = arguments.command_size, arguments.command_memory_size
    print(
        f"\nRunning each command on {size:,} postings ({arguments.command_rounds} rounds paired with the "
        f"floor), then on {large:,} for peak memory ...",
        flush=True,
    )
    figures = commands.throughput_and_memory(size, large, arguments.command_rounds, arguments.jobs)
    floor = figures["floor"]
    rows: list[tuple[str, ...]] = [
        (
            commands.FLOOR,
            f"{floor['us_per_posting_median']:,.0f} µs",
            "1.0x",
            "",
            f"{floor['peak_mib']:.0f} MiB",
            "",
            "",
        )
    ]
    for name, command in figures["commands"].items():
        rows.append(
            (
                name,
                f"{command['us_per_posting_median']:,.0f} µs",
                f"{command['ratio_median']:.1f}x",
                f"<= {command['target_max_ratio']:g}x: {_verdict(command['target_met'])}",
                f"{command['peak_mib']:.0f} MiB",
                f"{command['peak_mib_large']:.0f} MiB: {command['memory_ratio']:.2f}x",
                f"< {commands.MAX_MEMORY_RATIO:g}x: {_verdict(command['memory_target_met'])}",
            )
        )
    _table(
        f"Whole processes: CPU per posting ({size:,} postings, median of rounds) and own peak memory",
        ("process", "CPU/posting", "vs floor", "target", f"peak, {size:,}", f"peak, {large:,}", "flat"),
        rows,
    )
    for failure in figures["failures"]:
        print(f"\n!! {failure}")
    return figures, not figures["failures"]


def measure_startup(arguments: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    print(
        f"\nStarting `syndicate validate` on one posting ({arguments.startup_rounds} pairs) ...", flush=True
    )
    try:
        figures = commands.startup(arguments.startup_rounds)
    except RuntimeError as failure:
        print(f"\n!! start-up: {failure}")
        return {}, False
    print(
        f"python -c 'import json': {figures['floor_ms_median']:,.0f} ms CPU; syndicate validate, one "
        f"posting: {figures['validate_ms_median']:,.0f} ms CPU (medians)\nCPU ratio, median of pairs: "
        f"{figures['ratio_median']:.2f}x, target <= {figures['target_max_ratio']:g}x: "
        f"{_verdict(figures['target_met'])} (wall {figures['wall_ratio_median']:.2f}x)"
    )
    return figures, True


def _verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def measure_ingest(
    arguments: argparse.Namespace, core_figures: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    sizes = sorted(int(size) for size in arguments.ingest_sizes.split(","))
    small, large = sizes[0], sizes[-1]
    print(
        f"\nRunning the ingest (IngestService.ingest on in-memory SQS, S3 and state fakes) on "
        f"{', '.join(f'{s:,}' for s in sizes)} open postings, each state store "
        f"({arguments.jobs} at a time) ...",
        flush=True,
    )
    runs = ingest.ingest_runs(sizes, arguments.jobs)
    failed = [run for run in runs if run.exit_code != 0]
    for run in failed:
        print(f"\n!! ingest of {run.size} postings ({run.store}) exited {run.exit_code}:\n{run.stderr_tail}")
    if failed:
        return {"runs": [run.to_dict() for run in runs]}, False
    by_key = {(run.store, run.size): run for run in runs}
    core_us = float(core_figures["core"]["median_us"])
    summary: dict[str, Any] = {"runs": [run.to_dict() for run in runs], "core_best_us": core_us}

    # Peak memory and time, per state store.
    rows: list[tuple[str, ...]] = []
    for store in ingest.STORES:
        for size in sizes:
            run = by_key[(store, size)]
            f = run.figures
            rows.append(
                (
                    f"{STORE_LABELS[store]}: {size:,} postings",
                    f"{run.peak_rss_mib:.1f} MiB",
                    f"{f['peak_before_ingest_kib'] / 1024:.1f} MiB",
                    f"{f['state_held_bytes'] / 2**20:.1f} MiB",
                    f"{f['seconds']:.1f} s",
                    f"{run.us_per_posting:,.0f} µs",
                    f"{run.us_per_posting / core_us:.1f}x",
                )
            )
        ratio = by_key[(store, large)].peak_rss_kib / by_key[(store, small)].peak_rss_kib
        met = ratio < MAX_MEMORY_RATIO
        rows.append(
            (
                f"{STORE_LABELS[store]}: peak ratio {large:,} / {small:,}",
                f"{ratio:.2f}x",
                f"target < {MAX_MEMORY_RATIO:g}x",
                _verdict(met),
                "",
                "",
                "",
            )
        )
        summary[f"memory_{store}"] = {
            "ratio": round(ratio, 3),
            "target_max_ratio": MAX_MEMORY_RATIO,
            "target_met": met,
        }
    _table(
        "Ingest: peak memory (RSS) and time, one fresh process per run",
        ("run", "peak RSS", "before ingest", "state held", "wall time", "CPU per posting", "vs core"),
        rows,
    )
    print(
        "'before ingest': peak after imports and set-up; 'state held': the fake store's items in the "
        "process\n(what DynamoDB would hold). State kept nowhere = the ingest's own memory."
    )

    # Time per posting against the core's, on the largest upload. Both stores take the same code
    # path (every id is new, so `get` finds nothing either way); the kept store adds only the fake's
    # own JSON work, so the store kept nowhere is the ingest's time and the headline.
    timed, kept = by_key[("none", large)], by_key[("kept", large)]
    time_ratio = timed.us_per_posting / core_us
    # The receipt's share of the wall time, applied to the CPU time (the split is only timed by wall).
    report_share = float(timed.figures["seconds_report"]) / float(timed.figures["seconds"])
    report_us = timed.us_per_posting * report_share
    time_met = time_ratio < MAX_INGEST_TIME_RATIO
    print(
        f"\nIngest CPU time per posting ({large:,} postings, state kept nowhere): "
        f"{timed.us_per_posting:,.0f} µs (of which the receipt report {report_us:,.0f} µs)\n"
        f"vs the core's {core_us:,.0f} µs (median, this run): {time_ratio:.2f}x, "
        f"target < {MAX_INGEST_TIME_RATIO:g}x: {_verdict(time_met)}\n"
        f"(with the state kept in-process: {kept.us_per_posting:,.0f} µs, "
        f"{kept.us_per_posting / core_us:.2f}x; the difference is the fake store's own work)"
    )
    summary["time"] = {
        "size": large,
        "store": "none",
        "ingest_us_per_posting": round(timed.us_per_posting, 1),
        "report_us_per_posting": round(report_us, 1),
        "ratio_to_core": round(time_ratio, 3),
        "kept_store_us_per_posting": round(kept.us_per_posting, 1),
        "kept_store_ratio_to_core": round(kept.us_per_posting / core_us, 3),
        "target_max_ratio": MAX_INGEST_TIME_RATIO,
        "target_met": time_met,
    }

    # SendMessageBatch calls per channel; both stores send the same, the kept runs are shown.
    call_rows: list[tuple[str, ...]] = []
    calls_summary: dict[str, Any] = {}
    all_met = True
    for size in sizes:
        f = by_key[("kept", size)].figures
        for channel in CHANNELS:
            messages = int(f["entries"].get(channel, 0))
            calls = int(f["send_calls"].get(channel, 0))
            every_posting = messages == size
            target = ingest.batch_target(size if every_posting else messages)
            met = calls <= target
            all_met = all_met and met
            call_rows.append(
                (
                    f"{size:,} postings: {channel}",
                    f"{messages:,}",
                    f"{calls:,}",
                    f"{target:,}" + ("" if every_posting else " *"),
                    _verdict(met),
                )
            )
            calls_summary[f"{size}:{channel}"] = {
                "messages": messages,
                "calls": calls,
                "target": target,
                "every_posting_ready": every_posting,
                "target_met": met,
            }
    _table(
        "SendMessageBatch calls per channel (counted by the fake SQS client)",
        ("upload: channel", "messages", "calls", "target", ""),
        call_rows,
    )
    f = by_key[("kept", large)].figures
    state_calls = {name: count / large for name, count in sorted(f["state_calls"].items())}
    print(
        "target ceil(N/10) for a channel every posting is ready for; * not every posting is ready for "
        "it: ceil(messages/10).\n"
        f"Most entries in one call: {f['most_entries_in_a_call']}; largest call: "
        f"{f['largest_call_bytes'] / 1024:,.0f} KiB; payloads offloaded to S3: {f['payloads_offloaded']}; "
        f"receipt: {f['report_bytes'] / 2**20:,.1f} MiB.\n"
        "State store calls per posting (each a DynamoDB round trip in AWS): "
        + ", ".join(f"{name} {per:.2f}" for name, per in state_calls.items())
    )
    summary["send_calls"] = calls_summary
    summary["send_calls_target_met"] = all_met
    summary["state_calls_per_posting"] = {name: round(per, 3) for name, per in state_calls.items()}
    return summary, True


def measure_coldstart(arguments: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    rounds = arguments.coldstart_rounds
    print(
        f"\nMeasuring handler cold starts ({rounds} rounds of fresh interpreters after a warm-up) ...",
        flush=True,
    )
    try:
        timings = coldstart.cold_starts(rounds)
    except Exception as error:  # reported; the other figures are still printed and written
        print(f"\n!! cold start: {error}")
        return {}, False
    floor_cpu = statistics.median(run.cpu for pairs in timings.values() for run in pairs.floor)
    floor_wall = statistics.median(run.wall for pairs in timings.values() for run in pairs.floor)
    rows: list[tuple[str, ...]] = [
        (coldstart.FLOOR, f"{floor_cpu * 1e3:,.0f} ms", f"{floor_wall * 1e3:,.0f} ms", "", "", "")
    ]
    summary: dict[str, Any] = {
        "floor": {"cpu_ms_median": round(floor_cpu * 1e3, 1), "wall_ms_median": round(floor_wall * 1e3, 1)},
        "verdict": "median of per-pair CPU-time ratios",
        "handlers": {},
    }
    for name, pairs in timings.items():
        is_handler = name in coldstart.HANDLERS
        met = pairs.cpu_ratio < MAX_COLD_START_RATIO
        rows.append(
            (
                name,
                f"{pairs.cpu_median * 1e3:,.0f} ms",
                f"{pairs.wall_median * 1e3:,.0f} ms",
                f"{pairs.cpu_ratio:.2f}x",
                f"{pairs.wall_ratio:.2f}x",
                _verdict(met) if is_handler else "",
            )
        )
        if is_handler:
            summary["handlers"][name] = pairs.to_dict() | {
                "target_max_ratio": MAX_COLD_START_RATIO,
                "target_met": met,
            }
        else:
            summary["context"] = {name: pairs.to_dict()}
    _table(
        f"Handler cold start: import + clients, fresh interpreters, {rounds} pairs with the floor each",
        ("module", "CPU", "wall", "CPU vs floor", "wall vs floor", f"CPU < {MAX_COLD_START_RATIO:g}x"),
        rows,
    )

    slowest = max(coldstart.HANDLERS, key=lambda module: timings[module].cpu_ratio)
    try:
        lines = coldstart.import_times(slowest)
        with tempfile.TemporaryDirectory(prefix="syndicate-bench-coldstart-") as tmp:
            calls = coldstart.module_scope_calls(slowest, 10, Path(tmp))
    except Exception as error:  # reported; the timings above are still written
        print(f"\n!! import profile of {slowest}: {error}")
        return summary, False
    _table(
        f"What dominates: python -X importtime {slowest}, top 10 by cumulative time",
        ("module (indented as imported)", "cumulative", "self"),
        [
            (
                "  " * line.depth + line.name,
                f"{line.cumulative_us / 1e3:,.1f} ms",
                f"{line.self_us / 1e3:,.1f} ms",
            )
            for line in coldstart.top_by_cumulative(lines, 10)
        ],
    )
    packages = coldstart.self_time_by_package(lines, 10)
    _table(
        "Own import time (self) summed per top-level package",
        ("package", "self"),
        [(name, f"{us / 1e3:,.1f} ms") for name, us in packages],
    )
    _table(
        "Calls at module scope during that import (cProfile: profiled times run high; see the share)",
        ("call", "made by", "profiled", "share"),
        [
            (call.function, call.called_from, f"{call.profiled_seconds * 1e3:,.0f} ms", f"{call.share:.0%}")
            for call in calls
        ],
    )
    summary["slowest"] = {
        "module": slowest,
        "importtime_top_cumulative_ms": {
            line.name: round(line.cumulative_us / 1e3, 1) for line in coldstart.top_by_cumulative(lines, 10)
        },
        "self_ms_by_package": {name: round(us / 1e3, 1) for name, us in packages},
        "module_scope_calls_share": {
            f"{call.function} <- {call.called_from}": round(call.share, 3) for call in calls
        },
    }
    return summary, True


def markdown(
    core_figures: dict[str, Any],
    command_figures: dict[str, Any] | None = None,
    startup_figures: dict[str, Any] | None = None,
    ingest_figures: dict[str, Any] | None = None,
    coldstart_figures: dict[str, Any] | None = None,
    webhook_figures: dict[str, Any] | None = None,
) -> str:
    """The README's table: medians throughout, each figure with its ratio to its floor."""
    c, f = core_figures["core"], core_figures["floor"]
    validators = core_figures["validators"]
    reference = validators["jsonschema Draft202012Validator.iter_errors"]
    fast = validators["jsonschema_rs Draft202012Validator.is_valid"]
    lines = [
        "| Measure (medians) | Result | Target |",
        "|---|---|---|",
        f"| Core: parse, validate, normalize, readiness, 3 renderers | {c['median_us']:,.0f} µs/posting: "
        f"**{core_figures['ratio_median']:.1f}x** the floor ({f['median_us']:,.0f} µs: `json.loads` + 4 "
        f"`json.dumps`) | ≤ {MAX_CORE_RATIO:g}x |",
        f"| Schema check alone, `jsonschema-rs` is_valid / `jsonschema` iter_errors "
        f"| {fast['median_us']:,.1f} / {reference['median_us']:,.0f} µs/posting | |",
    ]
    if command_figures:
        size, large = command_figures["size"], command_figures["memory_size"]
        floor = command_figures["floor"]
        for name, command in command_figures["commands"].items():
            lines.append(
                f"| `{name}`, {size:,} postings | {command['us_per_posting_median']:,.0f} µs/posting CPU: "
                f"**{command['ratio_median']:.1f}x** the floor ({floor['us_per_posting_median']:,.0f} µs: a "
                f"process loading and dumping each line); peak {command['peak_mib']:.0f} MiB, "
                f"{command['peak_mib_large']:.0f} MiB at {large:,}: {command['memory_ratio']:.2f}x "
                f"| ≤ {command['target_max_ratio']:g}x; memory < {commands.MAX_MEMORY_RATIO:g}x |"
            )
    if startup_figures:
        lines.append(
            "| Start-up: `syndicate validate` of one posting "
            f"| {startup_figures['validate_ms_median']:,.0f} ms CPU: "
            f'**{startup_figures["ratio_median"]:.1f}x** `python -c "import json"` '
            f"({startup_figures['floor_ms_median']:,.0f} ms; "
            f"wall {startup_figures['wall_ratio_median']:.1f}x) | ≤ {commands.MAX_STARTUP_RATIO:g}x |"
        )
    if ingest_figures is not None and "time" in ingest_figures:
        lines += _ingest_markdown(ingest_figures)
    if coldstart_figures:
        lines += _coldstart_markdown(coldstart_figures)
    if webhook_figures and "cold_start" in webhook_figures:
        cold = webhook_figures["cold_start"]
        lines.append(
            "| Cold start, `webhook` (import + first signed request) "
            f"| {cold.get('total_cpu_ms', 0):,.0f} ms CPU: **{cold.get('ratio', 0):.2f}x** "
            f"(wall {cold.get('wall_ratio', 0):.2f}x) | < {MAX_COLD_START_RATIO:g}x |"
        )
    return "\n".join(lines)


def _ingest_markdown(figures: dict[str, Any]) -> list[str]:
    runs = {(run["store"], run["size"]): run for run in figures["runs"]}
    sizes = sorted({size for _, size in runs})
    large = sizes[-1]
    lines = []
    for store, label in (
        ("none", "ingest, state kept nowhere (the ingest's own memory)"),
        ("kept", "ingest, state kept in-process as DynamoDB would hold it (grows with N)"),
    ):
        peaks = ", ".join(f"{runs[(store, size)]['peak_rss_mib']:.0f} MiB ({size:,})" for size in sizes)
        lines.append(
            f"| Peak RSS, {label} | {peaks}: {figures[f'memory_{store}']['ratio']:.2f}x "
            f"| < {MAX_MEMORY_RATIO:g}x |"
        )
    calls = figures["send_calls"]
    per_channel = ", ".join(f"{channel} {calls[f'{large}:{channel}']['calls']:,}" for channel in CHANNELS)
    ready = [channel for channel in CHANNELS if calls[f"{large}:{channel}"]["every_posting_ready"]]
    lines.append(
        f"| SendMessageBatch calls, {large:,} postings | {per_channel} "
        f"| ceil(N/10) = {ingest.batch_target(large):,} per channel every posting is ready for "
        f"({', '.join(ready) or 'none'}); ceil(messages/10) for the others |"
    )
    time = figures["time"]
    lines.append(
        f"| Ingest CPU time, {large:,} postings, state kept nowhere "
        f"| {time['ingest_us_per_posting']:,.0f} µs/posting: "
        f"{time['ratio_to_core']:.1f}x the core ({figures['core_best_us']:,.0f} µs) "
        f"| < {MAX_INGEST_TIME_RATIO:g}x |"
    )
    return lines


def _coldstart_markdown(figures: dict[str, Any]) -> list[str]:
    floor = figures["floor"]
    lines = [
        f'| Cold start floor: `import boto3` + `boto3.client("s3")` '
        f"| {floor['cpu_ms_median']:,.0f} ms CPU ({floor['wall_ms_median']:,.0f} ms wall) | |"
    ]
    for module, timing in figures["handlers"].items():
        lines.append(
            f"| Cold start, `{module.removeprefix('syndicate.handlers.')}` (import + clients) "
            f"| {timing['cpu_ms_median']:,.0f} ms CPU: **{timing['cpu_ratio_median_of_pairs']:.2f}x** "
            f"(wall {timing['wall_ratio_median_of_pairs']:.2f}x) | < {MAX_COLD_START_RATIO:g}x |"
        )
    return lines


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
    ok = True
    command_figures: dict[str, Any] | None = None
    startup_figures: dict[str, Any] | None = None
    if not arguments.skip_commands:
        command_figures, commands_ok = measure_commands(arguments)
        startup_figures, startup_ok = measure_startup(arguments)
        ok = ok and commands_ok and startup_ok
    ingest_figures: dict[str, Any] | None = None
    if not arguments.skip_ingest:
        ingest_figures, ingest_ok = measure_ingest(arguments, core_figures)
        ok = ok and ingest_ok
    coldstart_figures: dict[str, Any] | None = None
    webhook_figures: dict[str, Any] | None = None
    if not arguments.skip_coldstart:
        coldstart_figures, coldstart_ok = measure_coldstart(arguments)
        ok = ok and coldstart_ok
        from tests.bench import webhook  # signature throughput, its cold start, the local server

        try:
            webhook_figures = webhook.measure(arguments.coldstart_rounds)
        except RuntimeError as failure:
            print(f"\n!! webhook benchmark failed: {failure}")
            ok = False
    meta["seconds"] = round(time.perf_counter() - started, 1)

    table = markdown(
        core_figures, command_figures, startup_figures, ingest_figures, coldstart_figures, webhook_figures
    )
    print("\nFor the README:\n")
    print(table)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": meta,
        "throughput": core_figures,
        "commands": command_figures,
        "startup": startup_figures,
        "ingest": ingest_figures,
        "coldstart": coldstart_figures,
        "webhook": webhook_figures,
        "markdown": table,
    }
    arguments.out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"\nFigures written to {arguments.out} ({meta['seconds']} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
