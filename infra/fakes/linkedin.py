"""A fake LinkedIn Job Posting API: a real HTTP server on 127.0.0.1 that checks and answers like LinkedIn.

Tokens, batch_create and task status, with LinkedIn's errors and injectable faults (`FaultPlan`).
What it checks and the pages it follows: docs/local-runtime.md, "LinkedIn Job Posting API".
"""

from __future__ import annotations

import contextlib
import hmac
import json
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self, cast
from urllib.parse import parse_qs, unquote

from infra.fakes.serving import BackgroundServer

TOKEN_PATH = "/oauth/v2/accessToken"  # noqa: S105 - a path, not a secret
JOBS_PATH = "/rest/simpleJobPostings"
TASKS_PATH = "/rest/simpleJobPostingTasks"
_ENDPOINTS = {TOKEN_PATH: "token", JOBS_PATH: "jobs", TASKS_PATH: "tasks"}
_METHODS = {"token": "POST", "jobs": "POST", "tasks": "GET"}

MAX_JOBS = 100
PARTNER_URN = "urn:li:jobPostingPartner:1"
TASK_PREFIX = "urn:li:simpleJobPostingTask:"
OPERATIONS = ("CREATE", "UPDATE", "RENEW", "CLOSE")
REQUIRED = ("externalJobPostingId", "jobPostingOperationType", "title", "description", "listedAt")
REQUIRED_TOO = ("location", "posterEmail")  # posterEmail: required since the June 2025 release notes
TEXT_FIELDS = (*REQUIRED[:4], *REQUIRED_TOO, "companyApplyUrl", "skillsDescription", "companyName")
MAX_LENGTHS = {"externalJobPostingId": 75, "title": 200, "skillsDescription": 4000}
ENUMS = {
    "employmentStatus": (
        "FULL_TIME",
        "PART_TIME",
        "CONTRACT",
        "INTERNSHIP",
        "TEMPORARY",
        "VOLUNTEER",
        "OTHER",
    ),
    "experienceLevel": (
        "ENTRY_LEVEL",
        "MID_SENIOR_LEVEL",
        "DIRECTOR",
        "EXECUTIVE",
        "INTERNSHIP",
        "ASSOCIATE",
        "NOT_APPLICABLE",
    ),
}
WORKPLACE_TYPES = ("on-site", "hybrid", "remote")
COMPANY_FIELDS = ("integrationContext", "company", "companyName", "companyPageUrl")
_VERSION = re.compile(r"\d{6}(\.\d{2})?")

_CLIENT_ERROR = (
    "Job processing failed due to a client-side error. Please check payload and integration setup."
)


class Fault(StrEnum):
    THROTTLE = "429"
    SERVER_ERROR = "500"
    SLOW = "slow"
    DROP = "drop"
    DROP_AFTER = "drop_after"
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 - a fault name, not a secret


@dataclass(frozen=True)
class FaultPlan:
    """Which calls fail: first the `sequence` (None = no fault), one entry per call, then a `share` of
    calls with a kind drawn from `kinds`. Only calls to `endpoints` ("token", "jobs", "tasks") count."""

    share: float = 0.0
    kinds: tuple[Fault, ...] = tuple(Fault)
    sequence: tuple[Fault | None, ...] = ()
    retry_after: int | None = 1
    slow_seconds: float = 1.0
    endpoints: frozenset[str] = frozenset({"jobs", "tasks"})


@dataclass
class Job:
    external_id: str
    job_posting: str
    state: str  # LISTED or CLOSED
    operations: list[str]  # every operation applied, in order

    @property
    def last_operation(self) -> str:
        return self.operations[-1]


@dataclass
class _Task:
    urn: str
    external_id: str
    status: str
    job_posting: str | None = None
    error: str | None = None
    polls_left: int = 1


@dataclass
class _Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


def _error(
    status: int, message: str, service_error_code: int | None = None, code: str | None = None
) -> _Answer:
    body: dict[str, Any] = {"message": message, "status": status}
    if service_error_code is not None:
        body["serviceErrorCode"] = service_error_code
    if code is not None:
        body["code"] = code
    return _Answer(status, body)


