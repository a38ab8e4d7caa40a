"""`syndicate run [--out DIR] PATH...`: the whole stack on this machine, no AWS account, no Docker.

Uploads each PATH to the embedded stack (infra/runtime), drains it, runs expiry once, and reports
every posting's outcome per channel; the channels are local fakes. Details: docs/design.md,
"The command line".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from syndicate.cli import outdir, sources
from syndicate.cli.pull import read_defaults
from syndicate.cli.run_connections import board_documents, connect_and_poll
from syndicate.core import plan as states
from syndicate.core.model import CHANNELS
from syndicate.settings import TEMPLATE_VARIABLE, CliSettings

if TYPE_CHECKING:
    from infra.runtime import DrainProgress

TEMPLATE_ENV = TEMPLATE_VARIABLE


def find_template() -> Path:
    """template.yaml of this checkout (or $SYNDICATE_TEMPLATE)."""
    configured = CliSettings.from_environ().template
    if configured is not None:
        return configured
    for folder in (Path.cwd(), *Path(__file__).resolve().parents):
        candidate = folder / "template.yaml"
        if candidate.is_file() and (folder / "functions").is_dir():
            return candidate
    raise FileNotFoundError(f"template.yaml not found: run from the repository or set {TEMPLATE_ENV}")


@contextlib.contextmanager
def output_to(log_path: Path) -> Iterator[IO[str]]:
    """Send everything written to file descriptors 1 and 2 to `log_path`; yield the real stdout."""
    with terminal_streams(log_path) as (terminal, _):
        yield terminal


@contextlib.contextmanager
def terminal_streams(log_path: Path) -> Iterator[tuple[IO[str], IO[str]]]:
    """Send everything written to file descriptors 1 and 2 to `log_path`; yield the real stdout
    and stderr.

    Powertools binds its log handler to sys.stdout when a handler module is imported, so only a
    redirect at the descriptor level catches all of it.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", encoding="utf-8", buffering=1)
    terminal_err = os.fdopen(os.dup(saved_err), "w", encoding="utf-8", buffering=1)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Powertools' "no metrics" notes are not the user's business
                yield terminal, terminal_err
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()
            terminal_err.close()


@contextlib.contextmanager
def progress_bar(stream: IO[str], label: str, *, show: bool) -> Iterator[Callable[[DrainProgress], None]]:
    """A bar of the messages the stack has processed out of all it has had so far (the total grows
    as the ingest queues work for the channels); yields the drain's progress listener."""
    from tqdm import tqdm  # noqa: PLC0415 - only `run` shows one

    with tqdm(total=0, desc=label, unit=" messages", file=stream, disable=not show, leave=True) as bar:

        def advance(progress: DrainProgress) -> None:
            bar.total = progress.settled + progress.waiting
            bar.n = progress.settled
            bar.refresh()

        yield advance


@dataclass(frozen=True, slots=True)
class Row:
    posting: str
    channel: str
    outcome: str
    detail: str = ""

    @property
    def final(self) -> bool:
        return self.outcome not in {states.PENDING, states.QUEUED, states.SUBMITTED}


def upload_keys(paths: list[str]) -> list[str]:
    """`incoming/<file name>`, made unique when two paths share a name."""
    keys: list[str] = []
    for number, path in enumerate(paths, start=1):
        key = f"incoming/{Path(path).name}"
        keys.append(key if key not in keys else f"incoming/{number}-{Path(path).name}")
    return keys


def add_delivery_arguments(parser: argparse.ArgumentParser) -> None:
    """The deployment parameters of the channel deliveries, for the local stack (`run`, `serve`)."""
    parser.add_argument(
        "--linkedin-delivery",
        choices=("api", "feed"),
        default="api",
        help="LinkedIn Job Posting API (fake, over HTTP) or LinkedIn's XML feed (default: %(default)s)",
    )
    parser.add_argument(
        "--google-indexing",
        choices=("enabled", "disabled"),
        default="enabled",
        help="notify the (fake) Google Indexing API of job pages (default: %(default)s)",
    )


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: when stderr is a terminal)",
    )


