"""The output directory of `syndicate run` and `syndicate serve`: replaced only if it is their own.

Each run starts from an empty DIR, so an earlier run's outputs are cleared first. The tool clears a
directory only when it holds the marker file it writes into every DIR it creates: anything else that
already has content (a clone, a home directory, `.`) is refused with a message, never deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".syndicate-output"
_MARKER_TEXT = (
    "This directory holds the outputs of `syndicate run` or `syndicate serve`.\n"
    "They replace everything in it on their next run with --out pointing here.\n"
)


class OutputDirRefused(Exception):
    """DIR cannot be used; the message says why and what to do."""


def prepare(out: Path) -> None:
    """Make `out` an empty output directory carrying the marker, or raise OutputDirRefused."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputDirRefused(f"{out} exists and is not a directory; choose a directory for --out")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise OutputDirRefused(
                f"{out} is not empty and is not an earlier output of syndicate (no {MARKER} file in it); "
                "nothing was deleted. Choose a new or empty directory for --out"
            )
        shutil.rmtree(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    except OSError as error:
        raise OutputDirRefused(f"cannot write to {out}: {error.strerror or error}") from None
