"""`syndicate sign (--secret-env VAR | --secret-file PATH)... FILE`: a Syndicate-Signature header value.

Prints `t=<now>,v1=<hex>` for FILE's exact bytes, one `v1` per secret. Secrets never come from the
command line, where any user of the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from syndicate.core import signature
from syndicate.settings import CliSettings


class SecretUnavailable(Exception):
    """The secret could not be read; the message says from where and why (never the secret)."""


def add_arguments(sign: argparse.ArgumentParser) -> None:
    add_secret_arguments(sign)
    sign.add_argument("--timestamp", type=int, default=None, help="unix time to sign with (default: now)")
    sign.add_argument("file", metavar="FILE", help="the exact request body; '-' for standard input")
    sign.set_defaults(run=run)


def add_secret_arguments(parser: argparse.ArgumentParser, *, default_env: str | None = None) -> None:
    parser.add_argument(
        "--secret-env",
        action="append",
        metavar="VAR",
        default=None,
        help="environment variable holding a client secret (repeat while rotating)"
        + (f" (default: {default_env})" if default_env else ""),
    )
    parser.add_argument(
        "--secret-file",
        action="append",
        metavar="PATH",
        default=None,
        help="file holding a client secret on its first line (repeat while rotating)",
    )


def read_secrets(arguments: argparse.Namespace, *, default_env: str | None = None) -> list[str]:
    variables: list[str] = list(arguments.secret_env or [])
    files: list[str] = list(arguments.secret_file or [])
    if not variables and not files and default_env:
        variables = [default_env]
    secrets: list[str] = []
    for variable in variables:
        value = CliSettings.from_environ().secret(variable)
        if value is None:
            raise SecretUnavailable(f"the environment variable {variable} is not set or empty")
        secrets.append(value)
    for path in files:
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as problem:
            raise SecretUnavailable(f"cannot read the secret file {path}: {problem}") from None
        value = lines[0].strip() if lines else ""
        if not value:
            raise SecretUnavailable(f"the secret file {path} is empty")
        secrets.append(value)
    if not secrets:
        raise SecretUnavailable("give --secret-env VAR or --secret-file PATH")
    return secrets


def run(arguments: argparse.Namespace, now: datetime) -> int:
    try:
        secrets = read_secrets(arguments)
    except SecretUnavailable as problem:
        print(f"syndicate sign: {problem}", file=sys.stderr)
        return 2
    try:
        body = sys.stdin.buffer.read() if arguments.file == "-" else Path(arguments.file).read_bytes()
    except OSError as problem:
        print(f"syndicate sign: cannot read {arguments.file}: {problem.strerror or problem}", file=sys.stderr)
        return 2
    timestamp = arguments.timestamp if arguments.timestamp is not None else int(now.timestamp())
    print(signature.header_value(secrets, timestamp, body))
    return 0