def stack_parameters(arguments: argparse.Namespace) -> dict[str, str]:
    """The template parameters of a local run (`run` and `serve` share them)."""
    return {
        "SiteBaseUrl": arguments.site_base_url,
        "FeedPublisher": arguments.publisher,
        "FeedPublisherUrl": arguments.publisher_url,
        "LinkedInDelivery": getattr(arguments, "linkedin_delivery", "api"),
        "GoogleIndexing": getattr(arguments, "google_indexing", "enabled"),
    }


def run(arguments: argparse.Namespace, now: datetime) -> int:
    del now  # the functions read the clock themselves, as they do in AWS
    if sources.STDIN in arguments.paths:
        print("syndicate run: uploads need files; save standard input to a file first", file=sys.stderr)
        return 2
    arguments.paths = list(sources.expand(arguments.paths))
    missing = [path for path in arguments.paths if not Path(path).is_file()]
    if missing:
        print(f"syndicate run: no posting file at: {', '.join(missing)}", file=sys.stderr)
        return 2
    connections = getattr(arguments, "connection", [])
    if not arguments.paths and not connections:
        print("syndicate run: give posting files, a --connection, or both", file=sys.stderr)
        return 2
    try:
        local_boards = board_documents(connections)
        connection_defaults = read_defaults(getattr(arguments, "connection_defaults", None))
    except (OSError, ValueError) as problem:
        print(f"syndicate run: {problem}", file=sys.stderr)
        return 2
    out = Path(arguments.out)
    try:
        outdir.prepare(out)
    except outdir.OutputDirRefused as refused:
        print(f"syndicate run: --out: {refused}", file=sys.stderr)
        return 2
    parameters = stack_parameters(arguments)
    # moto and the fakes are heavy and only needed here
    from infra.fakes.ats import FakeAtsBoards  # noqa: PLC0415
    from infra.fakes.local import LocalChannelApis  # noqa: PLC0415
    from infra.runtime import EmbeddedStack  # noqa: PLC0415

    with terminal_streams(out / "logs" / "functions.log") as (terminal, terminal_err):
        show_progress = arguments.progress if arguments.progress is not None else terminal_err.isatty()
        with (
            LocalChannelApis.running(record_dir=out) as apis,
            FakeAtsBoards() as boards,
            EmbeddedStack.from_template(find_template(), parameters) as stack,
        ):
            apis.connect(stack)
            for local, jobs in local_boards.items():
                getattr(boards, local.ats)[local.board] = jobs
            keys = upload_keys(arguments.paths)
            for number, (path, key) in enumerate(zip(arguments.paths, keys, strict=True), start=1):
                print(f"[{number}/{len(keys)}] {path} -> s3://…/{key}", file=terminal)
                stack.upload(Path(path), key)
                with progress_bar(terminal_err, Path(path).name, show=show_progress) as on_progress:
                    drained = stack.drain(on_progress=on_progress)
                calls = sum(drained.invocations.values())
                print(f"        {calls} function invocations, {drained.rounds} rounds", file=terminal)
            if connections:
                keys += connect_and_poll(stack, boards, connections, connection_defaults, terminal)
            expiry = stack.run_schedule("ExpiryFunction", arguments.expire_at)
            drained = stack.drain()
            print(
                f"expiry run as at {expiry['now']}: {expiry['expired']} posting(s) taken down, "
                f"{sum(drained.invocations.values())} function invocations",
                file=terminal,
            )
            rows = collect(stack, out, keys)
            parked = parked_messages(stack)
        print_table(rows, out, terminal)
        for queue, count in parked.items():
            print(
                f"dead-letter queue {queue}: {count} message(s) kept after 5 failed attempts", file=terminal
            )
    stuck = [row for row in rows if not row.final]
    return 0 if not stuck and not parked else 1


def parked_messages(stack: Any) -> dict[str, int]:
    """Messages waiting in each dead-letter queue of the stack (the queues other queues redrive to)."""
    dead_letter_queues = {q.redrive.dead_letter_queue for q in stack.model.queues.values() if q.redrive}
    return {
        queue: depth for queue, depth in stack.queue_depths().items() if queue in dead_letter_queues and depth
    }


