"""LinkedIn Job Posting API client: OAuth2 client credentials, batch_create of jobs, task polling.

Retries, the deadline and timeouts come from `adapters.http`; what LinkedIn documents and why a
re-sent batch is safe: docs/channels/linkedin.md.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Self
from urllib.parse import quote, unquote

import requests

from syndicate.adapters import http
from syndicate.adapters.http import RETRY_STATUSES, RetryPolicy, Timeouts, no_deadline

LOG = logging.getLogger(__name__)

API_BASE_URL: Final = "https://api.linkedin.com"
TOKEN_URL: Final = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105 - a URL, not a secret
JOBS_PATH: Final = "/rest/simpleJobPostings"
TASKS_PATH: Final = "/rest/simpleJobPostingTasks"
MAX_JOBS_PER_CALL: Final = 100
MAX_QUERY_CHARS: Final = 4096

IN_PROGRESS: Final = "IN_PROGRESS"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
PROCESSED: Final = "PROCESSED"
ERROR: Final = "ERROR"  # ours: LinkedIn could not report on the task at all (the `errors` map)

_TIMEOUTS: Final = Timeouts()
_RETRY: Final = RetryPolicy()
_VERSION = re.compile(r"\d{6}(\.\d{2})?")
_DUPLICATE_CREATE = "same partnerIdentifier already exists"
_DUPLICATE_JOB_ID = re.compile(r"LinkedIn job id:\s*(\d+)")


class LinkedInError(Exception):
    """A call to LinkedIn did not complete. `retryable`: sending the same work later can succeed."""

    retryable: bool = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        service_error_code: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.service_error_code = service_error_code
        if retryable is not None:
            self.retryable = retryable


class OutOfTime(LinkedInError, http.OutOfTime):
    """Finishing the call (a wait LinkedIn asked for, or one more attempt) would pass the deadline."""


class LinkedInUnavailable(LinkedInError, http.Unavailable):
    """Throttled, server errors, timeouts or dropped connections outlasted the retries."""


SERVICE: Final = http.Service(
    "LinkedIn",
    out_of_time=lambda message, status: OutOfTime(message, status=status),
    unavailable=LinkedInUnavailable,
)


class LinkedInRejected(LinkedInError):
    """LinkedIn refused the whole request (4xx): the same request will be refused again."""

    retryable = False


class LinkedInAuthError(LinkedInError):
    """No usable token: the credentials are refused, or a fresh token was refused too."""


class LinkedInProtocolError(LinkedInError):
    """LinkedIn's answer does not have the documented shape."""


@dataclass(frozen=True, slots=True)
class ApiError:
    status: int
    message: str
    service_error_code: int | None = None
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.status}: {self.message.strip()}"


@dataclass(frozen=True, slots=True)
class ElementResult:
    """LinkedIn's answer for one job of a batch_create call."""

    external_id: str
    operation: str
    accepted: bool
    task_urn: str | None = None
    error: ApiError | None = None

    @property
    def already_closed(self) -> bool:
        """A CLOSE refused because the job is closed already (or never existed): nothing left to do."""
        return self.operation == "CLOSE" and self.error is not None and self.error.status == 409


@dataclass(frozen=True, slots=True)
class TaskStatus:
    urn: str
    status: str  # IN_PROGRESS, SUCCEEDED, FAILED, PROCESSED, or ERROR (no report on the task)
    external_id: str | None = None
    job_posting: str | None = None  # urn:li:jobPosting:...
    error: str | None = None
    location: str | None = None

    @property
    def done(self) -> bool:
        return self.status != IN_PROGRESS

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED or (self.status == PROCESSED and not self.error)

    @property
    def failed(self) -> bool:
        return self.done and not self.succeeded

    @property
    def duplicate_create(self) -> bool:
        """A CREATE for a job LinkedIn already has, e.g. a retried call: the job exists (`job_posting`)."""
        return self.status == FAILED and _DUPLICATE_CREATE in (self.error or "")