class FakeLinkedIn:
    def __init__(
        self,
        *,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",  # noqa: S107 - the fake's own test secret
        token_ttl: int = 1800,
        seed: int = 0,
        faults: FaultPlan | None = None,
        rejected_word: str | None = None,
        legacy_feed_ids: Collection[str] = (),
        polls_until_done: int = 1,
        record_to: Path | None = None,
        versions: Collection[str] | None = None,
        listed_at_leeway: float = 0.0,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_ttl = token_ttl
        self._rng = random.Random(seed)  # noqa: S311 - reproducible faults and ids, not security
        self._plan = faults or FaultPlan()
        self._queued: list[Fault | None] = list(self._plan.sequence)
        self._rejected_word = rejected_word.lower() if rejected_word else None
        self._legacy = frozenset(legacy_feed_ids)
        self._polls = polls_until_done
        self._record_to = record_to
        self._versions = frozenset(versions) if versions is not None else None
        self._leeway_ms = int(listed_at_leeway * 1000)
        self._lock = threading.RLock()
        self._tokens: dict[str, float] = {}  # token -> time.monotonic() it expires at
        self._jobs: dict[str, Job] = {}
        self._tasks: dict[str, _Task] = {}
        self._next_job_id = 3_900_000_000
        self.calls: Counter[str] = Counter()
        self.creates: Counter[str] = Counter()  # job postings made per externalJobPostingId
        self.faults_injected: Counter[Fault] = Counter()
        self.tokens_issued = 0
        self._serving: BackgroundServer | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._serving is None:
            if self._record_to is not None:
                self._record_to.parent.mkdir(parents=True, exist_ok=True)
            self._serving = BackgroundServer(_Server(self))
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
    def base_url(self) -> str:
        if self._serving is None:
            raise RuntimeError("FakeLinkedIn is not started")
        return self._serving.url

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    # --- control and inspection --------------------------------------------------------------------

    def set_faults(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._queued = list(plan.sequence)

    def inject(self, *faults: Fault | None) -> None:
        """The next calls (to the plan's endpoints) get these faults, in order."""
        with self._lock:
            self._queued.extend(faults)

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0.0

    @property
    def jobs(self) -> dict[str, Job]:
        with self._lock:
            return {key: replace(job, operations=list(job.operations)) for key, job in self._jobs.items()}

    # --- request handling (called from the server's threads) ----------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], query: str, body: bytes) -> _Answer:
        endpoint = _ENDPOINTS.get(path)
        if endpoint is None:
            return _error(404, f"Resource {path.rsplit('/', 1)[-1]} does not exist")
        if method != _METHODS[endpoint]:
            return _error(405, f"{method} is not allowed on {path}")
        with self._lock:
            self.calls[endpoint] += 1
            fault = self._draw_fault(endpoint)
            if fault is Fault.DROP:
                return _Answer(drop=True)
            if fault is Fault.THROTTLE:
                answer = _error(429, "Resource level throttle limit for calls to this resource is reached.")
                if self._plan.retry_after is not None:
                    answer.headers["Retry-After"] = str(self._plan.retry_after)
                return answer
            if fault is Fault.SERVER_ERROR:
                return _error(500, "Internal Server Error")
            if fault is Fault.EXPIRED_TOKEN:
                self._expire(headers.get("authorization", ""))
            answer = self._route(endpoint, headers, query, body)
            if fault is Fault.SLOW:
                answer.delay = self._plan.slow_seconds
            answer.drop = fault is Fault.DROP_AFTER
            return answer

    def _draw_fault(self, endpoint: str) -> Fault | None:
        if endpoint not in self._plan.endpoints:
            return None
        if self._queued:
            fault = self._queued.pop(0)
        elif self._plan.share > 0 and self._rng.random() < self._plan.share:
            fault = self._rng.choice(self._plan.kinds)
        else:
            return None
        if fault is Fault.EXPIRED_TOKEN and endpoint == "token":
            return None
        if fault is not None:
            self.faults_injected[fault] += 1
        return fault

    def _expire(self, authorization: str) -> None:
        token = authorization.partition(" ")[2]
        if token in self._tokens:
            self._tokens[token] = 0.0

    def _route(self, endpoint: str, headers: Mapping[str, str], query: str, body: bytes) -> _Answer:
        if endpoint == "token":
            return self._issue_token(headers, body)
        refused = self._check_auth(headers) or self._check_version(headers)
        if refused is not None:
            return refused
        if headers.get("x-restli-protocol-version") != "2.0.0":
            return _error(400, "X-Restli-Protocol-Version must be 2.0.0")
        if endpoint == "jobs":
            return self._batch_create(headers, body)
        return self._batch_get(headers, query)

    # --- OAuth ---------------------------------------------------------------------------------------

    def _issue_token(self, headers: Mapping[str, str], body: bytes) -> _Answer:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _Answer(
                400, {"error": "invalid_request", "error_description": "form-encoded body expected"}
            )
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

        def one(name: str) -> str:
            return (form.get(name) or [""])[0]

        if one("grant_type") != "client_credentials":
            return _Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
            )
        id_ok = hmac.compare_digest(one("client_id"), self._client_id)
        secret_ok = hmac.compare_digest(one("client_secret"), self._client_secret)
        if not (id_ok and secret_ok):
            return _Answer(
                401, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        token = f"{self._rng.getrandbits(192):048x}"
        self._tokens[token] = time.monotonic() + self._token_ttl
        self.tokens_issued += 1
        return _Answer(200, {"access_token": token, "expires_in": self._token_ttl})

    def _check_auth(self, headers: Mapping[str, str]) -> _Answer | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return _error(401, "Empty oauth2_access_token", 401)
        expires_at = self._tokens.get(token)
        if expires_at is None:
            return _error(401, "Invalid access token", 65600, "INVALID_ACCESS_TOKEN")
        if time.monotonic() >= expires_at:
            return _error(401, "The token used in the request has expired", 65602, "EXPIRED_ACCESS_TOKEN")
        return None

    def _check_version(self, headers: Mapping[str, str]) -> _Answer | None:
        version = headers.get("linkedin-version")
        if not version:
            return _error(
                400,
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                code="VERSION_MISSING",
            )
        if not _VERSION.fullmatch(version) or (self._versions is not None and version not in self._versions):
            return _error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
        return None

    # --- batch_create ------------------------------------------------------------------------------

    def _batch_create(self, headers: Mapping[str, str], raw: bytes) -> _Answer:
        restli_method = headers.get("x-restli-method")
        if not restli_method:
            return _error(
                403,
                "Unpermitted fields present in REQUEST_BODY: "
                "Data Processing Exception while processing fields [/elements]",
            )
        if restli_method.lower() != "batch_create":
            return _error(400, f"X-Restli-Method {restli_method} is not supported on POST /simpleJobPostings")
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "Content-Type must be application/json")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "Unable to parse the request body as JSON")
        elements = body.get("elements") if isinstance(body, dict) else None
        if not isinstance(elements, list) or not elements:
            return _error(
                400, "ERROR :: /elements :: field is required but not found and has no default value\n"
            )
        if len(elements) > MAX_JOBS:
            return _error(
                400, f"At most {MAX_JOBS} jobs can be submitted in one batch call, got {len(elements)}"
            )
        ids = [e.get("externalJobPostingId") for e in elements if isinstance(e, dict)]
        repeated = sorted({str(i) for i in ids if i is not None and ids.count(i) > 1})
        if repeated:
            return _error(
                400, f"Duplicate updates to the same externalJobPostingId in one call: {', '.join(repeated)}"
            )
        now_ms = int(time.time() * 1000)
        answer = {"elements": [self._element(element, now_ms) for element in elements]}
        self._record(headers, body, answer)
        return _Answer(200, answer)

    def _element(self, element: Any, now_ms: int) -> dict[str, Any]:
        problem = _element_problem(element, now_ms + self._leeway_ms)
        if problem is not None:
            return _element_error(*problem)
        external_id, operation = element["externalJobPostingId"], element["jobPostingOperationType"]
        job = self._jobs.get(external_id)
        if operation == "CLOSE" and (job is None or job.state == "CLOSED"):
            return _element_error(409, "Cannot close job which is already closed or does not exist")
        task = _Task(f"{TASK_PREFIX}{self._uuid()}", external_id, "SUCCEEDED", polls_left=self._polls)
        task.error, invalid_payload = self._apply(operation, element, job)
        if external_id in self._legacy and (task.error is None or invalid_payload):
            task.status = "PROCESSED"  # still posted from the employer's XML feed, checked all the same
        elif task.error is not None:
            task.status = "FAILED"
        job = self._jobs.get(external_id)
        task.job_posting = job.job_posting if job is not None and task.error is None else None
        self._tasks[task.urn] = task
        return {"id": task.urn, "status": 202}

    def _apply(self, operation: str, element: Mapping[str, Any], job: Job | None) -> tuple[str | None, bool]:
        """Carry out one accepted job: the error its task will report (None: done), and whether that
        error is about the job's content (rather than about the job's existence)."""
        external_id = element["externalJobPostingId"]
        late = None if operation == "CLOSE" else self._late_problem(element)
        if operation == "CREATE":
            if job is not None:
                return (
                    f"{_CLIENT_ERROR} Error details: Trying to create a job with same partnerIdentifier "
                    "already exists. It is duplicate creation request for a basic job or a non-draft premium "
                    "job. Dropping the duplicate job posting creation request. "
                    f"LinkedIn job id: {job.job_posting.rsplit(':', 1)[-1]}, "
                    f"externalJobPostingId: {external_id}"
                ), False
            if late is None:
                self._next_job_id += 1
                urn = f"urn:li:jobPosting:{self._next_job_id}"
                self._jobs[external_id] = Job(external_id, urn, "LISTED", ["CREATE"])
                self.creates[external_id] += 1
            return late, late is not None
        if job is None:
            return (
                f"{_CLIENT_ERROR} Error details: Operation type {operation} is not allowed for a "
                f"non-existing job of partner urn {PARTNER_URN}, partner job code ({external_id})"
            ), False
        if operation == "UPDATE" and job.state == "CLOSED":
            return (
                f"{_CLIENT_ERROR} Error details: Operation type UPDATE is not allowed for a closed job",
                False,
            )
        if late is not None:
            return late, True
        job.state = "CLOSED" if operation == "CLOSE" else "LISTED"
        job.operations.append(operation)
        return None, False

    def _late_problem(self, element: Mapping[str, Any]) -> str | None:
        description = element["description"]
        if len(description) < 100:
            return (
                f"Job {{partner={PARTNER_URN}, partnerJobCode={element['externalJobPostingId']}}} was "
                "dropped: true\n\nInvalid Field: /description; Drop Message: The description length should "
                "be at least 100 characters"
            )
        if len(description) > 25_000:
            return (
                "This job post has an invalid job description. Please ensure a job description is present "
                "and between 100 - 25,000 characters."
            )
        if self._rejected_word and self._rejected_word in element["title"].lower():
            return (
                "This job is blocked as its title is marked invalid. "
                "Failure reason reference code: [JOB_FIELD_PROCESSOR_TITLE]."
            )
        return None

    def _record(self, headers: Mapping[str, str], body: Any, answer: Any) -> None:
        if self._record_to is None:
            return
        line = {
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "linkedin_version": headers.get("linkedin-version"),
            "body": body,
            "response": answer,
        }
        with self._record_to.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _uuid(self) -> str:
        text = f"{self._rng.getrandbits(128):032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    # --- tasks ---------------------------------------------------------------------------------------

    def _batch_get(self, headers: Mapping[str, str], query: str) -> _Answer:
        restli_method = headers.get("x-restli-method")
        if restli_method and restli_method.lower() != "batch_get":
            return _error(
                400, f"X-Restli-Method {restli_method} is not supported on GET /simpleJobPostingTasks"
            )
        if len(query) > 4096:
            return _error(414, "The query string is longer than 4 KB")
        urns = _task_ids(query)
        if not urns or any(not urn.startswith(TASK_PREFIX) for urn in urns):
            return _error(400, "Batch key parameter value is invalid")
        results: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for urn in urns:
            task = self._tasks.get(urn)
            if task is None:
                errors[urn] = {"message": f"Task {urn} does not exist", "status": 404}
            else:
                results[urn] = _poll(task)
        return _Answer(200, {"results": results, "statuses": {}, "errors": errors})