def collect(stack: Any, out: Path, keys: list[str]) -> list[Row]:
    """Copy what the stack published into `out` (the fakes wrote what the APIs received themselves)."""
    # Here, not at the top: every `syndicate` command imports this module, and boto3 is slow to load.
    from syndicate.adapters.state import StateTable  # noqa: PLC0415
    from syndicate.pipeline.ingest_service import REPORTS_PREFIX  # noqa: PLC0415

    stack.download_prefix("IntakeBucket", REPORTS_PREFIX, out / "reports")
    stack.download_prefix("FeedBucket", "indeed/", out / "indeed")
    stack.download_prefix("FeedBucket", "linkedin/", out / "linkedin")  # the XML feed, in feed mode
    stack.download_prefix("SiteBucket", "", out / "site")
    table = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"])
    saved = {item["posting_id"]: item for item in table.all_postings()}
    (out / "state.json").write_text(json.dumps(saved, indent=2, default=str, ensure_ascii=False) + "\n")
    dead = dead_letters(stack, saved)
    rows: list[Row] = []
    for key in keys:
        receipt_path = out / "reports" / f"{key}.json"
        if not receipt_path.is_file():
            rows.append(
                Row(key, "-", "failed", "the upload was not processed (see the ingest dead-letter queue)")
            )
            continue
        rows.extend(receipt_rows(json.loads(receipt_path.read_text("utf-8")), saved, dead))
    return rows


def dead_letters(stack: Any, saved: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(posting, channel) -> why its message waits in the channel's dead-letter queue (the reason the
    publisher noted last, when it noted one)."""
    found: dict[tuple[str, str], str] = {}
    for queue in ("LinkedInQueue", "IndeedQueue", "SchemaOrgQueue"):
        for body in stack.dead_letters(queue):
            with contextlib.suppress(ValueError, KeyError, TypeError):
                message = json.loads(body)
                key = (message["posting_id"], message["channel"])
                entry = saved.get(key[0], {}).get("channels", {}).get(key[1], {})
                reason = str(entry.get("last_error") or "")
                found[key] = "in the dead-letter queue" + (f": {reason}" if reason else "")
    return found


def receipt_rows(
    receipt: dict[str, Any], saved: dict[str, Any], dead: dict[tuple[str, str], str]
) -> list[Row]:
    rows = [Row(receipt["source"], "-", "rejected", error) for error in receipt.get("file_errors", [])]
    for entry in receipt.get("postings", []):
        name = entry.get("id") or f"{entry['source']} #{entry['index']}"
        if not entry["valid"]:
            first = entry["errors"][0]
            more = f" (+{len(entry['errors']) - 1} more)" if len(entry["errors"]) > 1 else ""
            rows.append(Row(name, "-", "rejected", f"{first['pointer'] or '/'}: {first['message']}{more}"))
            continue
        channels = saved.get(entry["id"], {}).get("channels", {})
        for channel in CHANNELS:
            if (entry["id"], channel) in dead:
                rows.append(Row(name, channel, "dead-letter", dead[(entry["id"], channel)]))
                continue
            state = channels.get(channel, {})
            detail = state.get("reason", "") or state.get("last_error", "")
            rows.append(Row(name, channel, state.get("state", "unknown"), detail))
    return rows


def print_table(rows: list[Row], out: Path, terminal: IO[str]) -> None:
    unique = list(dict.fromkeys(rows))
    width = max([len("posting"), *(len(row.posting) for row in unique)])
    print(f"\n{'posting':<{width}}  {'channel':<9}  outcome", file=terminal)
    for row in unique:
        detail = f": {row.detail}" if row.detail else ""
        print(f"{row.posting:<{width}}  {row.channel:<9}  {row.outcome}{detail}", file=terminal)
    linkedin_feed = out / "linkedin" / "feed.xml"
    linkedin = (
        f"LinkedIn XML feed: {linkedin_feed}"
        if linkedin_feed.is_file()
        else f"LinkedIn API requests received: {out / 'linkedin' / 'requests.jsonl'}"
    )
    print(
        f"\nReceipts: {out / 'reports'}\nIndeed feed: {out / 'indeed' / 'feed.xml'}\n"
        f"Job pages and sitemap: {out / 'site'}\n{linkedin}\n"
        f"Google notifications received: {out / 'google' / 'notifications.jsonl'}\n"
        f"State: {out / 'state.json'}\nFunction logs: {out / 'logs' / 'functions.log'}",
        file=terminal,
    )
