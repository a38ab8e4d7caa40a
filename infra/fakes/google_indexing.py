"""A fake Google Indexing API on 127.0.0.1, over real HTTP: service-account tokens and batch notifications.

Checks what Google documents, answers in Google's shapes, and injects faults (`FaultRates`,
`fail_next`): docs/local-runtime.md, "Google Indexing API".
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import secrets
import select
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.parser import BytesFeedParser, BytesParser
from email.policy import compat32
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TOKEN_AUDIENCE: Final = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
INDEXING_SCOPE: Final = "https://www.googleapis.com/auth/indexing"
JWT_BEARER: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PUBLISH_PATH: Final = "/v3/urlNotifications:publish"
MAX_PARTS: Final = 100
MAX_ASSERTION_SECONDS: Final = 3600
CLOCK_SKEW_SECONDS: Final = 60
NOTIFICATION_TYPES: Final = frozenset({"URL_UPDATED", "URL_DELETED"})
# MIME for HTTP: CRLF line ends, no header folding. compat32 parses several times faster than
# email.policy.HTTP, whose header registry the plain headers of a batch do not need.
_WIRE: Final = compat32.clone(linesep="\r\n", max_line_length=0)

FaultKind = Literal["throttle", "server_error", "slow", "drop", "expired_token"]
Endpoint = Literal["batch", "token"]
_K = TypeVar("_K", bound=str)

_REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_STATUS_NAMES: Final = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
}


@dataclass(frozen=True, slots=True)
class FaultRates:
    """Share of requests (or, for part_*, of otherwise valid parts) that fail with each fault."""

    throttle: float = 0.0
    server_error: float = 0.0
    slow: float = 0.0
    drop: float = 0.0
    expired_token: float = 0.0
    part_throttle: float = 0.0
    part_server_error: float = 0.0
    retry_after: int = 1  # seconds, sent with every 429
    slow_seconds: float = 0.2


@dataclass(frozen=True, slots=True)
class _Fault:
    kind: FaultKind
    retry_after: int
    slow_seconds: float


@dataclass(slots=True)
class _Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # reset the connection instead of answering


@dataclass(frozen=True, slots=True)
class LocalServiceAccount:
    """A throwaway service account key for local runs: JSON for the client, public key for the fake."""

    client_email: str
    private_key_pem: str
    public_key_pem: bytes

    @classmethod
    def generate(cls, client_email: str = "syndicate-local@syndicate-local.iam.gserviceaccount.com") -> Self:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(client_email, private.decode("ascii"), public)

    def info(self, token_uri: str) -> dict[str, str]:
        """The service account key JSON, as the Google Cloud console downloads it."""
        return {
            "type": "service_account",
            "project_id": "syndicate-local",
            "private_key_id": secrets.token_hex(20),
            "private_key": self.private_key_pem,
            "client_email": self.client_email,
            "client_id": "100000000000000000000",
            "token_uri": token_uri,
        }


def _google_error(status: int, message: str) -> bytes:
    return json.dumps(
        {"error": {"code": status, "message": message, "status": _STATUS_NAMES[status]}}
    ).encode()


def _json_reply(status: int, document: object, **headers: str) -> _Reply:
    return _Reply(
        status, json.dumps(document).encode(), {"Content-Type": "application/json; charset=UTF-8", **headers}
    )


def _error_reply(status: int, message: str, **headers: str) -> _Reply:
    return _Reply(
        status, _google_error(status, message), {"Content-Type": "application/json; charset=UTF-8", **headers}
    )


def _oauth_error(code: str, description: str) -> _Reply:
    return _json_reply(400, {"error": code, "error_description": description})


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class _Rejected(Exception):
    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class _BadPart(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class _Part:
    content_id: str | None
    raw: bytes


class FakeIndexing:
    """Start with `start()` or `with FakeIndexing(...) as fake:`; point the client at `base_url` and the
    service account's token_uri at `token_url`. Thread-safe."""

    def __init__(
        self,
        *,
        client_email: str,
        public_key_pem: bytes,
        record_to: Path | None = None,
        faults: FaultRates | None = None,
        seed: int = 0,
        token_lifetime: int = 3599,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise TypeError("the service account key must be RSA (Google signs with RS256)")
        self.client_email = client_email
        self._public_key = key
        self._record_to = record_to
        self._faults = faults or FaultRates()
        self._rng = _SeededRandom(seed)
        self._token_lifetime = token_lifetime
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self._queued: dict[Endpoint, deque[_Fault]] = {"batch": deque(), "token": deque()}
        self._notifications: list[dict[str, str]] = []
        self._batch_sizes: list[int] = []
        self._batch_requests = 0
        self._token_requests = 0
        self._injected: Counter[str] = Counter()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._record_to is not None:
            self._record_to.parent.mkdir(parents=True, exist_ok=True)
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for requests in flight, so that recordings are final."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.wait_idle(timeout=30.0)
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeIndexing is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    # --- control and inspection -----------------------------------------------------------------------

    def fail_next(
        self,
        kind: FaultKind,
        *,
        times: int = 1,
        endpoint: Endpoint = "batch",
        retry_after: int | None = None,
        slow_seconds: float | None = None,
    ) -> None:
        """Make the next `times` requests to `endpoint` fail with `kind` (before any drawn fault)."""
        fault = _Fault(
            kind,
            self._faults.retry_after if retry_after is None else retry_after,
            self._faults.slow_seconds if slow_seconds is None else slow_seconds,
        )
        with self._lock:
            self._queued[endpoint].extend([fault] * times)

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    @property
    def notifications(self) -> list[dict[str, str]]:
        """Accepted notifications, in the order they were accepted: {"url", "type", "notifyTime"}."""
        with self._lock:
            return [dict(item) for item in self._notifications]

    @property
    def batch_sizes(self) -> list[int]:
        """Number of parts of every batch request that was read (faults aside)."""
        with self._lock:
            return list(self._batch_sizes)

    @property
    def batch_requests(self) -> int:
        """Every POST /batch, including those a fault answered."""
        with self._lock:
            return self._batch_requests

    @property
    def token_requests(self) -> int:
        with self._lock:
            return self._token_requests

    @property
    def injected(self) -> Counter[str]:
        """How often each fault struck."""
        with self._lock:
            return Counter(self._injected)

    # --- endpoints --------------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Message, body: bytes, client_gone: Callable[[], bool]
    ) -> _Reply:
        route = urlsplit(path).path
        if route not in ("/token", "/batch"):
            return _error_reply(404, f"The requested URL {route} was not found on this server.")
        if method != "POST":
            return _error_reply(405, f"{method} is not allowed on {route}; use POST.")
        endpoint: Endpoint = "token" if route == "/token" else "batch"
        if endpoint == "batch":
            with self._lock:
                self._batch_requests += 1
        fault = self._draw_fault(endpoint)
        if fault is not None:
            reply = self._strike(fault, client_gone)
            if reply is not None:
                return reply
        return self._token(headers, body) if endpoint == "token" else self._batch(headers, body)

    def _draw_fault(self, endpoint: Endpoint) -> _Fault | None:
        with self._lock:
            if self._queued[endpoint]:
                return self._queued[endpoint].popleft()
            if endpoint == "token":  # drawn faults are for the batch endpoint; queue token faults
                return None
            rates = self._faults
            kinds: tuple[tuple[FaultKind, float], ...] = (
                ("throttle", rates.throttle),
                ("server_error", rates.server_error),
                ("slow", rates.slow),
                ("drop", rates.drop),
                ("expired_token", rates.expired_token),
            )
            kind = self._rng.pick(kinds)
            return None if kind is None else _Fault(kind, rates.retry_after, rates.slow_seconds)

    def _strike(self, fault: _Fault, client_gone: Callable[[], bool]) -> _Reply | None:
        """The reply a fault gives, or None when the request then goes on normally."""
        with self._lock:
            self._injected[fault.kind] += 1
            if fault.kind == "expired_token":
                self._tokens.clear()
        if fault.kind == "throttle":
            message = (
                "Quota exceeded for quota metric 'Publish requests' and limit 'Publish requests per minute'."
            )
            return _error_reply(429, message, **{"Retry-After": str(fault.retry_after)})
        if fault.kind == "server_error":
            return _error_reply(500, "Internal error encountered.")
        if fault.kind == "drop":
            return _Reply(drop=True)
        if fault.kind == "slow":
            time.sleep(fault.slow_seconds)
            if client_gone():  # the client timed out: like a cancelled request, it is not processed
                return _Reply(drop=True)
        return None

    def _token(self, headers: Message, body: bytes) -> _Reply:
        with self._lock:
            self._token_requests += 1
        if headers.get_content_type() != "application/x-www-form-urlencoded":
            return _oauth_error("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        form = parse_qs(body.decode("ascii", "replace"))
        if form.get("grant_type") != [JWT_BEARER]:
            return _oauth_error("unsupported_grant_type", f"grant_type must be {JWT_BEARER}")
        assertion = form.get("assertion", [""])
        try:
            self._verify(assertion[0])
        except _Rejected as rejected:
            return _oauth_error(rejected.code, rejected.description)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self._token_lifetime
        return _json_reply(
            200, {"access_token": token, "expires_in": self._token_lifetime, "token_type": "Bearer"}
        )

    def _verify(self, assertion: str) -> None:
        segments = assertion.split(".")
        if len(segments) != 3:
            raise _Rejected("invalid_grant", "Invalid JWT: not header.claims.signature")
        try:
            header = json.loads(_b64url(segments[0]))
            claims = json.loads(_b64url(segments[1]))
            signature = _b64url(segments[2])
        except ValueError as exc:
            raise _Rejected("invalid_grant", "Invalid JWT: undecodable segment") from exc
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise _Rejected("invalid_grant", "Invalid JWT: alg must be RS256")
        try:
            signed = f"{segments[0]}.{segments[1]}".encode("ascii")
            self._public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, UnicodeEncodeError) as exc:
            raise _Rejected("invalid_grant", "Invalid JWT Signature.") from exc
        if not isinstance(claims, dict):
            raise _Rejected("invalid_grant", "Invalid JWT: claims are not an object")
        if claims.get("iss") != self.client_email:
            raise _Rejected("invalid_grant", "Invalid grant: account not found")
        if claims.get("aud") != TOKEN_AUDIENCE:
            raise _Rejected("invalid_grant", f"Invalid JWT: aud must be {TOKEN_AUDIENCE}")
        scope = claims.get("scope")
        if not isinstance(scope, str) or INDEXING_SCOPE not in scope.split():
            raise _Rejected("invalid_scope", f"scope must include {INDEXING_SCOPE}")
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or iat > now + CLOCK_SKEW_SECONDS
            or exp <= now
            or exp - iat > MAX_ASSERTION_SECONDS
        ):
            raise _Rejected(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.",
            )

    def _batch(self, headers: Message, body: bytes) -> _Reply:
        try:
            parts = _parse_batch(headers.get("Content-Type", ""), body)
        except ValueError as exc:
            return _error_reply(400, str(exc))
        if len(parts) > MAX_PARTS:
            return _error_reply(
                400, f"A batch request may contain at most {MAX_PARTS} calls, not {len(parts)}."
            )
        with self._lock:
            self._batch_sizes.append(len(parts))
        authorized = self._authorized(headers.get("Authorization"))
        answers = [(part.content_id, self._answer(part, authorized)) for part in parts]
        return _batch_reply(answers)

    def _authorized(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            expiry = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return expiry is not None and expiry > time.monotonic()

    def _answer(self, part: _Part, authorized: bool) -> _Reply:
        if not authorized:
            return _error_reply(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                "or other valid authentication credential.",
            )
        try:
            url, kind = _notification(part.raw)
        except _BadPart as bad:
            return _error_reply(bad.status, bad.message)
        with self._lock:
            fault = self._rng.pick(
                (
                    ("part_throttle", self._faults.part_throttle),
                    ("part_server_error", self._faults.part_server_error),
                )
            )
            if fault is not None:
                self._injected[fault] += 1
        if fault == "part_throttle":
            return _error_reply(429, "Quota exceeded for quota metric 'Publish requests'.")
        if fault == "part_server_error":
            return _error_reply(500, "Internal error encountered.")
        return _json_reply(200, {"urlNotificationMetadata": self._accept(url, kind)})

    def _accept(self, url: str, kind: str) -> dict[str, Any]:
        notify_time = self._clock().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        record = {"url": url, "type": kind, "notifyTime": notify_time}
        with self._lock:
            self._notifications.append(record)
            if self._record_to is not None:
                with self._record_to.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")
        latest = "latestUpdate" if kind == "URL_UPDATED" else "latestRemove"
        return {"url": url, latest: dict(record)}


class _SeededRandom:
    """One seeded generator for every draw (callers hold the fake's lock): the same requests in the same
    order meet the same faults."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)  # noqa: S311 - reproducible fault draws, not a secret

    def pick(self, kinds: tuple[tuple[_K, float], ...]) -> _K | None:
        if not any(rate > 0 for _, rate in kinds):
            return None
        draw, cumulative = self._random.random(), 0.0
        for kind, rate in kinds:
            cumulative += rate
            if draw < cumulative:
                return kind
        return None


# --- wire format -------------------------------------------------------------------------------------


def _parse_batch(content_type: str, body: bytes) -> list[_Part]:
    parser = BytesFeedParser(policy=_WIRE)
    # The Content-Type came as an HTTP header; the MIME parser wants it in front of the body.
    parser.feed(_WIRE.fold_binary("Content-Type", content_type) + b"\r\n")
    parser.feed(body)
    message = parser.close()
    if message.get_content_type() != "multipart/mixed" or message.get_param("boundary") is None:
        raise ValueError("A batch request must be multipart/mixed with a boundary.")
    if not message.is_multipart():
        raise ValueError("The batch request body has no parts.")
    parts = []
    for part in message.get_payload():
        if not isinstance(part, Message) or part.get_content_type() != "application/http":
            raise ValueError("Every part of a batch request must be Content-Type: application/http.")
        payload = part.get_payload(decode=True)
        content_id = part.get("Content-ID")
        raw = payload if isinstance(payload, bytes) else b""
        parts.append(_Part(None if content_id is None else str(content_id).strip(), raw))
    return parts


def _notification(raw: bytes) -> tuple[str, str]:
    """The (url, type) of one batch part's HTTP request, or _BadPart with Google's answer."""
    request_line, _, rest = raw.lstrip().partition(b"\n")
    fields = request_line.decode("latin-1").split()
    if len(fields) != 3 or not fields[2].startswith("HTTP/"):
        raise _BadPart(400, "The part is not an HTTP request.")
    method, target, _ = fields
    if urlsplit(target).path != PUBLISH_PATH:
        raise _BadPart(404, f"The requested URL {target} was not found on this server.")
    if method != "POST":
        raise _BadPart(405, f"{method} is not allowed on {PUBLISH_PATH}.")
    inner = BytesParser(policy=_WIRE).parsebytes(rest)
    if inner.get_content_type() != "application/json":
        raise _BadPart(400, "Calls to urlNotifications:publish must use Content-Type application/json.")
    payload = inner.get_payload(decode=True)
    try:
        document = json.loads(payload if isinstance(payload, bytes) else b"")
    except ValueError as exc:
        raise _BadPart(400, f"Invalid JSON payload received. {exc}") from exc
    if not isinstance(document, dict):
        raise _BadPart(400, "Invalid JSON payload received: expected an object.")
    url, kind = document.get("url"), document.get("type")
    unknown = sorted(set(document) - {"url", "type", "notifyTime"})
    if unknown:
        raise _BadPart(400, f"Invalid JSON payload received. Unknown name {unknown[0]!r}.")
    if kind not in NOTIFICATION_TYPES:
        raise _BadPart(400, f"Invalid value at 'url_notification.type' ({kind!r}).")
    if (
        not isinstance(url, str)
        or urlsplit(url).scheme not in ("http", "https")
        or not urlsplit(url).hostname
    ):
        raise _BadPart(400, f"Invalid value at 'url_notification.url': {url!r} is not an absolute URL.")
    return url, str(kind)


def _http_response(reply: _Reply) -> str:
    head = Message(policy=_WIRE)
    for name, value in reply.headers.items():
        head[name] = value
    head["Content-Length"] = str(len(reply.body))
    head.set_payload(reply.body.decode("utf-8"))
    # An application/http answer part is an HTTP response: status line, then headers and body.
    return f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, '')}\r\n{head.as_string(policy=_WIRE)}"


def _batch_reply(answers: list[tuple[str | None, _Reply]]) -> _Reply:
    container = MIMEMultipart("mixed", boundary=f"batch_{secrets.token_hex(12)}", policy=_WIRE)
    for content_id, answer in answers:
        part = MIMENonMultipart("application", "http", policy=_WIRE)
        del part["MIME-Version"]
        if content_id is not None:
            part["Content-ID"] = "<response-" + content_id.removeprefix("<").removesuffix(">") + ">"
        part.set_payload(_http_response(answer))
        container.attach(part)
    _, _, body = container.as_bytes(policy=_WIRE).partition(b"\r\n\r\n")
    return _Reply(200, body, {"Content-Type": str(container["Content-Type"])})


# --- HTTP server --------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake.handle(self.command, self.path, self.headers, body, self._client_gone)
        if reply.drop:
            self.close_connection = True
            # Linger 0: closing sends a TCP reset, as a crashed front end would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        self.send_response(reply.status, _REASONS.get(reply.status))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _client_gone(self) -> bool:
        """True when the client closed its end (it timed out): the request was read in full, so the
        socket turns readable only at end of file."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True
        return peeked == b""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and `syndicate run` read the recordings, not an access log."""


class _Server(ThreadingHTTPServer):
    # Daemon handler threads: a caller that never stops the fake cannot keep the process alive.
    # stop() still waits for the requests in flight (`wait_idle`), so recordings are final.
    daemon_threads = True

    def __init__(self, fake: FakeIndexing) -> None:
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._active = 0
        self._idle = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._active += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections, whose handler threads would otherwise wait for a next request."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its handler
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is not an error worth a traceback."""
