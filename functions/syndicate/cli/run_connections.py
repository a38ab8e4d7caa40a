"""`syndicate run --connection ATS:BOARD[=FILE]`: connect job boards to the local stack and poll them once.

Registered as the deployed stack expects a connection, then polled through the same intake; `=FILE`
serves the board from the local fake ATS (docs/design.md, "The command line").
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from syndicate.core.connectors import ATS_NAMES

if TYPE_CHECKING:
    from infra.fakes.ats import FakeAtsBoards
    from infra.runtime import EmbeddedStack

POLL_FUNCTION = "AtsPollFunction"


@dataclass(frozen=True, slots=True)
class LocalConnection:
    ats: str
    board: str
    board_file: Path | None

    @property
    def id(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "-", f"{self.ats}-{self.board}")[:64]


def connection(text: str) -> LocalConnection:
    """argparse type of `--connection`: ATS:BOARD or ATS:BOARD=FILE."""
    ats, separator, rest = text.partition(":")
    board, _, file = rest.partition("=")
    if not separator or ats not in ATS_NAMES or not board:
        raise argparse.ArgumentTypeError(
            f"expected greenhouse:BOARD or lever:SITE (optionally =FILE), got {text!r}"
        )
    return LocalConnection(ats, board, Path(file) if file else None)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connection",
        action="append",
        type=connection,
        default=[],
        metavar="ATS:BOARD[=FILE]",
        help="connect a Greenhouse board or Lever site and poll it once after the uploads; with =FILE the "
        "board is served from FILE by a local fake ATS",
    )
    parser.add_argument(
        "--connection-defaults",
        default=None,
        metavar="FILE",
        help="JSON object of posting fields the connected boards do not carry (hiring_organization...)",
    )


def board_documents(connections: list[LocalConnection]) -> dict[LocalConnection, list[dict[str, Any]]]:
    """The local boards' jobs, read from their files (OSError and ValueError say which file)."""
    documents: dict[LocalConnection, list[dict[str, Any]]] = {}
    for local in connections:
        if local.board_file is None:
            continue
        document = json.loads(local.board_file.read_text("utf-8"))
        jobs = document.get("jobs") if isinstance(document, dict) else document
        if not isinstance(jobs, list):
            raise ValueError(f"{local.board_file}: not a {local.ats} board answer")
        documents[local] = jobs
    return documents


def connect_and_poll(
    stack: EmbeddedStack,
    boards: FakeAtsBoards,
    connections: list[LocalConnection],
    defaults: dict[str, Any],
    terminal: IO[str],
) -> list[str]:
    """Register the connections, run the poll once, drain; the upload keys the poll wrote."""
    import boto3  # noqa: PLC0415 - only a local run with connections needs it here

    ssm = boto3.client("ssm", region_name=stack.model.region)
    path = stack.environment(POLL_FUNCTION)["CONNECTIONS_PARAMETER_PATH"]
    for local in connections:
        value: dict[str, Any] = {"ats": local.ats, "board": local.board, "defaults": defaults}
        if local.board_file is not None:
            value["api_url"] = boards.api_url(local.ats)
        ssm.put_parameter(Name=f"{path}/{local.id}", Value=json.dumps(value), Type="String", Overwrite=True)
    result = stack.run_schedule(POLL_FUNCTION)
    drained = stack.drain()
    keys: list[str] = []
    for report in result["connections"]:
        if report["error"]:
            print(f"connection {report['connection']}: not synced: {report['error']}", file=terminal)
            continue
        counts = f"{report['jobs']} job(s) on the board, {report['sent']} sent, {report['closed']} closed"
        print(f"connection {report['connection']}: {counts}", file=terminal)
        for note in report["notes"]:
            print(f"        {note}", file=terminal)
        if report["upload_key"]:
            keys.append(report["upload_key"])
    print(f"        {sum(drained.invocations.values())} function invocations", file=terminal)
    return keys
