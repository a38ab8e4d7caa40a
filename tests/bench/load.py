"""`make bench-load`: N postings through the whole embedded stack, every AWS call counted, priced.

Each size runs `syndicate run` (the same code path as the command) in a fresh interpreter with the
meter of tests/bench/metering.py installed: calls per function and operation, DynamoDB read and
write units, S3 requests and bytes, SQS requests, Lambda time per function. Printed per posting,
with the AWS cost per 1,000,000 postings at the list prices of tests/bench/prices.py. Targets: read
and write units per posting at the largest size within 1.3x of those at the smallest; cost per
1,000,000 postings at most $5. CPU time per posting within 1.3x too (CPU, not wall time, which
on a shared machine measures the neighbours too). Memory is measured where moto cannot be counted
as the functions', by tests/bench/memory.py (`make bench-memory`). A missed target is reported, not
an error; the exit status is 1 only when a run failed.

    python -m tests.bench.load --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.runtime.observe import RUNTIME

from tests.bench import prices
from tests.bench.postings import NOW_ARGUMENT, REPO, example_postings, variant

MAX_RATIO = 1.3
MAX_COST_PER_MILLION = 5.0
PER = 1_000_000
PRICED_AS = "us-east-1, arm64, list prices"


# -- one size, in its own interpreter -------------------------------------------------------------


def write_postings(path: Path, count: int) -> None:
    """`count` open postings, each with its own id and description."""
    bases = example_postings(open_only=True)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            posting = variant(bases[number % len(bases)], number)
            out.write(json.dumps(posting, ensure_ascii=False) + "\n")


def measure_one(size: int, work: Path, *, progress: bool) -> dict[str, Any]:
    """Run `syndicate run` on `size` postings under the meter (call this in a fresh interpreter)."""
    from syndicate.cli.main import main
    from tests.bench.metering import AwsMeter

    postings = work / f"load-{size}.jsonl"
    write_postings(postings, size)
    meter = AwsMeter()
    with meter.installed():
        cpu_started = time.process_time()
        started = time.perf_counter()
        arguments = ["run", "--out", str(work / "out"), "--expire-at", NOW_ARGUMENT, str(postings)]
        code = main([*arguments, "--progress" if progress else "--no-progress"])
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return {"size": size, "exit": code, "wall_seconds": wall, "cpu_seconds": cpu, "usage": meter.snapshot()}


def run_size(size: int, *, progress: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-load-{size}-") as folder:
        work = Path(folder)
        result = work / "result.json"
        command = [sys.executable, "-m", "tests.bench.load", "--one", str(size), "--work", folder]
        command += ["--result", str(result)]
        command += ["--progress"] if progress else []
        with (work / "stdout.txt").open("wb") as stdout:
            finished = subprocess.run(command, cwd=REPO, stdout=stdout, check=False)
        if finished.returncode != 0 or not result.is_file():
            tail = (work / "stdout.txt").read_text("utf-8", "replace")[-2000:]
            return {"size": size, "exit": finished.returncode or 1, "error": tail}
        measured: dict[str, Any] = json.loads(result.read_text("utf-8"))
        return measured


# -- figures --------------------------------------------------------------------------------------


def memory_sizes() -> dict[str, int]:
    """MemorySize of each function in template.yaml, with the parameters `syndicate run` passes."""
    from infra.runtime import parse_template

    from syndicate.cli.main import build_parser
    from syndicate.cli.run import stack_parameters

    defaults = build_parser().parse_args(["run", "postings.jsonl"])
    model = parse_template(REPO / "template.yaml", stack_parameters(defaults))
    return {logical: spec.memory_size for logical, spec in model.functions.items()}


def billed(usage: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Everything but the runtime's own bookkeeping (provisioning, queue depths, downloads)."""
    return {caller: figures for caller, figures in usage.items() if caller != RUNTIME}


def totals(usage: dict[str, dict[str, Any]]) -> dict[str, Any]:
    summed: dict[str, Any] = {"calls": Counter()}
    for figures in billed(usage).values():
        for name, value in figures.items():
            if name == "calls":
                summed["calls"].update(value)
            else:
                summed[name] = summed.get(name, 0) + value
    summed["function_ms"] = sum(f["billed_ms"] for f in billed(usage).values())
    by_service: Counter[str] = Counter()
    for name, count in summed["calls"].items():
        by_service[name.split(":", 1)[0]] += count
    summed["by_service"] = by_service
    return summed