def _poll(task: _Task) -> dict[str, Any]:
    result: dict[str, Any] = {"id": task.urn, "externalJobPostingId": task.external_id}
    if task.polls_left > 0:
        task.polls_left -= 1
        result["status"] = "IN_PROGRESS"
        return result
    result["status"] = task.status
    if task.job_posting is not None:
        result["jobPosting"] = task.job_posting
    if task.error is not None:
        result["errorMessage"] = task.error
    return result


def _task_ids(query: str) -> list[str]:
    """Task URNs from `ids=List(a,b)` (Rest.li 2.0, each URL-encoded) or repeated `ids=a&ids=b`."""
    urns: list[str] = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name != "ids":
            continue
        if value.startswith("List(") and value.endswith(")"):
            urns.extend(unquote(item) for item in value[5:-1].split(",") if item)
        else:
            urns.append(unquote(value))
    return urns


def _element_error(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "status": status}
    if code is not None:
        error["code"] = code
    return {"status": status, "error": error}


def _element_problem(element: Any, latest_listed_at_ms: int) -> tuple[int, str] | tuple[int, str, str] | None:
    """Why LinkedIn refuses this job at once (status, message[, code]); None when it takes it."""
    if not isinstance(element, dict):
        return 422, "ERROR :: / :: the element is not a record\n"
    for name in (*REQUIRED, *REQUIRED_TOO):
        if element.get(name) is None:
            return 422, f"ERROR :: /{name} :: field is required but not found and has no default value\n"
    return _type_problem(element) or _value_problem(element, latest_listed_at_ms)


