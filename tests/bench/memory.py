"""Peak memory of `syndicate validate` on JSON Lines files of growing size.

Each run is a fresh child process (`python -m syndicate.cli.main`), stdout to /dev/null, and its
peak resident set size comes from `os.wait4`, which returns the resource usage of that one child
(unlike `getrusage(RUSAGE_CHILDREN)`, a maximum over every child ever waited for).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.postings import EXAMPLE_FILES, NOW_ARGUMENT, REPO, jsonl_lines

MODES = {"human": (), "json": ("--json",)}


@dataclass(frozen=True)
class Run:
    mode: str
    lines: int  # 0 for the baseline run on the bundled examples
    peak_rss_kib: int
    seconds: float
    exit_code: int
    stderr_tail: str

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_kib / 1024

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "lines": self.lines,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "seconds": round(self.seconds, 2),
            "exit_code": self.exit_code,
        }


def write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(jsonl_lines(count))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    functions = str(REPO / "functions")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (functions, env.get("PYTHONPATH", "")) if p)
    return env


def measure(mode: str, lines: int, paths: Sequence[Path], scratch: Path) -> Run:
    command = [
        sys.executable,
        "-m",
        "syndicate.cli.main",
        "--now",
        NOW_ARGUMENT,
        "validate",
        *MODES[mode],
        *map(str, paths),
    ]
    stderr_path = scratch / f"stderr-{mode}-{lines}.txt"
    with stderr_path.open("wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(  # our own interpreter and arguments
            command, stdout=subprocess.DEVNULL, stderr=stderr, env=_child_env(), cwd=REPO
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    tail = stderr_path.read_text("utf-8", errors="replace")[-2000:]
    return Run(mode, lines, peak, seconds, child.returncode, tail)


def peak_memory(sizes: Sequence[int], jobs: int) -> list[Run]:
    """Baseline (the bundled examples) and every size, in both output modes.

    Runs `jobs` children at a time, biggest first: peak RSS is per process, so running two
    side by side does not change it (only their wall-clock seconds).
    """
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as tmp:
        scratch = Path(tmp)
        files: dict[int, list[Path]] = {0: list(EXAMPLE_FILES)}
        for size in sizes:
            path = scratch / f"postings-{size}.jsonl"
            write_jsonl(path, size)
            files[size] = [path]
        plan = [(mode, size) for size in sorted(files, reverse=True) for mode in MODES]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(measure, mode, size, files[size], scratch) for mode, size in plan]
            return [future.result() for future in futures]