def costs(usage: dict[str, dict[str, Any]], memory: dict[str, int]) -> dict[str, float]:
    """Dollars of the whole run, by what AWS bills."""
    total = totals(usage)
    gb_seconds = sum(
        figures["billed_ms"] / 1000 * memory.get(caller, 0) / 1024
        for caller, figures in billed(usage).items()
        if caller in memory
    )
    invocations = sum(figures["invocations"] for caller, figures in usage.items() if caller in memory)
    return {
        "Lambda duration": gb_seconds * prices.LAMBDA_ARM_GB_SECOND,
        "Lambda requests": invocations * prices.LAMBDA_REQUEST,
        "DynamoDB writes": total.get("write_units", 0) * prices.DYNAMODB_WRITE_UNIT,
        "DynamoDB reads": total.get("read_units", 0) * prices.DYNAMODB_READ_UNIT,
        "S3 requests": total.get("s3_write_class", 0) * prices.S3_WRITE_CLASS_REQUEST
        + total.get("s3_read_class", 0) * prices.S3_READ_CLASS_REQUEST,
        "SQS requests": total.get("sqs_billed", 0) * prices.SQS_REQUEST,
        "Secrets Manager": total["by_service"].get("secretsmanager", 0) * prices.SECRETS_MANAGER_CALL,
        "X-Ray traces": invocations * prices.XRAY_SAMPLED_SHARE * prices.XRAY_TRACE_RECORDED,
        "CloudWatch Logs": total.get("log_bytes", 0) / 1024**3 * prices.LOGS_INGESTED_GB,
    }


def per_posting(result: dict[str, Any]) -> dict[str, float]:
    size = result["size"]
    total = totals(result["usage"])
    figures = {
        "wall ms": result["wall_seconds"] * 1000 / size,
        "cpu ms": result["cpu_seconds"] * 1000 / size,
        "function ms": total["function_ms"] / size,
        "read units": total.get("read_units", 0) / size,
        "write units": total.get("write_units", 0) / size,
        "items read": total.get("items_read", 0) / size,
        "items written": total.get("items_written", 0) / size,
    }
    for service in ("dynamodb", "s3", "sqs", "secretsmanager"):
        figures[f"{service} calls"] = total["by_service"].get(service, 0) / size
    return figures


# -- printing -------------------------------------------------------------------------------------


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def _ratio(large: float, small: float) -> float:
    return large / small if small else (1.0 if not large else math.inf)