class TokenProvider:
    """OAuth2 client-credentials token, cached until shortly before it expires.

    `credentials()` returns {"client_id": ..., "client_secret": ...} (e.g. Powertools
    `get_secret(name, transform="json", max_age=...)`); it is called for every new token so a rotated
    secret is picked up. Neither the secret nor the token is ever logged.
    """

    def __init__(
        self,
        session: requests.Session,
        credentials: Callable[[], Mapping[str, Any]],
        token_url: str = TOKEN_URL,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._credentials = credentials
        self._url = token_url
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def token(self, timeout: tuple[float, float]) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, self._refresh_at = self._fetch(timeout)
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (LinkedIn refused it); a token fetched meanwhile by someone else stays."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self, timeout: tuple[float, float]) -> tuple[str, float]:
        client_id, client_secret = _client_credentials(self._credentials())
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        started = self._clock()
        headers = {"Accept": "application/json"}
        response = http.send(self._session, SERVICE, "POST", self._url, timeout, data=form, headers=headers)
        if response.status_code in (400, 401):
            body = _json_object(response)
            reason = body.get("error_description") or body.get("error") or body.get("message") or "refused"
            raise LinkedInAuthError(
                f"LinkedIn refused the client credentials ({response.status_code}): {reason}",
                status=response.status_code,
                retryable=False,
            )
        _raise_for_status(response, "access token")
        body = _json_object(response)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise LinkedInProtocolError("LinkedIn's token answer has no access_token/expires_in")
        # Refresh a little early so a token never expires between our check and LinkedIn's.
        margin = min(self._margin, expires_in / 2)
        return token, started + expires_in - margin


class LinkedInClient:
    """batch_create jobs and read their tasks. Build once per container; set the deadline per invocation."""

    def __init__(
        self,
        *,
        credentials: Callable[[], Mapping[str, Any]],
        version: str,
        base_url: str = API_BASE_URL,
        token_url: str = TOKEN_URL,
        deadline: Callable[[], float] = no_deadline,
        timeouts: Timeouts = _TIMEOUTS,
        retry: RetryPolicy = _RETRY,
        token_refresh_margin: float = 60.0,
    ) -> None:
        if not _VERSION.fullmatch(version):
            raise ValueError(f"LinkedIn-Version must look like YYYYMM (or YYYYMM.RR), not {version!r}")
        self._version = version
        self._base = base_url.rstrip("/")
        self._timeouts = timeouts
        self._deadline = http.Deadline(SERVICE, deadline)
        self.session = http.pooled_session(
            retry, methods=frozenset({"GET", "POST"}), deadline=lambda: self._deadline
        )
        self.tokens = TokenProvider(self.session, credentials, token_url, refresh_margin=token_refresh_margin)

    def set_deadline(self, deadline: Callable[[], float]) -> None:
        """Seconds this invocation may still spend; e.g. `handlers.batch.seconds_left(context)`."""
        self._deadline.seconds_left = deadline

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- operations -------------------------------------------------------------------------------

    def batch_create(self, elements: Sequence[Mapping[str, Any]]) -> list[ElementResult]:
        """Submit up to 100 jobs (each with its `jobPostingOperationType`); one result per job, in order.

        Raises ValueError for a batch LinkedIn forbids (over 100 jobs, a job without an id, two for one
        id) before sending anything; `LinkedInError` when the call as a whole did not complete.
        """
        ids = _checked_ids(elements)
        if not elements:
            return []
        body = {"elements": [dict(element) for element in elements]}
        response = self._call("POST", self._base + JOBS_PATH, "batch_create", body)
        answers = _json_object(response).get("elements")
        if not isinstance(answers, list) or len(answers) != len(elements):
            count = len(answers) if isinstance(answers, list) else "no"
            raise LinkedInProtocolError(
                f"batch_create sent {len(elements)} jobs but LinkedIn answered {count} elements"
            )
        operations = [str(element.get("jobPostingOperationType", "")) for element in elements]
        return [
            _element_result(external_id, operation, answer)
            for external_id, operation, answer in zip(ids, operations, answers, strict=True)
        ]

    def task_statuses(self, urns: Iterable[str]) -> dict[str, TaskStatus]:
        """Status of each task; a task LinkedIn says nothing about is left out (poll it again later)."""
        statuses: dict[str, TaskStatus] = {}
        for chunk in _query_chunks(list(dict.fromkeys(urns))):
            ids = ",".join(quote(urn, safe="") for urn in chunk)
            response = self._call("GET", f"{self._base}{TASKS_PATH}?ids=List({ids})", "batch_get")
            statuses.update(_task_statuses(_json_object(response)))
        return statuses

    # --- transport --------------------------------------------------------------------------------

    def _timeout(self, url: str) -> tuple[float, float]:
        return self._deadline.timeouts(self._timeouts, url)

    def _call(self, method: str, url: str, restli_method: str, body: Any = None) -> requests.Response:
        """One API call with a valid token: on a 401 the token is refreshed once and the call re-sent once."""
        response: requests.Response | None = None
        for attempt in (1, 2):
            token = self.tokens.token(self._timeout(url))
            headers = {
                "Authorization": f"Bearer {token}",
                "LinkedIn-Version": self._version,
                "X-Restli-Protocol-Version": "2.0.0",
                "X-Restli-Method": restli_method,
                "Accept": "application/json",
            }
            if body is not None:
                headers["Content-Type"] = "application/json"
            timeout = self._timeout(url)
            response = http.send(self.session, SERVICE, method, url, timeout, headers=headers, json=body)
            if response.status_code != 401:
                break
            error = _api_error(response)
            self.tokens.invalidate(token)
            if attempt == 1:
                LOG.info(
                    "LinkedIn refused the access token (serviceErrorCode %s); refreshing it once",
                    error.service_error_code,
                )
        assert response is not None  # the loop runs at least once
        if response.status_code == 401:
            error = _api_error(response)
            raise LinkedInAuthError(
                f"LinkedIn refused a freshly issued access token: {error}",
                status=401,
                service_error_code=error.service_error_code,
            )
        _raise_for_status(response, restli_method)
        return response


# --- helpers ----------------------------------------------------------------------------------------


def _raise_for_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status in (200, 201):
        return
    error = _api_error(response)
    message = f"{what}: LinkedIn answered {error}"
    if status in RETRY_STATUSES:
        raise LinkedInUnavailable(
            message + " (after retries)", status=status, service_error_code=error.service_error_code
        )
    raise LinkedInRejected(message, status=status, service_error_code=error.service_error_code)


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise LinkedInProtocolError(f"LinkedIn answered {response.status_code} without JSON") from error
    if not isinstance(body, dict):
        raise LinkedInProtocolError(f"LinkedIn answered {response.status_code} with JSON that is no object")
    return body


def _api_error(response: requests.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return _error_of(body, response.status_code)
    return ApiError(response.status_code, response.reason or "no message")


def _error_of(body: Mapping[str, Any], status: int) -> ApiError:
    code = body.get("serviceErrorCode")
    return ApiError(
        status=body["status"] if isinstance(body.get("status"), int) else status,
        message=str(body.get("message") or "no message"),
        service_error_code=code if isinstance(code, int) else None,
        code=body["code"] if isinstance(body.get("code"), str) else None,
    )


def _client_credentials(secret: Mapping[str, Any]) -> tuple[str, str]:
    client_id, client_secret = secret.get("client_id"), secret.get("client_secret")
    if (
        not isinstance(client_id, str)
        or not client_id
        or not isinstance(client_secret, str)
        or not client_secret
    ):
        raise LinkedInAuthError(
            "the LinkedIn secret must hold non-empty 'client_id' and 'client_secret'", retryable=False
        )
    return client_id, client_secret


def _checked_ids(elements: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(elements) > MAX_JOBS_PER_CALL:
        raise ValueError(f"LinkedIn takes at most {MAX_JOBS_PER_CALL} jobs a call, got {len(elements)}")
    ids: list[str] = []
    seen: set[str] = set()
    for index, element in enumerate(elements):
        external_id = element.get("externalJobPostingId")
        if not isinstance(external_id, str) or not external_id:
            raise ValueError(f"job {index} of the batch has no externalJobPostingId")
        if external_id in seen:
            raise ValueError(f"two jobs for externalJobPostingId {external_id!r} in one call")
        seen.add(external_id)
        ids.append(external_id)
    return ids


def _element_result(external_id: str, operation: str, answer: Any) -> ElementResult:
    if not isinstance(answer, dict):
        return ElementResult(external_id, operation, False, error=ApiError(0, "LinkedIn answered no element"))
    status = answer.get("status")
    status = status if isinstance(status, int) else 0
    task = answer.get("id")
    if status in (200, 201, 202) and isinstance(task, str) and task:
        return ElementResult(external_id, operation, True, task_urn=task)
    error = answer.get("error")
    if isinstance(error, dict):
        return ElementResult(external_id, operation, False, error=_error_of(error, status))
    return ElementResult(
        external_id, operation, False, error=ApiError(status, "LinkedIn accepted the job without a task id")
    )


def _query_chunks(urns: list[str]) -> Iterator[list[str]]:
    """Groups of task URNs whose `ids=List(...)` query stays within LinkedIn's 4 KB query string."""
    chunk: list[str] = []
    length = len("ids=List()")
    for urn in urns:
        size = len(quote(urn, safe="")) + 1
        if chunk and (length + size > MAX_QUERY_CHARS or len(chunk) == MAX_JOBS_PER_CALL):
            yield chunk
            chunk, length = [], len("ids=List()")
        chunk.append(urn)
        length += size
    if chunk:
        yield chunk


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _task_statuses(body: Mapping[str, Any]) -> dict[str, TaskStatus]:
    statuses: dict[str, TaskStatus] = {}
    results = body.get("results")
    for key, result in (results if isinstance(results, dict) else {}).items():
        if not isinstance(result, dict):
            continue
        # Rest.li 2.0 may return the map keys encoded; the task's own `id` is plain.
        urn = _text(result.get("id")) or unquote(key)
        error = _text(result.get("errorMessage")) or _text(result.get("statusReason"))
        job_posting = _text(result.get("jobPosting"))
        status = _text(result.get("status")) or IN_PROGRESS
        if job_posting is None and status == FAILED and error and _DUPLICATE_CREATE in error:
            found = _DUPLICATE_JOB_ID.search(error)
            job_posting = f"urn:li:jobPosting:{found.group(1)}" if found else None
        statuses[urn] = TaskStatus(
            urn=urn,
            status=status,
            external_id=_text(result.get("externalJobPostingId")),
            job_posting=job_posting,
            error=error,
            location=_text(result.get("location")),
        )
    errors = body.get("errors")
    for key, error_body in (errors if isinstance(errors, dict) else {}).items():
        if not isinstance(error_body, dict):
            continue
        failure = _error_of(error_body, 0)
        if 400 <= failure.status < 500:  # a 5xx for one task is transient: poll it again later
            urn = unquote(key)
            statuses.setdefault(urn, TaskStatus(urn=urn, status=ERROR, error=str(failure)))
    return statuses
