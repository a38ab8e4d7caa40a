"""Google Indexing API client: tell Google a job page was created or changed (URL_UPDATED) or removed
(URL_DELETED), through the batch endpoint, at most 100 notifications a call.

Retries, the deadline and timeouts come from `adapters.http`; parts of a batch that answer 429 or
5xx are sent again (only those). Sources and decisions: docs/channels/google.md.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.parser import BytesFeedParser, BytesParser
from email.policy import compat32
from typing import Any, Final, Literal, Self, TypeAlias, get_args
from urllib.parse import urlsplit

import requests
from google.auth import exceptions as google_exceptions
from google.auth import transport as google_transport

from syndicate.adapters import http
from syndicate.adapters.http import RETRY_STATUSES, no_deadline

NotificationType: TypeAlias = Literal["URL_UPDATED", "URL_DELETED"]
Notification: TypeAlias = tuple[str, NotificationType]

API_BASE_URL: Final = "https://indexing.googleapis.com"
INDEXING_SCOPE: Final = "https://www.googleapis.com/auth/indexing"
PUBLISH_PATH: Final = "/v3/urlNotifications:publish"
MAX_BATCH: Final = 100
NOTIFICATION_TYPES: Final[tuple[str, ...]] = get_args(NotificationType)
# MIME for HTTP: CRLF line ends, no header folding. compat32 parses several times faster than
# email.policy.HTTP, whose header registry the plain headers of a batch do not need.
_WIRE: Final = compat32.clone(linesep="\r\n", max_line_length=0)


class IndexingError(Exception):
    """`publish` could not settle every notification. `completed` holds the results it did settle (a
    delivered notification must not be sent again); `pending` the notifications that have no result."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.completed: tuple[NotificationResult, ...] = ()
        self.pending: tuple[Notification, ...] = ()


class OutOfTime(IndexingError, http.OutOfTime):
    """Finishing (a wait Google asked for, a backoff, or one more attempt) would pass the deadline."""


class IndexingUnavailable(IndexingError, http.Unavailable):
    """Timeouts, dropped connections or token-endpoint errors outlasted the retries."""


SERVICE: Final = http.Service(
    "Indexing API",
    out_of_time=lambda message, _status: OutOfTime(message),
    unavailable=IndexingUnavailable,
)


class IndexingAuthError(IndexingError):
    """No usable token: the service account was refused, or a fresh token was refused too."""


@dataclass(frozen=True, slots=True)
class NotificationResult:
    url: str
    type: NotificationType
    status: int  # HTTP status of this notification's part (or of the whole batch call, if that failed)
    error: str | None = None  # Google's message when the notification was not accepted
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class IndexingSettings:
    """`retries`: urllib3 retries of one HTTP call. `part_attempts`: sends of one notification whose
    part answers 429/5xx. Backoff is factor * 2**(n-1) plus up to `backoff_jitter` seconds."""

    api_base_url: str = API_BASE_URL
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retries: int = 4
    part_attempts: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    backoff_max: float = 20.0
    pool_maxsize: int = 4


@dataclass(slots=True)
class _Run:
    """State of one `publish` call, visible to the Retry of the request in flight."""

    deadline: http.Deadline
    refreshed: bool = False  # the one token refresh a 401 may trigger has happened


_RUN: ContextVar[_Run | None] = ContextVar("google_indexing_run", default=None)


def _run_deadline() -> http.Deadline | None:
    run = _RUN.get()
    return None if run is None else run.deadline


# --- batch wire format ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    body: bytes
    content_type: str  # multipart/mixed; boundary="..."
    content_ids: tuple[str, ...]  # one per notification, in order


@dataclass(frozen=True, slots=True)
class ResponsePart:
    content_id: str | None  # the request part's id, without "<response-" ... ">"
    status: int
    headers: Message
    body: bytes


def _publish_request(url: str, kind: str) -> str:
    body = json.dumps({"url": url, "type": kind})
    request = Message(policy=_WIRE)
    request["Content-Type"] = "application/json"
    request["Content-Length"] = str(len(body.encode("utf-8")))
    request.set_payload(body)
    # An application/http part is an HTTP request: request line, then headers and body.
    return f"POST {PUBLISH_PATH} HTTP/1.1\r\n{request.as_string(policy=_WIRE)}"