def report(results: list[dict[str, Any]], memory: dict[str, int]) -> dict[str, Any]:
    sizes = [r["size"] for r in results]
    figures = {r["size"]: per_posting(r) for r in results}
    names = list(figures[sizes[0]])
    _table(
        "Per posting (all functions, event sources included; the runtime's own calls left out)",
        ("figure", *(f"{s:,} postings" for s in sizes)),
        [(name, *(f"{figures[s][name]:.3f}" for s in sizes)) for name in names],
    )
    functions = sorted({c for r in results for c in billed(r["usage"])})
    for result in results:
        size = result["size"]
        rows = []
        for caller in functions:
            usage = result["usage"].get(caller)
            if usage is None:
                continue
            calls = sum(usage["calls"].values())
            top = ", ".join(f"{n} {c / size:.2f}" for n, c in Counter(usage["calls"]).most_common(3))
            rows.append(
                (
                    caller,
                    f"{usage['invocations']:,}",
                    f"{calls / size:.2f}",
                    f"{usage['read_units'] / size:.2f}",
                    f"{usage['write_units'] / size:.2f}",
                    f"{usage['billed_ms'] / size:.2f}",
                    top,
                )
            )
        _table(
            f"Per function at {size:,} postings (per posting, except invocations)",
            ("caller", "invocations", "calls", "RRU", "WRU", "ms", "top operations"),
            rows,
        )
    cost_rows = {r["size"]: costs(r["usage"], memory) for r in results}
    per_million = {s: {k: v * PER / s for k, v in c.items()} for s, c in cost_rows.items()}
    _table(
        "AWS cost per 1,000,000 postings, all channels "
        f"(us-east-1, arm64, list prices of {prices.PRICES_DATE})",
        ("component", *(f"at {s:,}" for s in sizes)),
        [(k, *(f"${per_million[s][k]:.3f}" for s in sizes)) for k in per_million[sizes[0]]]
        + [("total", *(f"${sum(per_million[s].values()):.2f}" for s in sizes))],
    )
    small, large = sizes[0], sizes[-1]
    verdicts: list[tuple[str, float, float]] = []
    # CPU time, not wall time: the machine is shared, and a run's wall time says as much about the
    # others as about it.
    for name in ("read units", "write units", "cpu ms") if large != small else ():
        verdicts.append(
            (
                f"{name} per posting, {large:,} / {small:,}",
                _ratio(figures[large][name], figures[small][name]),
                MAX_RATIO,
            )
        )
    worst_cost = max(sum(c.values()) for c in per_million.values())
    verdicts.append(("cost per 1,000,000 postings / $5", worst_cost / MAX_COST_PER_MILLION, 1.0))
    print("\nVerdicts (ratios; a target is met when the ratio is at most its limit)")
    for name, ratio, limit in verdicts:
        print(f"  {name:<60} {ratio:6.2f}  (limit {limit:.1f})  {'met' if ratio <= limit else 'MISSED'}")
    dominant = {s: max(c, key=lambda k: c[k]) for s, c in per_million.items()}
    print("  what dominates the cost: " + ", ".join(f"{d} at {s:,}" for s, d in dominant.items()))
    return {
        "per_posting": figures,
        "cost_per_million": per_million,
        "verdicts": verdicts,
        "dominant": dominant,
    }


def markdown(results: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    sizes = [r["size"] for r in results]
    lines = [
        "| per posting | " + " | ".join(f"{s:,} postings" for s in sizes) + " |",
        "|---" * (len(sizes) + 1) + "|",
    ]
    for name in (
        "wall ms",
        "cpu ms",
        "function ms",
        "read units",
        "write units",
        "items read",
        "items written",
        "dynamodb calls",
        "s3 calls",
        "sqs calls",
    ):
        lines.append(
            f"| {name} | " + " | ".join(f"{summary['per_posting'][s][name]:.2f}" for s in sizes) + " |"
        )
    lines.append(
        "| cost per 1,000,000 postings | "
        + " | ".join(f"${sum(summary['cost_per_million'][s].values()):.2f}" for s in sizes)
        + " |"
    )
    return "\n".join(lines)


# -- entry point ----------------------------------------------------------------------------------


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("LOAD_SIZES", "1000,10000"),
        help="postings per run, smallest first (%(default)s)",
    )
    parser.add_argument("--progress", action="store_true", help="show each run's progress bar")
    parser.add_argument("--jobs", type=int, default=1, help="sizes run side by side (%(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "load.json")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    if arguments.one:
        result = measure_one(arguments.one, arguments.work, progress=arguments.progress)
        arguments.result.write_text(json.dumps(result), "utf-8")
        return 0
    sizes = [int(s) for s in arguments.sizes.split(",") if s.strip()]
    memory = memory_sizes()
    print(
        f"running {', '.join(f'{s:,}' for s in sizes)} postings through the embedded stack...",
        file=sys.stderr,
    )
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        results = list(
            pool.map(
                lambda size: run_size(size, progress=arguments.progress),
                sizes,
            )
        )
    failed = [result for result in results if result.get("exit")]
    for result in failed:
        print(f"the run of {result['size']:,} postings failed:\n{result.get('error', '')}", file=sys.stderr)
    results = [result for result in results if not result.get("exit")]
    if not results:
        return 1
    summary = report(results, memory)  # a size alone still gets its figures; ratios need two
    print("\nREADME table:\n" + markdown(results, summary))
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(
        json.dumps(
            {"measured_at": datetime.now(UTC).isoformat(), "results": results, "summary": summary},
            indent=1,
            default=str,
        ),
        "utf-8",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
