"""`syndicate serve [--port N]`: the ATS webhook over HTTP on 127.0.0.1, against the embedded stack.

Requests go through API Gateway as the template defines it to the real WebhookFunction, one at a
time, and the stack drains after each 202. How and why: docs/design.md, "The command line".
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from syndicate.cli import outdir
from syndicate.cli.run import add_delivery_arguments, collect, find_template, output_to, stack_parameters
from syndicate.cli.status import DEFAULT_SECRET_ENV

if TYPE_CHECKING:
    from infra.runtime import EmbeddedStack, HttpResponse
    from infra.runtime.apigateway import Throttle

FUNCTION = "WebhookFunction"
SECRETS_RESOURCE = "WebhookClientSecrets"
# API Gateway's own payload limit: a larger request is refused before it reaches the function.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
DISCARD_LIMIT_BYTES = 8 * MAX_REQUEST_BYTES  # beyond this a request is cut off rather than read
EXAMPLE_FILE = "examples/postings.json"
EXAMPLE_ID = "RN-ICU-2207"
RETRY_AFTER_SECONDS = "1"  # the stage's bucket refills at least one token a second


def add_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--port", type=int, default=8080, help="TCP port on 127.0.0.1; 0 picks a free one (default: 8080)"
    )
    serve.add_argument(
        "--client", default="local", help="the client id whose secret is generated (default: local)"
    )
    serve.add_argument(
        "--out",
        default="serve-out",
        metavar="DIR",
        help="function logs, and outputs on stop (default: serve-out)",
    )
    serve.add_argument(
        "--site-base-url", default="https://jobs.example.org/", help="public URL of the job pages"
    )
    serve.add_argument("--publisher", default="Syndicate", help="Indeed feed <publisher>")
    serve.add_argument("--publisher-url", default="https://example.org/", help="Indeed feed <publisherurl>")
    serve.add_argument(
        "--no-throttle", action="store_true", help="do not apply the API stage's throttling (429) locally"
    )
    add_delivery_arguments(serve)
    serve.set_defaults(run=run)


class LocalApi:
    """The stack behind one lock: a request, and the drain after an accepted POST, run alone."""

    def __init__(self, stack: EmbeddedStack, throttles: dict[str, Throttle], terminal: IO[str]) -> None:
        self.stack = stack
        self.throttles = throttles
        self.terminal = terminal
        self.lock = threading.Lock()

    def throttled(self, method: str, target: str) -> HttpResponse | None:
        """The 429 of the stage's throttle, or None. Checked before the lock is taken: a request over
        the limit is answered at once, never queued behind the ones being served."""
        from infra.runtime import HttpResponse  # noqa: PLC0415
        from infra.runtime.apigateway import THROTTLED, gateway_response, match_route  # noqa: PLC0415

        matched = match_route(self.stack.model, method, target.split("?", 1)[0])
        throttle = self.throttles.get(matched.api.logical_id) if matched else None
        if throttle is None or throttle.allow():
            return None
        refused = gateway_response(THROTTLED)
        return HttpResponse(
            refused.status, (*refused.headers, ("Retry-After", RETRY_AFTER_SECONDS)), refused.body
        )

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
        return self.stack.api_request(method, target, headers, body)

    def drain(self) -> str:
        started = time.perf_counter()
        report = self.stack.drain()
        calls = sum(report.invocations.values())
        return f"drained: {calls} function invocations in {time.perf_counter() - started:.2f} s"


def _handler_class(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "syndicate-serve"
        # Headers and body leave in one segment, unbuffered by Nagle: no delayed-ACK stall per request.
        wbufsize = -1
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def _serve(self) -> None:
            started = time.perf_counter()
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                self._send(411, {"message": "Length Required"}, close=True)
                return
            lengths = {
                value.strip()
                for header in self.headers.get_all("Content-Length") or []
                for value in header.split(",")
            }
            if len(lengths) > 1:  # RFC 9112, 6.3: which one frames the body is unknowable; never guess
                self._send(400, {"message": "conflicting Content-Length headers"}, close=True)
                return
            try:
                length = int(lengths.pop()) if lengths else 0
            except ValueError:
                length = -1
            if length < 0 or length > MAX_REQUEST_BYTES:
                if 0 < length <= DISCARD_LIMIT_BYTES:
                    self._discard(length)  # read it, so the client is not cut off mid-send and sees the 413
                self._send(413, {"message": "Request Too Long"}, close=True)
                return
            body = self.rfile.read(length) if length else b""
            refused = api.throttled(self.command, self.path)
            if refused is not None:
                self._write(refused, close=False)
                response, note = refused, ""
            else:
                with api.lock:
                    response = api.handle(self.command, self.path, list(self.headers.items()), body)
                    accepted = self.command == "POST" and response.status == 202
                    self._write(response, close=accepted)
                    note = api.drain() if accepted else ""
            elapsed = (time.perf_counter() - started) * 1000
            suffix = f"; {note}" if note else ""
            line = f"{self.command} {self.path} -> {response.status} ({elapsed:.0f} ms){suffix}"
            print(line, file=api.terminal)

        def _discard(self, length: int) -> None:
            while length > 0:
                chunk = self.rfile.read(min(length, 64 * 1024))
                if not chunk:
                    return
                length -= len(chunk)

        def _send(self, status: int, document: dict[str, str], *, close: bool) -> None:
            from infra.runtime import HttpResponse  # noqa: PLC0415

            body = json.dumps(document).encode("utf-8")
            self._write(HttpResponse(status, (("Content-Type", "application/json"),), body), close=close)

        def _write(self, response: HttpResponse, *, close: bool) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
            if close:
                # The client has its whole answer now, even while the drain that follows still runs.
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_WR)

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are reported on the terminal by `_serve`; nothing goes to stderr."""

    return Handler