def encode_batch(notifications: Sequence[Notification], batch_id: str | None = None) -> EncodedBatch:
    """The multipart/mixed body of one batch call, as Google's batch guide lays it out."""
    batch_id = batch_id or uuid.uuid4().hex
    container = MIMEMultipart("mixed", boundary=f"batch_{batch_id}", policy=_WIRE)
    content_ids = []
    for number, (url, kind) in enumerate(notifications, start=1):
        content_id = f"{batch_id}+{number}"
        part = MIMENonMultipart("application", "http", policy=_WIRE)
        del part["MIME-Version"]
        part["Content-Transfer-Encoding"] = "binary"
        part["Content-ID"] = f"<{content_id}>"
        part.set_payload(_publish_request(url, kind))
        container.attach(part)
        content_ids.append(content_id)
    # The container's own headers travel as HTTP headers, so only what follows them is the body.
    _, _, body = container.as_bytes(policy=_WIRE).partition(b"\r\n\r\n")
    return EncodedBatch(body, str(container["Content-Type"]), tuple(content_ids))


def _content_id(value: str | None) -> str | None:
    if value is None:
        return None
    bare = value.strip().removeprefix("<").removesuffix(">")
    return bare.removeprefix("response-")


def _payload_bytes(message: Message) -> bytes:
    payload = message.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def decode_batch(content_type: str, body: bytes) -> list[ResponsePart]:
    """Split a multipart/mixed batch answer into its parts; raises ValueError if it is not one."""
    parser = BytesFeedParser(policy=_WIRE)
    # The Content-Type came as an HTTP header; the MIME parser wants it in front of the body.
    parser.feed(_WIRE.fold_binary("Content-Type", content_type) + b"\r\n")
    parser.feed(body)
    message = parser.close()
    if message.get_content_type() != "multipart/mixed" or not message.is_multipart():
        raise ValueError(f"batch answer is {content_type!r}, not multipart/mixed")
    parts = []
    for part in message.get_payload():
        if not isinstance(part, Message) or part.get_content_type() != "application/http":
            raise ValueError("batch answer part is not application/http")
        status_line, _, rest = _payload_bytes(part).lstrip().partition(b"\n")
        fields = status_line.decode("latin-1").split(maxsplit=2)
        if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
            raise ValueError(f"batch answer part has no HTTP status line: {status_line[:80]!r}")
        inner = BytesParser(policy=_WIRE).parsebytes(rest)
        parts.append(
            ResponsePart(_content_id(part.get("Content-ID")), int(fields[1]), inner, _payload_bytes(inner))
        )
    return parts


def google_error(body: bytes) -> str:
    """Google's `{"error": {"status", "message"}}` as "STATUS: message"; else the text itself."""
    try:
        error = json.loads(body)["error"]
        return f"{error.get('status') or error.get('code')}: {error['message']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return body.decode("utf-8", "replace").strip()[:500] or "(no message)"


# --- client -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: int
    error: str | None = None
    retry_after: float | None = None
    retryable: bool = False


class _TokenResponse(google_transport.Response):
    def __init__(self, response: requests.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class _TokenTransport(google_transport.Request):
    """google-auth's HTTP hook, sent through the client's session: the token call gets the same
    timeouts, retries and deadline as every other call."""

    def __init__(self, send: Callable[[str, str, bytes | None, dict[str, str]], requests.Response]) -> None:
        self._send = send

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _TokenResponse:
        response = self._send(method, url, body, dict(headers or {}))
        if response.status_code in RETRY_STATUSES:
            # urllib3 already retried; google-auth would retry again with sleeps that ignore the deadline.
            raise IndexingUnavailable(
                f"token endpoint still answers HTTP {response.status_code} after retries: "
                f"{google_error(response.content)}"
            )
        return _TokenResponse(response)


def _checked(notification: Notification) -> Notification:
    url, kind = notification
    if kind not in NOTIFICATION_TYPES:
        raise ValueError(f"notification type must be URL_UPDATED or URL_DELETED, not {kind!r} ({url})")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"notification URL must be an absolute http(s) URL, not {url!r}")
    return url, kind