def _type_problem(element: Mapping[str, Any]) -> tuple[int, str] | None:
    for name in TEXT_FIELDS:
        value = element.get(name)
        if value is not None and not isinstance(value, str):
            return 422, f"ERROR :: /{name} :: {json.dumps(value)} cannot be coerced to String\n"
    for name in ("listedAt", "expireAt"):
        value = element.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return 422, f"ERROR :: /{name} :: {json.dumps(value)} cannot be coerced to Long\n"
    operation = element["jobPostingOperationType"]
    if operation not in OPERATIONS:
        return 422, f'ERROR :: /jobPostingOperationType :: "{operation}" is not an enum symbol\n'
    for name, symbols in ENUMS.items():
        value = element.get(name)
        if value is not None and value not in symbols:
            return 422, f"ERROR :: /{name} :: {json.dumps(value)} is not an enum symbol\n"
    return None


def _value_problem(
    element: Mapping[str, Any], latest_listed_at_ms: int
) -> tuple[int, str] | tuple[int, str, str] | None:
    for name, limit in MAX_LENGTHS.items():
        value = element.get(name)
        if isinstance(value, str) and len(value) > limit:
            return 422, f"ERROR :: /{name} :: length {len(value)} is more than the maximum of {limit}\n"
    workplace = element.get("workplaceTypes")
    if workplace is not None:
        if not isinstance(workplace, list) or len(workplace) > 1:
            return (
                400,
                "The workplaceTypes field cannot have more than one value provided. "
                f"Provided values {workplace}",
            )
        if workplace and str(workplace[0]).lower() not in WORKPLACE_TYPES:
            return 422, f"ERROR :: /workplaceTypes/0 :: {json.dumps(workplace[0])} is not an enum symbol\n"
    alternates = element.get("alternateLocations")
    if isinstance(alternates, list) and len(alternates) > 7:
        return (
            422,
            "The job contains more than seven locations. Please ensure maximum seven locations per job",
        )
    if not any(element.get(name) for name in COMPANY_FIELDS):
        return 400, "Either context or company or companyPageUrl or companyName must be provided"
    if "@" not in element["posterEmail"]:
        return 422, f"ERROR :: /posterEmail :: {json.dumps(element['posterEmail'])} is not an email address\n"
    if element["listedAt"] > latest_listed_at_ms:
        return 400, "listedAt must not be in the future", "ERROR_INVALID_LISTED_AT_FIELD"
    return None


# --- HTTP plumbing ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeLinkedIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (read timeout) before a slow answer is expected, not an error.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's pooled connections are really reused

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read the fake's state, not its access log

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = cast(_Server, self.server).fake.handle(method, path, headers, query, body)
        if answer.delay > 0:
            time.sleep(answer.delay)
        if answer.drop:
            self._hang_up()
            return
        payload = json.dumps(answer.body).encode("utf-8")
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client is gone; nothing to answer

    def _hang_up(self) -> None:
        """Close the connection without a byte of answer, as a dying load balancer would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
