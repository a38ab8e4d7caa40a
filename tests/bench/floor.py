"""The whole-process floor for the commands: load each JSON line and dump it again, to stdout.

`python -m tests.bench.floor FILE...`: what any command must at least do with a JSON Lines file
(read it, parse each posting, write something of its size), in the same kind of process.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    out = sys.stdout
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                out.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
