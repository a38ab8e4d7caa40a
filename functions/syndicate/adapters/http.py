"""HTTP plumbing shared by the adapters that call other services (LinkedIn, Google, the ATS boards).

A pooled `requests.Session` whose urllib3 `Retry` never waits past the caller's deadline, (connect,
read) timeouts clipped to the time left, and the two ways a call fails before it has an answer.
Why each client retries what it does: docs/channels/linkedin.md and docs/channels/google.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
MIN_ATTEMPT_SECONDS: Final = 0.05  # less time than this left: do not start a request at all


class OutOfTime(Exception):
    """Kind: finishing the call (a wait the service asked for, a backoff, or one more attempt)
    would pass the deadline. Each client raises its own subclass, in its own error family."""


class Unavailable(Exception):
    """Kind: no answer: timeouts or dropped connections outlasted the retries."""


def no_deadline() -> float:
    return float("inf")


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 3.05
    read: float = 10.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries after the first attempt; backoff is factor * 2**(n-1) plus up to `jitter` seconds."""

    retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    backoff_max: float = 20.0


@dataclass(frozen=True, slots=True)
class Service:
    """Who is called (for messages), and the client's own errors for a call that did not complete:
    each is made from a message and the HTTP status that led to it, if any."""

    name: str
    out_of_time: Callable[[str, int | None], OutOfTime]
    unavailable: Callable[[str], Unavailable]


@dataclass(slots=True)
class Deadline:
    """The time a call may still spend (`seconds_left()`), and the most one attempt of the request
    in flight can take (set by `timeouts`): a wait is refused unless one more attempt fits after it."""

    service: Service
    seconds_left: Callable[[], float] = no_deadline
    sleep: Callable[[float], None] = time.sleep
    attempt_seconds: float = 0.0

    def timeouts(self, limits: Timeouts, url: str) -> tuple[float, float]:
        """(connect, read) for the next request, clipped so that one attempt fits in the time left."""
        left = self.seconds_left()
        if left < MIN_ATTEMPT_SECONDS:
            raise self.service.out_of_time(
                f"no time left to call {self.service.name} ({max(left, 0.0):.2f}s): {url}", None
            )
        connect = min(limits.connect, left / 2)
        read = min(limits.read, left - connect)
        self.attempt_seconds = connect + read
        return connect, read

    def wait(self, seconds: float, reason: str, status: int | None = None) -> None:
        left = self.seconds_left()
        if seconds + self.attempt_seconds > left:
            raise self.service.out_of_time(
                f"{self.service.name} retry needs {seconds:.1f}s ({reason}) plus up to "
                f"{self.attempt_seconds:.1f}s for the attempt, but only {max(left, 0.0):.1f}s are left",
                status,
            )
        if seconds > 0:
            self.sleep(seconds)


def _no_deadline_set() -> Deadline | None:
    return None


class DeadlineRetry(Retry):
    """urllib3 Retry that waits through the `Deadline` of the call in flight (`deadline()`), so no
    wait leaves too little time for one more attempt; without one, plain urllib3 behaviour."""

    def __init__(
        self, *args: Any, deadline: Callable[[], Deadline | None] = _no_deadline_set, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> Self:
        # urllib3 makes a new Retry for every attempt; the deadline has to travel with it.
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        deadline = self.deadline()
        if deadline is None:
            super().sleep(response)
            return
        # The same choice Retry.sleep makes: Retry-After when the server sent one, else backoff.
        retry_after = None
        if self.respect_retry_after_header and response is not None:
            try:
                retry_after = self.get_retry_after(response)
            except InvalidHeader:  # an unreadable Retry-After: fall back to backoff
                retry_after = None
        if response is not None and retry_after:
            reason = f"HTTP {response.status} with Retry-After {retry_after:g}s"
            deadline.wait(retry_after, reason, response.status)
        else:
            deadline.wait(self.get_backoff_time(), "backoff", response.status if response else None)


def parse_retry_after(value: str | None) -> float | None:
    """A Retry-After header's seconds (from seconds or an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    try:
        return Retry().parse_retry_after(value)
    except InvalidHeader:
        return None


def pooled_session(
    policy: RetryPolicy,
    *,
    methods: frozenset[str],
    deadline: Callable[[], Deadline | None] = _no_deadline_set,
    pool_maxsize: int = 4,
) -> requests.Session:
    """A session retrying `RETRY_STATUSES`, connection errors and read timeouts of `methods` with
    exponential backoff and jitter, honouring Retry-After; the last answer comes back after the
    retries (no exception), so its status and message can be reported."""
    retry = DeadlineRetry(
        total=policy.retries,
        connect=policy.retries,
        read=policy.retries,
        status=policy.retries,
        other=0,
        allowed_methods=methods,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=policy.backoff_factor,
        backoff_jitter=policy.backoff_jitter,
        backoff_max=policy.backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
        deadline=deadline,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=pool_maxsize)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def send(
    session: requests.Session,
    service: Service,
    method: str,
    url: str,
    timeout: tuple[float, float],
    **kwargs: Any,
) -> requests.Response:
    """One request (with the session's retries); no answer at all is the service's `unavailable`."""
    try:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as error:
        # The exception text names the URL and the cause, never the body (where a secret may be).
        raise service.unavailable(f"{service.name} did not answer {method} {url}: {error}") from error
