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


# Every command with its one-line help, in the order `syndicate --help` lists them.
COMMAND_HELP = {
    "validate": "check postings against the contract and each channel's rules",
    "transform": "render the valid, ready postings for one channel",
    "run": "run the whole stack locally (embedded AWS on moto): upload, ingest, publish",
    "preview": "write an HTML report: every posting side by side as each channel gets it",
    "serve": "serve the ATS webhook on 127.0.0.1 against the embedded stack",
    "sign": "print the Syndicate-Signature header value for a request body (a file)",
    "status": "show a posting's version and its state on each channel",
    "pull": "read a Greenhouse or Lever job board and print its jobs as postings (JSON Lines)",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line. With `command`, only that command's arguments are defined (the others are
    listed with their help): defining one imports its module, and start-up loads no other's."""
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
    for name, help_text in COMMAND_HELP.items():
        subparser = commands.add_parser(name, help=help_text)
        if command in (None, name):
            _ARGUMENTS[name](subparser)
    return parser


def asked_command(argv: Sequence[str]) -> str | None:
    """The command `argv` names (its first word that is not an option or the value of --now)."""
    after_now = False
    for word in argv:
        if after_now:
            after_now = False
        elif word == "--now":
            after_now = True
        elif not word.startswith("-"):
            return word if word in COMMAND_HELP else None
    return None


def _validate_arguments(check: argparse.ArgumentParser) -> None:
    from syndicate.cli import sources  # noqa: PLC0415 - see build_parser

    check.add_argument("--json", action="store_true", help="print one JSON array with a report per posting")
    sources.add_path_arguments(check)
    check.set_defaults(run=_command("validate"))


def _transform_arguments(render: argparse.ArgumentParser) -> None:
    from syndicate.cli import sources  # noqa: PLC0415 - see build_parser

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


def _run_arguments(stack: argparse.ArgumentParser) -> None:
    from syndicate.cli import run, run_connections  # noqa: PLC0415 - see build_parser

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


def _preview_arguments(show: argparse.ArgumentParser) -> None:
    from syndicate.cli import sources  # noqa: PLC0415 - see build_parser

    show.add_argument("--out", required=True, metavar="DIR", help="where to write index.html and the pages")
    sources.add_path_arguments(show)
    show.set_defaults(run=_command("preview"))


def _own_arguments(module: str) -> Callable[[argparse.ArgumentParser], None]:
    """A command whose module defines its own arguments (`add_arguments`)."""

    def define(subparser: argparse.ArgumentParser) -> None:
        importlib.import_module(f"syndicate.cli.{module}").add_arguments(subparser)

    return define


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "validate": _validate_arguments,
    "transform": _transform_arguments,
    "run": _run_arguments,
    "preview": _preview_arguments,
    **{name: _own_arguments(name) for name in ("serve", "sign", "status", "pull")},
}


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    arguments = build_parser(asked_command(words)).parse_args(words)
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
