"""The Lambda functions' handler modules (one per function in template.yaml), thin wiring each.

Python runs this package before any handler module, so it holds the cyclic garbage collector back for
the cold start: the imports, clients and Powertools objects built then live as long as the container,
and the collector would scan them over and over while they are built (about 40 ms of CPU a cold
start; docs/performance.md, "Cold starts (issue 11)"). Each handler module's last statement calls
`cold_start_done()`, which moves all of it out of the collector's reach (`gc.freeze`) and resumes
collection for the invocations.
"""

from __future__ import annotations

import gc

_COLLECTING_BEFORE = gc.isenabled()
gc.disable()


def cold_start_done() -> None:
    """End of a handler module's import: what it built is kept for good; collection resumes."""
    gc.freeze()
    if _COLLECTING_BEFORE:
        gc.enable()
