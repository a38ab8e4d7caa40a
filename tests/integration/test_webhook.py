"""The ATS webhook on the embedded stack: API Gateway as the template defines it, the real
WebhookFunction, Secrets Manager, the idempotency table, then the real pipeline behind the intake bucket.

Every refused request is checked to store nothing under incoming/; every status is the documented one
(schemas/webhook.openapi.yaml, whose routes must stay those of the resolver and of the template).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra.fakes.local import LocalChannelApis
from infra.runtime import EmbeddedStack, HttpResponse
from infra.runtime.apigateway import Throttle, http_response, is_binary, match_route
from infra.runtime.aws_env import patched_environ

from syndicate.adapters.state import StateTable
from syndicate.cli.main import main
from syndicate.core import signature
from syndicate.pipeline.api_gateway import MAX_BODY_BYTES, request_from_event
from syndicate.pipeline.webhook_service import MAX_POSTINGS, WEBHOOK_PREFIX
from tests.factories import raw_posting

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
OPENAPI = ROOT / "schemas" / "webhook.openapi.yaml"
CLIENT = "ats"
OLD = "old-secret-7c1e0d5a9b"
NEW = "new-secret-3f88a2c410"
OTHER_CLIENT, OTHER_SECRET = "other-ats", "other-secret-55b1"
PARAMETERS = {
    "SiteBaseUrl": "https://jobs.example.org/",
    "FeedPublisher": "Syndicate",
    "FeedPublisherUrl": "https://example.org/",
    "WebhookClientId": CLIENT,
}


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    # LinkedIn and Google as the local fakes over HTTP: the pipeline behind the webhook never leaves here.
    with LocalChannelApis.running() as apis, EmbeddedStack.from_template(TEMPLATE, PARAMETERS) as running:
        apis.connect(running)
        yield running


SetSecrets = Callable[[dict[str, Any]], None]


@pytest.fixture(autouse=True)
def set_secrets(stack: EmbeddedStack) -> SetSecrets:
    """Replace the clients' secrets and forget the function's cached copy (as after its max_age)."""

    def put(value: dict[str, Any]) -> None:
        stack.secretsmanager.put_secret_value(
            SecretId=stack.secret("WebhookClientSecrets").arn, SecretString=json.dumps(value)
        )
        handler = sys.modules.get("syndicate.handlers.webhook")
        if handler is not None:
            handler.secrets.clear_cache()

    put({CLIENT: [OLD], OTHER_CLIENT: OTHER_SECRET})
    return put


def post(
    stack: EmbeddedStack,
    body: bytes,
    *,
    secrets: str | list[str] | None = OLD,
    client: str | None = CLIENT,
    timestamp: int | None = None,
    content_type: str | None = "application/json",
    extra: dict[str, str] | None = None,
) -> HttpResponse:
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if client is not None:
        headers["Syndicate-Client"] = client
    if secrets is not None:
        moment = int(time.time()) if timestamp is None else timestamp
        headers["Syndicate-Signature"] = signature.header_value(secrets, moment, body)
    headers.update(extra or {})
    return stack.api_request("POST", "/v1/postings", headers, body)


def get(stack: EmbeddedStack, posting_id: str, *, secrets: str | None = OLD) -> HttpResponse:
    headers = {"Syndicate-Client": CLIENT}
    if secrets is not None:
        headers["Syndicate-Signature"] = signature.header_value(secrets, int(time.time()), b"")
    return stack.api_request("GET", f"/v1/postings/{posting_id}", headers)


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def stored(stack: EmbeddedStack) -> dict[str, bytes]:
    bucket = stack.bucket("IntakeBucket").name
    listing = stack.s3.list_objects_v2(Bucket=bucket, Prefix=WEBHOOK_PREFIX).get("Contents", [])
    return {
        item["Key"]: stack.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing
    }


def refused(stack: EmbeddedStack, send: Callable[[], HttpResponse], status: int, code: str) -> HttpResponse:
    before = stored(stack)
    response = send()
    assert response.status == status, response.body
    answer = response.json()
    assert answer["error"] == code
    assert set(answer) == {"error", "message", "request_id"}
    assert stored(stack) == before, "a refused request stored something"
    return response


# --- accepted ----------------------------------------------------------------------------------------


def test_a_signed_valid_posting_is_stored_byte_for_byte_and_answered_202(stack: EmbeddedStack) -> None:
    body = json.dumps(raw_posting(id="WH-VALID"), indent=1).encode("utf-8")  # indented: bytes kept as sent
    before = stored(stack)
    response = post(stack, body)
    assert response.status == 202, response.body
    answer = response.json()
    assert answer["status"] == "accepted"
    (entry,) = answer["postings"]
    assert entry["id"] == "WH-VALID"
    assert entry["status_url"] == "/v1/postings/WH-VALID"  # relative to the host it was sent to
    assert entry["channels"]["indeed"] == {"ready": True, "problems": []}
    new = {key: value for key, value in stored(stack).items() if key not in before}
    ((key, content),) = new.items()
    assert key.startswith(f"{WEBHOOK_PREFIX}{CLIENT}/") and key.endswith(f"-{answer['request_id']}.json")
    assert content == body


def test_a_batch_of_up_to_100_postings_is_accepted(stack: EmbeddedStack) -> None:
    batch = {"postings": [raw_posting(id=f"WH-BATCH-{n}") for n in range(MAX_POSTINGS)]}
    response = post(stack, encoded(batch))
    assert response.status == 202, response.body[:500]
    assert [entry["id"] for entry in response.json()["postings"]] == [f"WH-BATCH-{n}" for n in range(100)]


def test_json_media_type_variants_are_accepted(stack: EmbeddedStack) -> None:
    for number, content_type in enumerate(
        ["application/json; charset=UTF-8", "application/vnd.ats+json", "Application/JSON"]
    ):
        response = post(stack, encoded(raw_posting(id=f"WH-MEDIA-{number}")), content_type=content_type)
        assert response.status == 202, (content_type, response.body)


# --- invalid: 422 with the validate --json report, nothing stored ------------------------------------


def test_an_invalid_posting_gets_the_validate_json_report_and_nothing_is_stored(
    stack: EmbeddedStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = raw_posting(id="WH-GOOD")
    bad = raw_posting(id="WH-BAD", salary={"currency": "USD", "unit": "YEAR", "min": 9, "max": 1}, title="")
    body = encoded({"postings": [good, bad]})
    before = stored(stack)
    response = post(stack, body)
    assert response.status == 422
    reports = response.json()
    assert stored(stack) == before, "one invalid posting must keep the whole body out"
    path = tmp_path / "same.json"
    path.write_bytes(body)
    capsys.readouterr()  # the function's own output (logs, metrics) is not the CLI's
    assert main(["validate", "--json", str(path)]) == 1
    expected = json.loads(capsys.readouterr().out)
    assert [r | {"source": "?"} for r in reports] == [r | {"source": "?"} for r in expected]
    assert [(r["id"], r["valid"]) for r in reports] == [("WH-GOOD", True), ("WH-BAD", False)]
    assert {e["code"] for e in reports[1]["errors"]} >= {"salary_range", "minLength"}


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([{"id": "x"}], "one posting"),
        ("a string", "one posting"),
        ({"postings": {}}, "must be a list"),
        ({"postings": []}, "is empty"),
    ],
)
def test_a_body_that_is_not_postings_is_422(stack: EmbeddedStack, document: Any, words: str) -> None:
    before = stored(stack)
    response = post(stack, encoded(document))
    assert response.status == 422
    (report,) = response.json()
    assert report["valid"] is False and words in report["errors"][0]["message"]
    assert stored(stack) == before


def _hostile(field: str, literal: str) -> bytes:
    """A valid posting's JSON with `field`'s value replaced by the raw JSON text `literal`."""
    text = json.dumps(raw_posting(id="WH-HOSTILE", **{field: "PLACEHOLDER"}))
    return text.replace('"PLACEHOLDER"', literal).encode("utf-8")


@pytest.mark.parametrize(
    ("body", "code", "pointer"),
    [
        (_hostile("title", '"\\ud800 Nurse"'), "unicode", "/title"),
        (_hostile("salary", '{"currency": "USD", "unit": "YEAR", "min": 1e28}'), "maximum", "/salary/min"),
        (_hostile("salary", '{"currency": "USD", "unit": "YEAR", "min": 1e400}'), "number", "/salary/min"),
        (_hostile("experience_months", "9" * 5000), "number", "/experience_months"),
        (_hostile("title", '"Nurse", "title": "Nurse"'), "duplicate_key", "/title"),
    ],
)
def test_hostile_values_are_a_422_naming_the_field_never_a_502(
    stack: EmbeddedStack, body: bytes, code: str, pointer: str
) -> None:
    before = stored(stack)
    response = post(stack, body)
    assert response.status == 422, response.body
    (report,) = response.json()
    assert (code, pointer) in {(e["code"], e["pointer"]) for e in report["errors"]}
    assert stored(stack) == before


# --- refused before validation ------------------------------------------------------------------------


def test_unsigned_is_401_and_the_signature_is_checked_before_anything_is_parsed(stack: EmbeddedStack) -> None:
    body = encoded(raw_posting(id="WH-UNSIGNED"))
    response = refused(stack, lambda: post(stack, body, secrets=None), 401, "signature_missing")
    assert response.header("WWW-Authenticate")
    # Not JSON, wrong media type: still 401, since nothing is looked at before the signature.
    refused(
        stack,
        lambda: post(stack, b"{not json", secrets=None, content_type="text/plain"),
        401,
        "signature_missing",
    )
    refused(stack, lambda: post(stack, body, client=None), 401, "client_missing")
    malformed = {"Syndicate-Signature": "t=now,v1=yes"}
    refused(stack, lambda: post(stack, body, secrets=None, extra=malformed), 401, "signature_malformed")


def test_a_wrong_secret_or_an_unknown_client_is_401_mismatch(stack: EmbeddedStack) -> None:
    body = encoded(raw_posting(id="WH-WRONG"))
    response = refused(stack, lambda: post(stack, body, secrets="guessed"), 401, "signature_mismatch")
    assert "guessed" not in response.body.decode() and OLD not in response.body.decode()
    refused(stack, lambda: post(stack, body, secrets=OTHER_SECRET), 401, "signature_mismatch")
    refused(stack, lambda: post(stack, body, client="nobody"), 401, "signature_mismatch")
    refused(stack, lambda: post(stack, body, client="../etc"), 401, "signature_mismatch")
    # The other client's own secret works for it, and only for it.
    assert post(stack, body, client=OTHER_CLIENT, secrets=OTHER_SECRET).status == 202


def test_a_replayed_request_outside_five_minutes_is_401_stale(stack: EmbeddedStack) -> None:
    body = encoded(raw_posting(id="WH-REPLAY"))
    now = int(time.time())
    response = refused(stack, lambda: post(stack, body, timestamp=now - 360), 401, "signature_stale")
    assert "old" in response.json()["message"]
    refused(stack, lambda: post(stack, body, timestamp=now + 360), 401, "signature_stale")
    assert post(stack, body, timestamp=now - 240).status == 202  # late but within the tolerance


def test_an_oversized_body_is_413_signed_or_not(stack: EmbeddedStack) -> None:
    big = encoded(raw_posting(id="WH-BIG", description="x" * MAX_BODY_BYTES))
    assert len(big) > MAX_BODY_BYTES
    refused(stack, lambda: post(stack, big), 413, "body_too_large")
    refused(stack, lambda: post(stack, big, secrets=None), 413, "body_too_large")
    too_many = encoded({"postings": [raw_posting(id=f"WH-MANY-{n}") for n in range(MAX_POSTINGS + 1)]})
    refused(stack, lambda: post(stack, too_many), 413, "too_many_postings")


@pytest.mark.parametrize(
    ("content_type", "extra"),
    [
        ("text/plain", {}),
        (None, {}),
        ("application/x-www-form-urlencoded", {}),
        ("application/json; charset=latin-1", {}),
        ("application/jsonp", {}),
        ("application/json", {"Content-Encoding": "gzip"}),
    ],
)
def test_a_body_that_is_not_json_is_415(
    stack: EmbeddedStack, content_type: str | None, extra: dict[str, str]
) -> None:
    body = encoded(raw_posting(id="WH-MEDIA"))
    refused(
        stack,
        lambda: post(stack, body, content_type=content_type, extra=extra),
        415,
        "unsupported_media_type",
    )


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"id": "WH-X",}',
        b"",
        b"\xff\xfe{}",
        b'{"id": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
        b"\xef\xbb\xbf{}",
    ],
)
def test_malformed_json_is_400(stack: EmbeddedStack, body: bytes) -> None:
    response = refused(stack, lambda: post(stack, body), 400, "malformed_json")
    assert "not valid JSON" in response.json()["message"]


# --- idempotency ---------------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_gets_the_first_response_and_stores_once(
    stack: EmbeddedStack,
) -> None:
    body = encoded(raw_posting(id="WH-IDEM"))
    key = {"Idempotency-Key": "order-4711"}
    before = stored(stack)
    first = post(stack, body, extra=key)
    assert first.status == 202
    assert first.header("Idempotency-Replayed") is None
    retry = post(stack, body, extra=key, timestamp=int(time.time()) + 1)  # re-signed, a second later
    assert retry.status == 202
    assert retry.json() == first.json()
    assert retry.header("Idempotency-Replayed") == "true"
    assert len(set(stored(stack)) - set(before)) == 1
    # Same key, another body: refused, nothing more stored.
    other = encoded(raw_posting(id="WH-IDEM-OTHER"))
    refused(stack, lambda: post(stack, other, extra=key), 409, "idempotency_key_reused")
    # Keys are per client: another client's identical key is its own.
    assert (
        post(stack, body, extra=key, client=OTHER_CLIENT, secrets=OTHER_SECRET).header("Idempotency-Replayed")
        is None
    )
    # Without a key the same body is simply accepted again (the pipeline sees it unchanged).
    assert post(stack, body).status == 202


def test_a_refused_body_does_not_bind_its_idempotency_key(stack: EmbeddedStack) -> None:
    """A 422 (or 400) stored nothing: the same key may carry the corrected body at once."""
    key = {"Idempotency-Key": "bad-1"}
    bad = encoded(raw_posting(id="WH-IDEM-BAD", title=""))
    first = post(stack, bad, extra=key)
    again = post(stack, bad, extra=key)
    assert (first.status, again.status) == (422, 422)
    assert again.header("Idempotency-Replayed") is None  # worked out again, not replayed
    malformed = post(stack, b"{not json", extra=key)
    assert malformed.status == 400
    fixed = post(stack, encoded(raw_posting(id="WH-IDEM-BAD")), extra=key)
    assert fixed.status == 202
    replayed = post(stack, encoded(raw_posting(id="WH-IDEM-BAD")), extra=key)
    assert (replayed.status, replayed.header("Idempotency-Replayed")) == (202, "true")


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_an_unusable_idempotency_key_is_400(stack: EmbeddedStack, key: str) -> None:
    body = encoded(raw_posting(id="WH-KEY"))
    headers = {"Idempotency-Key": key}
    refused(stack, lambda: post(stack, body, extra=headers), 400, "invalid_idempotency_key")


# --- rotation ------------------------------------------------------------------------------------------


def test_rotating_a_secret_accepts_old_and_new_then_only_new(
    stack: EmbeddedStack, set_secrets: SetSecrets
) -> None:
    body = encoded(raw_posting(id="WH-ROTATE"))
    set_secrets({CLIENT: [OLD, NEW]})  # step 1: the server holds both
    assert post(stack, body, secrets=OLD).status == 202
    assert post(stack, body, secrets=NEW).status == 202
    assert post(stack, body, secrets=[OLD, NEW]).status == 202  # a client signing with both
    set_secrets({CLIENT: [NEW]})  # step 2: the old one is retired
    refused(stack, lambda: post(stack, body, secrets=OLD), 401, "signature_mismatch")
    assert post(stack, body, secrets=NEW).status == 202
    assert post(stack, body, secrets=[OLD, NEW]).status == 202
    set_secrets({CLIENT: NEW})  # a single secret may also be written as a plain string
    assert post(stack, body, secrets=NEW).status == 202


# --- the same pipeline as an upload, and the status route ----------------------------------------------


def test_a_webhook_posting_reaches_every_channel_through_the_upload_pipeline(stack: EmbeddedStack) -> None:
    # Uploads the other tests left queued are not this test's business (and would only slow the drain).
    stack.sqs.purge_queue(QueueUrl=stack.queue("IngestQueue").url)
    posting = raw_posting(id="WH-PIPE")
    body = encoded(posting)
    response = post(stack, body)
    assert response.status == 202
    stack.drain()
    key = next(k for k, v in stored(stack).items() if v == body)
    receipt = json.loads(
        stack.s3.get_object(Bucket=stack.bucket("IntakeBucket").name, Key=f"reports/{key}.json")[
            "Body"
        ].read()
    )
    assert [(entry["id"], entry["outcome"]) for entry in receipt["postings"]] == [("WH-PIPE", "accepted")]
    state = StateTable(stack.dynamodb, stack.environment()["STATE_TABLE"]).get("WH-PIPE")
    assert state is not None and state["source"] == key
    assert {channel: entry["state"] for channel, entry in state["channels"].items()} == {
        "linkedin": "published",
        "indeed": "published",
        "schemaorg": "published",
    }
    site = stack.bucket("SiteBucket").name
    assert stack.s3.get_object(Bucket=site, Key="jobs/WH-PIPE.html")["Body"].read()
    feed = stack.s3.get_object(Bucket=stack.bucket("FeedBucket").name, Key="indeed/feed.xml")["Body"].read()
    assert b"WH-PIPE-" in feed
    status = get(stack, "WH-PIPE")
    assert status.status == 200
    document = status.json()
    assert document["version"]["source"] == key
    posting_id, job_urn = document["channels"]["linkedin"]["external_ids"]
    assert posting_id == "WH-PIPE" and job_urn.startswith("urn:li:jobPosting:")
    assert document["channels"]["indeed"]["external_ids"][0].startswith("WH-PIPE-")
    (page_url,) = document["channels"]["schemaorg"]["external_ids"]
    assert page_url == "https://jobs.example.org/jobs/WH-PIPE.html"
    assert stack.s3.get_object(Bucket=site, Key=page_url.removeprefix("https://jobs.example.org/"))[
        "Body"
    ].read()

    # The same content uploaded as a file meets the same state: the pipeline knows it already.
    stack.upload_bytes(body, "incoming/same-as-webhook.json")
    stack.drain()
    again = json.loads(
        stack.s3.get_object(
            Bucket=stack.bucket("IntakeBucket").name, Key="reports/incoming/same-as-webhook.json.json"
        )["Body"].read()
    )
    assert [(entry["id"], entry["outcome"]) for entry in again["postings"]] == [("WH-PIPE", "unchanged")]


def test_status_of_an_unknown_posting_is_404_and_unsigned_is_401(stack: EmbeddedStack) -> None:
    assert get(stack, "NEVER-SENT").status == 404
    assert get(stack, "not a valid id").status == 404
    response = get(stack, "NEVER-SENT", secrets=None)
    assert response.status == 401 and response.json()["error"] == "signature_missing"
    assert get(stack, "NEVER-SENT", secrets="guessed").status == 401


def test_unknown_routes_get_api_gateways_403(stack: EmbeddedStack) -> None:
    assert stack.api_request("DELETE", "/v1/postings/X", {}).status == 403
    assert stack.api_request("GET", "/v1/postings", {}).json() == {"message": "Missing Authentication Token"}


# --- the documents agree -------------------------------------------------------------------------------


def openapi_routes() -> set[tuple[str, str]]:
    document = yaml.safe_load(OPENAPI.read_text("utf-8"))
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def test_routes_of_the_resolver_the_template_and_the_openapi_document_agree(stack: EmbeddedStack) -> None:
    resolver: set[tuple[str, str]] = set()
    for function, module in (
        ("WebhookFunction", "syndicate.handlers.webhook"),
        ("GreenhouseWebhookFunction", "syndicate.handlers.greenhouse_webhook"),
    ):
        with patched_environ(stack.environment(function)):
            schema = importlib.import_module(module).app.get_openapi_schema()
        resolver |= {
            (method.upper(), path)
            for path, item in schema.paths.items()
            for method in item.model_dump(exclude_none=True)
            if method in {"get", "put", "post", "delete", "patch"}
        }
    template = {(route.method, route.path) for f in stack.model.functions.values() for route in f.api_routes}
    assert resolver == template == openapi_routes()
    assert len(resolver) == 3


def test_the_openapi_document_references_the_posting_schema_instead_of_copying_it() -> None:
    text = OPENAPI.read_text("utf-8")
    assert text.count('$ref: "posting.schema.json"') == 2
    assert "hiring_organization:\n" not in text.split("examples:")[0]  # no copied posting properties


# --- the API Gateway emulation itself ------------------------------------------------------------------


def test_throttle_is_a_token_bucket() -> None:
    now = [0.0]
    throttle = Throttle(rate=2, burst=3, clock=lambda: now[0])
    assert [throttle.allow() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [throttle.allow(), throttle.allow()] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert sum(throttle.allow() for _ in range(10)) == 3


def test_binary_media_types_and_malformed_function_answers() -> None:
    assert (
        is_binary(None, ["*/*"]) and is_binary("image/png", ["image/*"]) and not is_binary("text/plain", [])
    )
    assert http_response("not a response").status == 502
    assert http_response({"statusCode": 200, "body": "e30=", "isBase64Encoded": True}).body == b"{}"
    assert http_response({"statusCode": 200, "body": "%%", "isBase64Encoded": True}).status == 502


def test_route_matching_decodes_path_parameters(stack: EmbeddedStack) -> None:
    matched = match_route(stack.model, "GET", "/v1/postings/A%2FB")
    assert matched is not None and matched.path_parameters == {"posting_id": "A/B"}
    assert match_route(stack.model, "GET", "/v1/postings/A/B") is None
    assert match_route(stack.model, "POST", "/v1/postings/") is not None


def test_status_urls_keep_the_stage_of_the_execute_api_host() -> None:
    event = {
        "httpMethod": "POST",
        "path": "/v1/postings",
        "headers": {"Syndicate-Client": "ats"},
        "body": "e30=",
        "isBase64Encoded": True,
        "requestContext": {"path": "/prod/v1/postings", "requestId": "r-1"},
    }
    request = request_from_event(event)
    assert (request.base_path, request.body, request.header("syndicate-client")) == ("/prod", b"{}", "ats")
    assert request_from_event({**event, "requestContext": {"path": "/v1/postings"}}).base_path == ""


def test_the_incoming_prefix_the_webhook_restates_is_the_pipelines() -> None:
    # Restated rather than imported, so the webhook does not load the ingest modules. (The job page
    # path posting_status restates is checked by the pipeline test: the page its URL names exists.)
    from syndicate.pipeline import ingest_service

    assert WEBHOOK_PREFIX.startswith(ingest_service.INCOMING_PREFIX)
