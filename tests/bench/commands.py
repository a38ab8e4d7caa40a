"""Whole processes: `syndicate validate` and `transform` on a JSON Lines file, and start-up.

Throughput: each command is a fresh process on the same file of realistic postings (closed and
not-ready ones included, as real files have them), stdout to /dev/null, against the floor, a
process that only loads and dumps each line (`floor.py`). Rounds pair the floor with every
command after a dropped warm-up round; each figure is the child's CPU time (user + system, from
`os.wait4`), which other processes taking turns on the machine do not inflate as they do wall
time; the verdict is the median of the per-round ratios to that round's floor.

Memory: every child reports its own peak (`child.py`); each command runs once more on a larger
file (4 times by default, 10 times with `--full`), and streaming keeps the two peaks about equal.

Start-up: `syndicate validate` of a one-posting file against `python -c "import json"`, the
whole process's CPU time (from `os.wait4`), pairs of runs (which goes first alternates); the
verdict is the median of the per-pair ratios, the wall ratio is printed beside it. Children keep bytecode
caches (a user's machine writes them on first run): `PYTHONDONTWRITEBYTECODE` is removed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.postings import NOW_ARGUMENT, REPO, jsonl_lines

FLOOR = "floor: json.loads + json.dumps of each line"
COMMANDS: Mapping[str, tuple[str, ...]] = {
    "syndicate validate": ("validate",),
    "syndicate transform --channel linkedin": ("transform", "--channel", "linkedin"),
    "syndicate transform --channel indeed": ("transform", "--channel", "indeed"),
    "syndicate transform --channel schemaorg": ("transform", "--channel", "schemaorg"),
}
TARGETS = {name: (6.0 if name.endswith("validate") else 8.0) for name in COMMANDS}
MAX_MEMORY_RATIO = 1.3
MAX_STARTUP_RATIO = 5.0


@dataclass(frozen=True)
class Run:
    cpu_seconds: float
    wall_seconds: float
    peak_kib: int
    exit_code: int
    stderr_tail: str


def child_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    paths = (str(REPO / "functions"), str(REPO), env.get("PYTHONPATH", ""))
    env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return env


def run_child(module: str, arguments: Sequence[str], scratch: Path, label: str) -> Run:
    """One fresh process running `module` (as `python -m`) with its CPU time and own peak memory."""
    peak_file = scratch / f"peak-{label}"
    stderr_path = scratch / f"stderr-{label}"
    command = [sys.executable, "-m", "tests.bench.child", str(peak_file), module, *arguments]
    with stderr_path.open("wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(  # our own interpreter and arguments
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=child_env(),
            cwd=REPO,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    peak = int(peak_file.read_text("ascii")) if peak_file.exists() else 0
    tail = stderr_path.read_text("utf-8", errors="replace")[-2000:]
    return Run(usage.ru_utime + usage.ru_stime, wall, peak, os.waitstatus_to_exitcode(status), tail)


def _command_arguments(name: str, path: Path) -> tuple[str, ...]:
    return ("--now", NOW_ARGUMENT, *COMMANDS[name], str(path))


def _write(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(jsonl_lines(count))


# Exit codes: validate and transform exit 1 when a file holds an invalid posting (ours do).
_EXPECTED_EXIT = {0, 1}


def throughput_and_memory(size: int, memory_size: int, rounds: int, jobs: int) -> dict[str, Any]:
    """CPU time and peak memory of each command on `size` postings against the floor, and its
    peak memory on `memory_size` postings."""
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-commands-") as tmp:
        scratch = Path(tmp)
        small, large = scratch / f"postings-{size}.jsonl", scratch / f"postings-{memory_size}.jsonl"
        _write(small, size)
        _write(large, memory_size)
        runs: dict[str, list[Run]] = {name: [] for name in (FLOOR, *COMMANDS)}
        failures: list[str] = []
        for round_number in range(rounds + 1):  # round 0 warms caches and bytecode, and is dropped
            for name, kept in runs.items():
                if name == FLOOR:
                    run = run_child("tests.bench.floor", (str(small),), scratch, f"floor-{round_number}")
                else:
                    label = f"{name.replace(' ', '_')}-{round_number}"
                    run = run_child("syndicate.cli.main", _command_arguments(name, small), scratch, label)
                if run.exit_code not in _EXPECTED_EXIT:
                    failures.append(f"{name} exited {run.exit_code}:\n{run.stderr_tail}")
                if round_number:
                    kept.append(run)

        def large_run(name: str) -> Run:
            label = f"{name.replace(' ', '_')}-large"
            return run_child("syndicate.cli.main", _command_arguments(name, large), scratch, label)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            large_runs = dict(zip(COMMANDS, pool.map(large_run, COMMANDS), strict=True))
        failures += [
            f"{name} on {memory_size} exited {run.exit_code}:\n{run.stderr_tail}"
            for name, run in large_runs.items()
            if run.exit_code not in _EXPECTED_EXIT
        ]
    floor = runs[FLOOR]
    figures: dict[str, Any] = {
        "size": size,
        "memory_size": memory_size,
        "rounds": rounds,
        "failures": failures,
        "floor": {
            "cpu_s_median": round(statistics.median(r.cpu_seconds for r in floor), 3),
            "us_per_posting_median": round(statistics.median(r.cpu_seconds for r in floor) / size * 1e6, 1),
            "peak_mib": round(max(r.peak_kib for r in floor) / 1024, 1),
        },
        "commands": {},
    }
    for name in COMMANDS:
        own = runs[name]
        ratios = [run.cpu_seconds / base.cpu_seconds for run, base in zip(own, floor, strict=True)]
        ratio = statistics.median(ratios)
        peak_small = max(run.peak_kib for run in own)
        peak_large = large_runs[name].peak_kib
        memory_ratio = peak_large / peak_small if peak_small else float("inf")
        figures["commands"][name] = {
            "cpu_s_median": round(statistics.median(r.cpu_seconds for r in own), 3),
            "us_per_posting_median": round(statistics.median(r.cpu_seconds for r in own) / size * 1e6, 1),
            "ratio_median": round(ratio, 2),
            "target_max_ratio": TARGETS[name],
            "target_met": ratio <= TARGETS[name],
            "peak_mib": round(peak_small / 1024, 1),
            "peak_mib_large": round(peak_large / 1024, 1),
            "memory_ratio": round(memory_ratio, 3),
            "memory_target_met": memory_ratio < MAX_MEMORY_RATIO,
        }
    return figures


_FLOOR_STARTUP = ("-c", "import json")


def startup(rounds: int) -> dict[str, Any]:
    """CPU time of `syndicate validate` on one posting against `python -c "import json"`, whole processes."""
    env = child_env()
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-startup-") as tmp:
        one = Path(tmp) / "one.jsonl"
        _write(one, 1)
        validate = ("-m", "syndicate.cli.main", "--now", NOW_ARGUMENT, "validate", str(one))

        def run(arguments: Sequence[str]) -> tuple[float, float]:
            """(CPU, wall) seconds of one whole process."""
            start = time.perf_counter()
            child = subprocess.Popen(  # our own interpreter and arguments
                [sys.executable, *arguments],
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) != 0:
                raise RuntimeError(f"{' '.join(arguments)} exited {os.waitstatus_to_exitcode(status)}")
            return usage.ru_utime + usage.ru_stime, wall

        run(validate)  # writes bytecode caches
        pairs = []
        for number in range(rounds):  # which of the two goes first alternates
            if number % 2:
                command = run(validate)
                floor = run(_FLOOR_STARTUP)
            else:
                floor = run(_FLOOR_STARTUP)
                command = run(validate)
            pairs.append((floor, command))
    ratio = statistics.median(command[0] / floor[0] for floor, command in pairs)
    return {
        "rounds": rounds,
        "verdict": "median of per-pair CPU-time ratios",
        "floor_ms_median": round(statistics.median(floor[0] for floor, _ in pairs) * 1e3, 1),
        "validate_ms_median": round(statistics.median(command[0] for _, command in pairs) * 1e3, 1),
        "wall_ratio_median": round(statistics.median(command[1] / floor[1] for floor, command in pairs), 2),
        "ratio_median": round(ratio, 2),
        "target_max_ratio": MAX_STARTUP_RATIO,
        "target_met": ratio <= MAX_STARTUP_RATIO,
    }
