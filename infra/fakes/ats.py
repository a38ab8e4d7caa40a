"""Fake ATS job boards on 127.0.0.1, over real HTTP: Greenhouse's Job Board API and Lever's postings API.

Documented answer shapes and per-board faults; usage, and how to run it alone for `syndicate pull`:
docs/local-runtime.md, "Greenhouse and Lever job boards".
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self, cast
from urllib.parse import parse_qs, unquote

from infra.fakes.serving import BackgroundServer

GREENHOUSE_PREFIX = "/greenhouse/v1/boards/"
LEVER_PREFIX = "/lever/v0/postings/"
_BOARD_ONLY_WITH_CONTENT = ("content", "departments", "offices")


class Fault(StrEnum):
    NOT_FOUND = "not_found"
    SERVER_ERROR = "server_error"
    SLOW = "slow"
    MALFORMED = "malformed"


@dataclass
class _Planned:
    fault: Fault
    remaining: int | None  # None: until cleared


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0


class FakeAtsBoards:
    def __init__(self, *, slow_seconds: float = 2.0) -> None:
        self.greenhouse: dict[str, list[dict[str, Any]]] = {}
        self.lever: dict[str, list[dict[str, Any]]] = {}
        self.slow_seconds = slow_seconds
        self.requests: Counter[str] = Counter()  # "greenhouse:acme" -> requests served
        self._faults: dict[str, _Planned] = {}
        self._lock = threading.Lock()
        self._serving: BackgroundServer | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        if self._serving is None:
            self._serving = BackgroundServer(_Server(self, port))
        return self

    def stop(self) -> None:
        serving, self._serving = self._serving, None
        if serving is not None:
            serving.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._serving is None:
            raise RuntimeError("FakeAtsBoards is not started")
        return self._serving.url

    @property
    def greenhouse_url(self) -> str:
        """What `--api-url` is for Greenhouse: boards are below it."""
        return f"{self.root_url}{GREENHOUSE_PREFIX.rstrip('/')}"

    @property
    def lever_url(self) -> str:
        return f"{self.root_url}{LEVER_PREFIX.rstrip('/')}"

    def api_url(self, ats: str) -> str:
        return self.greenhouse_url if ats == "greenhouse" else self.lever_url

    # --- faults -----------------------------------------------------------------------------------

    def fail(self, ats: str, board: str, fault: Fault, times: int | None = 1) -> None:
        with self._lock:
            self._faults[f"{ats}:{board}"] = _Planned(fault, times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _fault_for(self, key: str) -> Fault | None:
        with self._lock:
            planned = self._faults.get(key)
            if planned is None:
                return None
            if planned.remaining is not None:
                planned.remaining -= 1
                if planned.remaining <= 0:
                    del self._faults[key]
            return planned.fault

    # --- the APIs ---------------------------------------------------------------------------------

    def handle(self, path: str, query: str) -> _Answer:
        parameters = parse_qs(query)
        if path.startswith(GREENHOUSE_PREFIX) and path.endswith("/jobs"):
            board = unquote(path[len(GREENHOUSE_PREFIX) : -len("/jobs")])
            return self._answer("greenhouse", board, lambda: self._greenhouse(board, parameters))
        if path.startswith(LEVER_PREFIX) and "/" not in path[len(LEVER_PREFIX) :]:
            board = unquote(path[len(LEVER_PREFIX) :])
            return self._answer("lever", board, lambda: self._lever(board, parameters))
        return _json(404, {"status": 404, "error": "Not Found"})

    def _answer(self, ats: str, board: str, normal: Any) -> _Answer:
        key = f"{ats}:{board}"
        with self._lock:
            self.requests[key] += 1
        fault = self._fault_for(key)
        if fault is Fault.NOT_FOUND:
            return _not_found(ats)
        if fault is Fault.SERVER_ERROR:
            return _json(503, {"status": 503, "error": "Service Unavailable"})
        if fault is Fault.MALFORMED:
            return _Answer(200, b'{"jobs": [{"id": 1, "title": "cut off')
        answer: _Answer = normal()
        if fault is Fault.SLOW:
            return _Answer(answer.status, answer.body, answer.content_type, self.slow_seconds)
        return answer

    def _greenhouse(self, board: str, parameters: dict[str, list[str]]) -> _Answer:
        jobs = self.greenhouse.get(board)
        if jobs is None:
            return _not_found("greenhouse")
        with_content = parameters.get("content", ["false"])[-1].lower() == "true"
        shown = [
            job if with_content else {k: v for k, v in job.items() if k not in _BOARD_ONLY_WITH_CONTENT}
            for job in jobs
        ]
        return _json(200, {"jobs": shown, "meta": {"total": len(shown)}})

    def _lever(self, board: str, parameters: dict[str, list[str]]) -> _Answer:
        postings = self.lever.get(board)
        if postings is None:
            return _not_found("lever")
        if parameters.get("mode", [""])[-1] != "json":
            items = "".join(f"<li>{escape(str(posting.get('text', '')))}</li>" for posting in postings)
            return _Answer(200, f"<div class='lever'><ul>{items}</ul></div>".encode(), "text/html")
        return _json(200, postings)


def _json(status: int, body: Any) -> _Answer:
    return _Answer(status, json.dumps(body).encode("utf-8"))


def _not_found(ats: str) -> _Answer:
    if ats == "lever":
        return _json(404, {"ok": False, "error": "Document not found"})
    return _json(404, {"status": 404, "error": "Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeAtsBoards, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a client that gave up on a slow answer
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        answer = cast(_Server, self.server).fake.handle(path, query)
        if answer.delay > 0:
            time.sleep(answer.delay)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


def _board_files(values: list[str], option: str) -> dict[str, Path]:
    boards: dict[str, Path] = {}
    for value in values:
        name, separator, path = value.partition("=")
        if not separator or not name or not path:
            raise SystemExit(f"{option} takes BOARD=FILE, got {value!r}")
        boards[name] = Path(path)
    return boards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.fakes.ats", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--greenhouse", action="append", default=[], metavar="TOKEN=FILE")
    parser.add_argument("--lever", action="append", default=[], metavar="SITE=FILE")
    arguments = parser.parse_args(argv)
    boards = FakeAtsBoards()
    for token, path in _board_files(arguments.greenhouse, "--greenhouse").items():
        document = json.loads(path.read_text("utf-8"))
        boards.greenhouse[token] = document["jobs"] if isinstance(document, dict) else document
    for site, path in _board_files(arguments.lever, "--lever").items():
        boards.lever[site] = json.loads(path.read_text("utf-8"))
    with boards.start(arguments.port):
        for ats, url, names in (
            ("Greenhouse boards", boards.greenhouse_url, boards.greenhouse),
            ("Lever sites", boards.lever_url, boards.lever),
        ):
            print(f"{ats}: --api-url {url}  ({', '.join(names) or 'none'})")
        print("Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
