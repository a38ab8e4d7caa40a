"""`syndicate pull greenhouse|lever BOARD [--api-url URL] [--defaults FILE]`: a job board as JSON Lines.

One posting a line on standard output; what the ATS said that a posting cannot carry goes to
standard error, one line per job and reason. An unreadable board is one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from syndicate.core.connectors import ATS_NAMES
from syndicate.core.connectors.boards import DefaultsRejected, check_defaults, map_board


def add_arguments(pull: argparse.ArgumentParser) -> None:
    pull.add_argument("ats", choices=ATS_NAMES, help="which ATS the board is on")
    pull.add_argument("board", metavar="BOARD", help="Greenhouse board token or Lever site name")
    pull.add_argument(
        "--api-url",
        default=None,
        metavar="URL",
        help="the board API's base URL (default: the ATS's public API; a local fake for trying it out)",
    )
    pull.add_argument(
        "--defaults",
        default=None,
        metavar="FILE",
        help="JSON object of posting fields the ATS does not carry (hiring_organization, contact_email...)",
    )
    pull.set_defaults(run=run)


def read_defaults(path: str | None) -> dict[str, Any]:
    """The defaults file's object, or DefaultsRejected naming the file and the problem."""
    if path is None:
        return {}
    try:
        return check_defaults(json.loads(Path(path).read_text("utf-8")))
    except OSError as error:
        raise DefaultsRejected(f"{path}: cannot be read ({error.strerror})") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefaultsRejected(f"{path}: not valid JSON ({error})") from error
    except DefaultsRejected as error:
        raise DefaultsRejected(f"{path}: {error}") from error


def run(arguments: argparse.Namespace, now: datetime) -> int:
    del now
    from syndicate.adapters.ats_boards import BoardReader, BoardUnreadable  # noqa: PLC0415 - requests

    try:
        defaults = read_defaults(arguments.defaults)
    except DefaultsRejected as error:
        print(f"syndicate pull: {error}", file=sys.stderr)
        return 2
    try:
        jobs = BoardReader().jobs(arguments.ats, arguments.board, arguments.api_url)
    except BoardUnreadable as error:
        print(f"syndicate pull: {error}", file=sys.stderr)
        return 1
    for mapped in map_board(arguments.ats, jobs, defaults):
        sys.stdout.write(json.dumps(mapped.posting, ensure_ascii=False) + "\n")
        for note in mapped.notes:
            print(f"syndicate pull: {mapped.posting['id']}: {note}", file=sys.stderr)
    sys.stdout.flush()
    return 0