class _Server(ThreadingHTTPServer):
    # The listen backlog (socketserver's default is 5): a burst of clients waits to be accepted and
    # answered (429 when over the stage's limit) instead of having its connections reset.
    request_queue_size = 1024
    daemon_threads = True


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(arguments: argparse.Namespace, now: datetime) -> int:
    del now  # the function reads the clock itself, as it does in AWS
    out = Path(arguments.out)
    try:
        outdir.prepare(out)
    except outdir.OutputDirRefused as refused:
        print(f"syndicate serve: --out: {refused}", file=sys.stderr)
        return 2
    parameters = {**stack_parameters(arguments), "WebhookClientId": arguments.client}
    # moto and the fakes are heavy and only needed here
    from infra.fakes.local import LocalChannelApis  # noqa: PLC0415
    from infra.runtime import EmbeddedStack  # noqa: PLC0415

    with (
        _stopped_by_sigterm(),
        output_to(out / "logs" / "functions.log") as terminal,
        LocalChannelApis.running(record_dir=out) as apis,
        EmbeddedStack.from_template(find_template(), parameters) as stack,
    ):
        apis.connect(stack)
        return serve(stack, arguments, out, terminal)


def serve(stack: EmbeddedStack, arguments: argparse.Namespace, out: Path, terminal: IO[str]) -> int:
    from infra.runtime.apigateway import Throttle  # noqa: PLC0415 - infra is the local runtime's, not Lambda's

    throttles = {
        api.logical_id: Throttle(api.throttle_rate, api.throttle_burst or 1)
        for api in stack.model.apis.values()
        if api.throttle_rate is not None and not arguments.no_throttle
    }
    secret_arn = stack.secret(SECRETS_RESOURCE).arn
    secrets = json.loads(stack.secretsmanager.get_secret_value(SecretId=secret_arn)["SecretString"])
    api = LocalApi(stack, throttles, terminal)
    try:
        server = _Server(("127.0.0.1", arguments.port), _handler_class(api))
    except OSError as problem:
        print(f"syndicate serve: cannot listen on 127.0.0.1:{arguments.port}: {problem}", file=terminal)
        return 2
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(banner(url, arguments.client, str(secrets[arguments.client]), out, throttles), file=terminal)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    with api.lock:
        collect(stack, out, [])
    print(f"stopped; outputs and state.json in {out}", file=terminal)
    return 0


def banner(url: str, client: str, secret: str, out: Path, throttles: dict[str, Throttle]) -> str:
    from syndicate.pipeline.webhook_service import CLIENT_HEADER, POSTINGS_PATH  # noqa: PLC0415 - loads boto3

    limits = "API stage throttling applies (429)" if throttles else "no throttling"
    body = shlex.quote(EXAMPLE_FILE)
    return f"""syndicate serve: the ATS webhook of template.yaml, embedded stack ({limits}; Ctrl-C stops)
  url:       {url}
  routes:    POST {POSTINGS_PATH}   GET {POSTINGS_PATH}/{{id}}
  client:    {client}
  secret:    {secret}
             (printed once; it exists only in this server's embedded Secrets Manager)
  logs:      {out / "logs" / "functions.log"}

Try it from the repository, in another terminal:
  export {DEFAULT_SECRET_ENV}={shlex.quote(secret)}
  SIG=$(syndicate sign --secret-env {DEFAULT_SECRET_ENV} {body})
  curl -i -X POST {url}{POSTINGS_PATH} -H 'Content-Type: application/json' \\
       -H '{CLIENT_HEADER}: {client}' -H "Syndicate-Signature: $SIG" --data-binary @{body}
  syndicate status {EXAMPLE_ID} --url {url} --client {client} --secret-env {DEFAULT_SECRET_ENV}
"""
