"""`syndicate status ID [--out DIR | --table NAME | --url URL]`: where a posting stands, per channel.

Reads the state where it is (an output folder, a deployed table, a running webhook) and prints the
same document from all three (pipeline.posting_status). Exit 0 when the posting is known, 1 when not.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from syndicate.cli.sign import SecretUnavailable, add_secret_arguments, read_secrets
from syndicate.core import signature
from syndicate.pipeline.posting_status import describe, status_document

DEFAULT_SECRET_ENV = "SYNDICATE_SECRET"  # noqa: S105 - a variable name, not a secret
DEFAULT_CLIENT = "local"
HTTP_TIMEOUT_SECONDS = 60


class StatusUnavailable(Exception):
    """The source could not answer; the message says which and why."""


def add_arguments(status: argparse.ArgumentParser) -> None:
    status.add_argument("posting_id", metavar="ID", help="the posting's id")
    where = status.add_mutually_exclusive_group()
    where.add_argument(
        "--out", metavar="DIR", help="read DIR/state.json from `syndicate run --out DIR` (default: out)"
    )
    where.add_argument("--url", metavar="URL", help="ask a running webhook, e.g. http://127.0.0.1:8080")
    where.add_argument("--table", metavar="NAME", help="read a deployed stack's state table (boto3)")
    status.add_argument(
        "--client", default=DEFAULT_CLIENT, help="webhook client id, with --url (default: %(default)s)"
    )
    add_secret_arguments(status, default_env=DEFAULT_SECRET_ENV)
    status.add_argument("--site-base-url", default=None, help="job pages' base URL, with --out or --table")
    status.add_argument("--json", action="store_true", help="print the status document as JSON")
    status.set_defaults(run=run)


def looked_in(arguments: argparse.Namespace) -> str:
    """Where `run` looks for the posting, as a reader would name the place."""
    if arguments.url:
        return f"the webhook's answer from {posting_url(arguments.url, arguments.posting_id)}"
    if arguments.table:
        return f"the state table {arguments.table}"
    out = Path(arguments.out or "out")
    return f"{out / 'state.json'} (written by syndicate run --out {out})"


def run(arguments: argparse.Namespace, now: datetime) -> int:
    try:
        if arguments.url:
            document = from_api(
                arguments.url,
                arguments.posting_id,
                arguments.client,
                read_secrets(arguments, default_env=DEFAULT_SECRET_ENV),
                int(now.timestamp()),
            )
        elif arguments.table:
            document = from_table(arguments.table, arguments.posting_id, arguments.site_base_url)
        else:
            document = from_state_file(
                Path(arguments.out or "out"), arguments.posting_id, arguments.site_base_url
            )
    except (StatusUnavailable, SecretUnavailable) as problem:
        print(f"syndicate status: {problem}", file=sys.stderr)
        return 1
    if document is None:
        where = looked_in(arguments)
        print(f"syndicate status: no posting {arguments.posting_id!r} in {where}", file=sys.stderr)
        return 1
    if arguments.json:
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(describe(document))
    return 0


def from_state_file(out: Path, posting_id: str, site_base_url: str | None) -> dict[str, Any] | None:
    path = out / "state.json"
    try:
        saved = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise StatusUnavailable(f"{path} does not exist: run `syndicate run --out {out} ...` first") from None
    except (OSError, ValueError) as problem:
        raise StatusUnavailable(f"cannot read {path}: {problem}") from None
    item = saved.get(posting_id) if isinstance(saved, dict) else None
    return status_document(item, site_base_url) if isinstance(item, dict) else None


def from_table(table: str, posting_id: str, site_base_url: str | None) -> dict[str, Any] | None:
    import boto3  # noqa: PLC0415 - only this source needs AWS
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from syndicate.adapters.state import StateTable  # noqa: PLC0415

    try:
        item = StateTable(boto3.client("dynamodb"), table).get(posting_id)
    except (BotoCoreError, ClientError) as problem:
        raise StatusUnavailable(f"cannot read table {table}: {problem}") from None
    return status_document(item, site_base_url) if item is not None else None


def posting_url(base_url: str, posting_id: str) -> str:
    from syndicate.pipeline.webhook_service import POSTINGS_PATH  # noqa: PLC0415 - it loads boto3

    return f"{base_url.rstrip('/')}{POSTINGS_PATH}/{quote(posting_id, safe='')}"


def from_api(
    base_url: str, posting_id: str, client: str, secrets: list[str], now: int
) -> dict[str, Any] | None:
    from syndicate.pipeline.webhook_service import CLIENT_HEADER  # noqa: PLC0415 - it loads boto3

    url = posting_url(base_url, posting_id)
    if not url.startswith(("http://", "https://")):
        raise StatusUnavailable(f"{base_url} is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        headers={
            CLIENT_HEADER: client,
            signature.HEADER: signature.header_value(secrets, now, b""),
        },
        method="GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            document: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return document
    except urllib.error.HTTPError as failure:
        if failure.code == 404:
            return None
        raise StatusUnavailable(f"{url} answered {failure.code}: {_message(failure.read())}") from None
    except (urllib.error.URLError, OSError, ValueError) as problem:
        raise StatusUnavailable(f"cannot reach {url}: {problem}") from None


def _message(body: bytes) -> str:
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        return body.decode("utf-8", "replace")[:200]
    return str(answer.get("message", answer)) if isinstance(answer, dict) else str(answer)[:200]
