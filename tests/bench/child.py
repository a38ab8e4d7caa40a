"""Run a module as `python -m` would, and write the process's own peak memory to a file at exit.

`python -m tests.bench.child PEAK_FILE MODULE [ARGUMENTS...]`

Why not the parent's `os.wait4`: Linux carries a process's peak resident set size across
`exec`, so a child started from a large parent reports the parent's peak (a benchmark parent of
70+ MiB hid every child's real figure). `VmHWM` in /proc/self/status is the peak of this
process's own address space, from its `exec` on. Elsewhere the child's `getrusage` is used, with
that caveat.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def own_peak_kib() -> int:
    """This process's peak resident set size in KiB, since it was exec'd where the OS says so."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def main() -> None:
    peak_file, module, *arguments = sys.argv[1:]
    atexit.register(lambda: Path(peak_file).write_text(str(own_peak_kib()), "ascii"))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
