"""The `syndicate` command line.

Exit codes: 0 all good, 1 a posting was invalid or a file could not be read as postings,
2 wrong usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from syndicate.cli import pull, run, run_connections, serve, sign, sources, status

Command = Callable[[argparse.Namespace, datetime], int]


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import version  # noqa: PLC0415 - only for --version

        print(f"syndicate {version('syndicate')}")
        parser.exit()


def _command(module: str) -> Command:
    """`syndicate.cli.<module>.run`, imported when the command runs: a command loads only what it
    uses (`validate` never loads boto3; tests/unit/test_import_budget.py holds it to that)."""

    def run_command(arguments: argparse.Namespace, now: datetime) -> int:
        command: Command = importlib.import_module(f"syndicate.cli.{module}").run
        return command(arguments, now)

    return run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syndicate",
        description="Publish job postings once: validate and render them for LinkedIn, Indeed and Google.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--now",
        type=_instant,
        default=None,
        help="the current time to assume (ISO 8601), for reproducible output; default: the clock",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "validate", help="check postings against the contract and each channel's rules"
    )
    check.add_argument("--json", action="store_true", help="print one JSON array with a report per posting")
    sources.add_path_arguments(check)
    check.set_defaults(run=_command("validate"))

    render = commands.add_parser("transform", help="render the valid, ready postings for one channel")
    render.add_argument("--channel", required=True, choices=("linkedin", "indeed", "schemaorg"))
    render.add_argument(
        "--publisher", default="Syndicate", help="Indeed feed <publisher> (default: %(default)s)"
    )
    render.add_argument(
        "--publisher-url",
        default="https://example.org/",
        help="Indeed feed <publisherurl> (default: %(default)s)",
    )
    sources.add_path_arguments(render)
    render.set_defaults(run=_command("transform"))

    stack = commands.add_parser(
        "run", help="run the whole stack locally (embedded AWS on moto): upload, ingest, publish"
    )
    stack.add_argument(
        "--out", default="out", metavar="DIR", help="where to put what was published (default: out)"
    )
    stack.add_argument(
        "--site-base-url", default="https://jobs.example.org/", help="public URL of the job pages"
    )
    stack.add_argument("--publisher", default="Syndicate", help="Indeed feed <publisher>")
    stack.add_argument("--publisher-url", default="https://example.org/", help="Indeed feed <publisherurl>")
    run.add_delivery_arguments(stack)
    run.add_progress_argument(stack)
    stack.add_argument(
        "--expire-at",
        type=_instant,
        default=None,
        metavar="TIME",
        help="run the expiry schedule, after the uploads, as at this time (ISO 8601; default: now)",
    )
    run_connections.add_arguments(stack)
    stack.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="posting files, uploaded in this order; a folder stands for its posting files (sorted)",
    )
    stack.set_defaults(run=_command("run"))

    show = commands.add_parser(
        "preview", help="write an HTML report: every posting side by side as each channel gets it"
    )
    show.add_argument("--out", required=True, metavar="DIR", help="where to write index.html and the pages")
    sources.add_path_arguments(show)
    show.set_defaults(run=_command("preview"))

    serve.add_parser(commands)
    sign.add_parser(commands)
    status.add_parser(commands)
    pull.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    now = arguments.now or datetime.now(UTC)
    try:
        code: int = arguments.run(arguments, now)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `syndicate transform ... | head` is a normal way to look at output
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
