"""`syndicate serve`, `sign` and `status` as an integrator uses them (README "Webhook for ATS"), and
schemathesis against the running server: no request may get a 5xx, every answer must match
schemas/webhook.openapi.yaml. Each server is a real subprocess on 127.0.0.1 with its own moto.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from syndicate.core import signature

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "schemas" / "webhook.openapi.yaml"
EXAMPLE = ROOT / "examples" / "postings.json"
STARTUP_SECONDS = 90


@dataclass
class Server:
    process: subprocess.Popen[str]
    out: Path
    lines: list[str] = field(default_factory=list)
    url: str = ""
    secret: str = ""

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def environment(**extra: str) -> dict[str, str]:
    paths = [str(ROOT / "functions"), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), **extra}


def start_server(out: Path, *options: str) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "syndicate.cli.main", "serve", "--port", "0", "--out", str(out), *options],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process, out)
    assert process.stdout is not None
    stream = process.stdout

    def read() -> None:
        for line in stream:
            server.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        text = server.output()
        url, secret = re.search(r"^  url:\s+(\S+)", text, re.M), re.search(r"^  secret:\s+(\S+)", text, re.M)
        if url and secret:
            server.url, server.secret = url.group(1), secret.group(1)
            return server
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"syndicate serve did not start:\n{server.output()}")


def cli(*arguments: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", *arguments],
        cwd=ROOT,
        env=environment(**extra_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as failure:
        return failure.code, dict(failure.headers), failure.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve") / "out")
    yield running
    assert running.stop() == 0, running.output()


# --- the README walkthrough ------------------------------------------------------------------------------


def test_serve_sign_curl_status_walkthrough(server: Server) -> None:
    banner = server.output()
    # The printed example is the walkthrough: sign the file, send it with these headers, ask for status.
    assert "syndicate sign --secret-env SYNDICATE_SECRET examples/postings.json" in banner
    assert f"curl -i -X POST {server.url}/v1/postings" in banner
    assert "-H 'Syndicate-Client: local'" in banner and '"Syndicate-Signature: $SIG"' in banner

    signed = cli(
        "sign", "--secret-env", "SYNDICATE_SECRET", "examples/postings.json", SYNDICATE_SECRET=server.secret
    )
    assert signed.returncode == 0, signed.stderr
    header = signed.stdout.strip()
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    status, _, body = http(
        "POST",
        f"{server.url}/v1/postings",
        EXAMPLE.read_bytes(),
        {"Content-Type": "application/json", "Syndicate-Client": "local", "Syndicate-Signature": header},
    )
    assert status == 202, body
    accepted = json.loads(body)
    assert [p["id"] for p in accepted["postings"]][:1] == ["RN-ICU-2207"]

    shown = cli(
        "status",
        "RN-ICU-2207",
        "--url",
        server.url,
        "--secret-env",
        "SYNDICATE_SECRET",
        SYNDICATE_SECRET=server.secret,
    )
    assert shown.returncode == 0, shown.stderr
    for channel in ("linkedin", "indeed", "schemaorg"):
        assert re.search(rf"^  {channel}\s+published", shown.stdout, re.M), shown.stdout
    assert "https://jobs.example.org/jobs/RN-ICU-2207.html" in shown.stdout

    skipped = cli("status", "WH-ASSOC-310", "--url", server.url, "--json", SYNDICATE_SECRET=server.secret)
    document = json.loads(skipped.stdout)
    assert document["channels"]["indeed"]["state"] == "skipped"
    assert "contact email" in document["channels"]["indeed"]["reason"]
    assert document["channels"]["schemaorg"]["state"] == "published"

    unknown = cli("status", "NOT-THERE", "--url", server.url, SYNDICATE_SECRET=server.secret)
    assert unknown.returncode == 1 and "no posting" in unknown.stderr
    wrong = cli("status", "RN-ICU-2207", "--url", server.url, SYNDICATE_SECRET="not-the-secret")
    assert wrong.returncode == 1 and "401" in wrong.stderr


def test_refusals_keep_their_status_and_headers_over_http(server: Server) -> None:
    posting = EXAMPLE.read_bytes()
    status, headers, body = http(
        "POST", f"{server.url}/v1/postings", posting, {"Content-Type": "application/json"}
    )
    assert (status, json.loads(body)["error"]) == (401, "client_missing")
    assert "WWW-Authenticate" in headers

    def signed(body: bytes, **extra: str) -> dict[str, str]:
        header = signature.header_value(server.secret, int(time.time()), body)
        return {
            "Content-Type": "application/json",
            "Syndicate-Client": "local",
            "Syndicate-Signature": header,
            **extra,
        }

    assert http("POST", f"{server.url}/v1/postings", b"{oops", signed(b"{oops"))[0] == 400
    text_headers = signed(posting) | {"Content-Type": "text/csv"}
    assert http("POST", f"{server.url}/v1/postings", posting, text_headers)[0] == 415
    huge = b" " * (10 * 1024 * 1024 + 1)
    status, _, body = http("POST", f"{server.url}/v1/postings", huge, {"Content-Type": "application/json"})
    assert (status, json.loads(body)) == (413, {"message": "Request Too Long"})
    keyed = json.dumps({"postings": json.loads(posting)["postings"][:1]}).encode("utf-8")
    first = http("POST", f"{server.url}/v1/postings", keyed, signed(keyed, **{"Idempotency-Key": "e2e-1"}))
    again = http("POST", f"{server.url}/v1/postings", keyed, signed(keyed, **{"Idempotency-Key": "e2e-1"}))
    assert first[0] == again[0] == 202
    assert json.loads(first[2]) == json.loads(again[2])
    assert again[1].get("Idempotency-Replayed") == "true"


def test_the_stage_throttle_answers_429(server: Server) -> None:
    def one(_: int) -> tuple[int, bytes]:
        status, _, body = http("GET", f"{server.url}/v1/postings/X")
        return status, body

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(120)))
    throttled = [body for status, body in answers if status == 429]
    assert throttled, sorted({status for status, _ in answers})
    assert json.loads(throttled[0]) == {"message": "Too Many Requests"}
    assert {status for status, _ in answers} <= {401, 429}
    time.sleep(2.5)  # let the bucket refill for whatever runs next against this server


# --- the OpenAPI document, against the running server -------------------------------------------------------


class SignedRequests(requests.auth.AuthBase):
    """Signs each request over the exact bytes about to be sent, as a client library would."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        assert isinstance(raw, bytes)
        request.headers["Syndicate-Client"] = "local"
        request.headers["Syndicate-Signature"] = signature.header_value(self.secret, int(time.time()), raw)
        return request


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_document(server: Server) -> None:
    schema = schemathesis.openapi.from_path(str(OPENAPI))
    submit, status = schema["/v1/postings"]["POST"], schema["/v1/postings/{posting_id}"]["GET"]
    session = requests.Session()
    session.auth = SignedRequests(server.secret)
    seen: dict[str, set[int]] = {}

    def exchange(case: schemathesis.Case) -> None:
        response = case.call(base_url=server.url, session=session)
        seen.setdefault(case.operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    # The document's own examples first: they must be accepted (and the GET example then found).
    document = yaml.safe_load(OPENAPI.read_text("utf-8"))
    examples = document["paths"]["/v1/postings"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    for example in examples.values():
        exchange(submit.Case(body=example["value"], media_type="application/json"))
    exchange(status.Case(path_parameters={"posting_id": "EXAMPLE-1"}))
    assert seen == {submit.label: {202}, status.label: {200}}, seen

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in (submit, status):

            @settings(
                max_examples=12,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def generated(case: schemathesis.Case) -> None:
                exchange(case)

            generated()
    assert {202, 400, 422} <= seen[submit.label] and {200, 404} <= seen[status.label], seen


# --- stopping ---------------------------------------------------------------------------------------


def test_a_stopped_server_leaves_outputs_for_status_and_never_logged_a_secret(tmp_path: Path) -> None:
    running = start_server(tmp_path / "out", "--client", "acme")
    try:
        body = EXAMPLE.read_bytes()
        header = signature.header_value(running.secret, int(time.time()), body)
        headers = {
            "Content-Type": "application/json",
            "Syndicate-Client": "acme",
            "Syndicate-Signature": header,
        }
        assert http("POST", f"{running.url}/v1/postings", body, headers)[0] == 202
        assert (
            http("GET", f"{running.url}/v1/postings/RN-ICU-2207", None, headers)[0] == 401
        )  # signed for the POST
    finally:
        assert running.stop() == 0, running.output()
    assert "stopped; outputs and state.json in" in running.output()
    assert (tmp_path / "out" / "indeed" / "feed.xml").is_file()
    shown = cli("status", "RN-ICU-2207", "--out", str(tmp_path / "out"))
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^  indeed\s+published", shown.stdout, re.M)
    logs = (tmp_path / "out" / "logs" / "functions.log").read_text("utf-8")
    assert '"route":"submit","status":202' in logs  # the functions did log, to this file
    assert running.secret not in logs
    assert header.split(",v1=")[1] not in logs


# --- a burst of clients, and requests whose framing is ambiguous -------------------------------------------


def _raw_request(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=120) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                head, _, rest = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length and len(rest) >= int(length.group(1)):
                    break
        return answer


def test_two_hundred_parallel_requests_are_all_answered(server: Server) -> None:
    """None is reset: each gets the function's answer or API Gateway's 429 with Retry-After."""
    request = b"GET /v1/postings/X HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n"
    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(lambda _: _raw_request(server.url, request), range(200)))
    statuses = [int(answer.split(b" ", 2)[1]) for answer in answers]
    assert len(statuses) == 200 and set(statuses) <= {401, 429}, sorted(set(statuses))
    throttled = [answer for answer, status in zip(answers, statuses, strict=True) if status == 429]
    assert throttled and all(b"\r\nRetry-After: 1\r\n" in answer for answer in throttled)
    time.sleep(2.5)  # let the bucket refill for whatever runs next against this server


def test_conflicting_content_lengths_are_a_400(server: Server) -> None:
    request = (
        b"POST /v1/postings HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"
    )
    answer = _raw_request(server.url, request)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"conflicting Content-Length" in answer