def _rounds(notifications: Sequence[Notification]) -> list[list[int]]:
    """Indices in rounds where each URL appears once, in input order: the calls of a batch may run in any
    order, so a URL_UPDATED and a URL_DELETED for one page must not share a batch."""
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, (url, _) in enumerate(notifications):
        occurrence = seen.get(url, 0)
        seen[url] = occurrence + 1
        if occurrence == len(rounds):
            rounds.append([])
        rounds[occurrence].append(index)
    return rounds


def _chunks(indices: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


class IndexingClient:
    """Publishes URL notifications. Build once per container; set the deadline per invocation.

    `service_account()` returns the service account key JSON (a str or a mapping with client_email,
    private_key and token_uri), e.g. Powertools `get_secret(name)`. It is read when the first token is
    needed, and again after the token endpoint refused it (the key may have been rotated).
    `deadline()` returns the seconds this client may still spend (e.g. the Lambda's remaining time
    minus a margin for reporting back).
    """

    def __init__(
        self,
        service_account: Callable[[], str | Mapping[str, Any]],
        *,
        settings: IndexingSettings | None = None,
        deadline: Callable[[], float] = no_deadline,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._service_account = service_account
        self._settings = settings or IndexingSettings()
        self._deadline = deadline
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret
        self._credentials: Any = None  # google.oauth2.service_account.Credentials (an untyped library)
        self._batch_url = self._settings.api_base_url.rstrip("/") + "/batch"
        self._limits = http.Timeouts(self._settings.connect_timeout, self._settings.read_timeout)
        policy = http.RetryPolicy(
            self._settings.retries,
            self._settings.backoff_factor,
            self._settings.backoff_jitter,
            self._settings.backoff_max,
        )
        # Notifications and token requests are idempotent: POST is retried.
        self.session = http.pooled_session(
            policy,
            methods=frozenset({"POST"}),
            deadline=_run_deadline,
            pool_maxsize=self._settings.pool_maxsize,
        )

    def set_deadline(self, deadline: Callable[[], float]) -> None:
        self._deadline = deadline

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def publish(
        self, notifications: Sequence[Notification], *, deadline: Callable[[], float] | None = None
    ) -> list[NotificationResult]:
        """One result per notification, in order. A notification Google did not accept has `ok` False
        and Google's status and message. Raises ValueError for a malformed notification before sending
        anything, and `IndexingError` (with `completed` and `pending`) when it cannot finish."""
        checked = [_checked(notification) for notification in notifications]
        results: list[NotificationResult | None] = [None] * len(checked)
        run = _Run(http.Deadline(SERVICE, deadline or self._deadline, self._sleep))
        token = _RUN.set(run)
        try:
            for round_ in _rounds(checked):
                self._deliver(round_, checked, results, run)
        except IndexingError as exc:
            exc.completed = tuple(result for result in results if result is not None)
            exc.pending = tuple(item for item, result in zip(checked, results, strict=True) if result is None)
            raise
        finally:
            _RUN.reset(token)
        return [result for result in results if result is not None]

    # --- delivery -----------------------------------------------------------------------------------

    def _deliver(
        self,
        indices: list[int],
        items: list[Notification],
        results: list[NotificationResult | None],
        run: _Run,
    ) -> None:
        pending, attempt = indices, 1
        while pending:
            again: list[int] = []
            unauthorized: list[int] = []
            retry_afters: list[float] = []
            for chunk in _chunks(pending, MAX_BATCH):
                outcomes = self._send_batch([items[index] for index in chunk], run)
                for index, outcome in zip(chunk, outcomes, strict=True):
                    if outcome.status == 401:
                        unauthorized.append(index)
                    elif outcome.retryable and attempt < self._settings.part_attempts:
                        again.append(index)
                        if outcome.retry_after is not None:
                            retry_afters.append(outcome.retry_after)
                    else:
                        url, kind = items[index]
                        results[index] = NotificationResult(url, kind, outcome.status, outcome.error, attempt)
            if unauthorized:
                self._refresh_after_401(run)  # no wait: a new token is the fix
            if again:
                wait = max(retry_afters) if retry_afters else self._backoff(attempt)
                run.deadline.wait(wait, f"{len(again)} notifications answered 429/5xx")
                attempt += 1
            pending = sorted(again + unauthorized)

    def _backoff(self, attempt: int) -> float:
        s = self._settings
        return min(
            s.backoff_max, s.backoff_factor * 2.0 ** (attempt - 1) + self._rng.random() * s.backoff_jitter
        )

    def _send_batch(self, batch: list[Notification], run: _Run) -> list[_Outcome]:
        encoded = encode_batch(batch)
        response = self._post_batch(encoded, run)
        if response.status_code == 401:
            self._refresh_after_401(run)
            response = self._post_batch(encoded, run)
            if response.status_code == 401:
                self._refresh_after_401(run)  # raises: the fresh token was refused too
        if response.status_code != 200:
            # urllib3 already retried a 429/5xx: the whole call failed, report it for each notification.
            error = f"batch call failed: {google_error(response.content)}"
            return [_Outcome(response.status_code, error) for _ in batch]
        try:
            parts = decode_batch(response.headers.get("Content-Type", ""), response.content)
        except ValueError as exc:
            return [_Outcome(502, f"unreadable batch answer: {exc}", retryable=True) for _ in batch]
        return self._match(parts, encoded.content_ids)

    def _match(self, parts: list[ResponsePart], content_ids: tuple[str, ...]) -> list[_Outcome]:
        by_id = {part.content_id: part for part in parts if part.content_id is not None}
        if not by_id and len(parts) == len(content_ids):  # no Content-IDs: answers come in request order
            by_id = dict(zip(content_ids, parts, strict=True))
        outcomes = []
        for content_id in content_ids:
            part = by_id.get(content_id)
            if part is None:
                outcomes.append(_Outcome(502, "no answer for this call in the batch answer", retryable=True))
            elif 200 <= part.status < 300:
                outcomes.append(_Outcome(part.status))
            else:
                outcomes.append(
                    _Outcome(
                        part.status,
                        google_error(part.body),
                        http.parse_retry_after(part.headers.get("Retry-After")),
                        part.status in RETRY_STATUSES,
                    )
                )
        return outcomes

    def _post_batch(self, encoded: EncodedBatch, run: _Run) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {self._access_token()}",
            "Content-Type": encoded.content_type,
        }
        return self._request("POST", self._batch_url, encoded.body, headers)

    def _request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> requests.Response:
        run = _RUN.get()
        deadline = run.deadline if run is not None else http.Deadline(SERVICE)
        timeout = deadline.timeouts(self._limits, url)
        return http.send(self.session, SERVICE, method, url, timeout, data=body, headers=headers)

    # --- token --------------------------------------------------------------------------------------

    def _access_token(self) -> str:
        credentials = self._load_credentials()
        if not credentials.valid:  # google-auth counts a token as invalid shortly before it expires
            self._refresh(credentials)
        return str(credentials.token)

    def _refresh_after_401(self, run: _Run) -> None:
        if run.refreshed:
            raise IndexingAuthError("the Indexing API refused a freshly issued access token (401)")
        run.refreshed = True
        self._refresh(self._load_credentials())

    def _refresh(self, credentials: Any) -> None:
        try:
            credentials.refresh(_TokenTransport(self._request))
        except google_exceptions.RefreshError as exc:
            self._credentials = None  # read the secret again next time: the key may have been rotated
            raise IndexingAuthError(f"the token endpoint refused the service account: {exc}") from exc

    def _load_credentials(self) -> Any:
        if self._credentials is None:
            # Imported on first use: it loads `cryptography` (~40 ms of cold start), which only a
            # deployment that notifies Google needs.
            from google.oauth2 import service_account  # noqa: PLC0415

            raw = self._service_account()
            try:
                info = json.loads(raw) if isinstance(raw, str) else dict(raw)
                self._credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                    info, scopes=[INDEXING_SCOPE]
                )
            except (ValueError, KeyError, TypeError) as exc:
                # These messages name a missing field or a parse position, never the secret's content.
                problem = f"{type(exc).__name__}: {exc}"
                raise IndexingAuthError(f"service account JSON unusable: {problem}") from exc
        return self._credentials
