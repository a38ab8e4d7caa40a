"""The ATS webhook's work: authenticate, check, validate, store under incoming/, report status.

The checks run in a fixed order (size, signature, type, JSON, count, validity) and an accepted body
is an upload like any other. The order and the idempotency rules: docs/design.md, "The webhook".
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from syndicate.adapters import storage
from syndicate.adapters.state import StateTable
from syndicate.core import signature
from syndicate.core.assess import assess
from syndicate.core.delivery import LinkedInDelivery
from syndicate.core.intake import RawPosting, decode_json
from syndicate.core.model import CHANNELS
from syndicate.pipeline.api_gateway import MAX_BODY_BYTES, ApiRequest, ApiResponse, active_secrets, error
from syndicate.pipeline.posting_status import status_document
from syndicate.pipeline.render import for_delivery
from syndicate.pipeline.state_store import IngestState
from syndicate.settings import WebhookSettings

MAX_POSTINGS = 100
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600
# Below the intake notification's incoming/ (a test checks it); restated, not imported, so the
# webhook does not load the ingest modules.
WEBHOOK_PREFIX = "incoming/webhook/"
POSTINGS_PATH = "/v1/postings"
CLIENT_HEADER = "Syndicate-Client"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
BODY_SOURCE = "body"  # the `source` of the reports in a 422: the request body, nothing was stored

_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_POSTING_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # schemas/posting.schema.json `id`
_JSON_MEDIA_TYPE = re.compile(r"application/(?:[A-Za-z0-9.+-]+\+)?json")
_AUTHENTICATE = {"WWW-Authenticate": f'{signature.HEADER} realm="syndicate", scheme="{signature.SCHEME}"'}


class _Refused(Exception):
    def __init__(self, response: ApiResponse) -> None:
        super().__init__(response.status)
        self.response = response


# --- the service ---------------------------------------------------------------------------------

SecretsLoader = Callable[[], Mapping[str, Any]]  # client id -> an active secret or a list of them
Once = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class WebhookService:
    s3: Any
    state: IngestState
    intake_bucket: str
    client_secrets: SecretsLoader
    site_base_url: str | None = None
    linkedin_delivery: LinkedInDelivery = "api"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_settings(
        cls, settings: WebhookSettings, s3: Any, dynamodb: Any, client_secrets: SecretsLoader
    ) -> WebhookService:
        return cls(
            s3=s3,
            state=StateTable(dynamodb, settings.state_table),
            intake_bucket=settings.intake_bucket,
            client_secrets=client_secrets,
            site_base_url=settings.site_base_url,
            linkedin_delivery=settings.linkedin_delivery,
        )

    # -- POST /v1/postings --------------------------------------------------------------------------

    def submit(self, request: ApiRequest, once: Once | None = None) -> ApiResponse:
        rid = request.request_id
        if len(request.body) > MAX_BODY_BYTES:
            return error(
                413, "body_too_large", f"the body is {len(request.body)} bytes; at most {MAX_BODY_BYTES}", rid
            )
        try:
            client = self._authenticate(request)
            self._check_media_type(request)
            text = self._text(request)
            key = self._idempotency_key(request)
        except _Refused as refused:
            return refused.response
        submission = {
            "client": client,
            "key": key,
            "body_sha256": hashlib.sha256(request.body).hexdigest(),
            "body": text,
            "request_id": rid,
            "base_path": request.base_path,
        }
        if key is None or once is None:
            try:
                return ApiResponse.from_dict(self.accept(submission))
            except _Refused as refused:
                return refused.response
        try:
            first = ApiResponse.from_dict(once(submission))
        except _Refused as refused:
            # Refused before any work: the key stays free for the corrected body (Powertools deletes
            # its record when the guarded function raises).
            return refused.response
        except IdempotencyValidationError:
            return error(
                409,
                "idempotency_key_reused",
                f"{IDEMPOTENCY_HEADER} {key!r} was already used with a different body; use a new key",
                rid,
            )
        except IdempotencyAlreadyInProgressError:
            return error(
                409,
                "idempotency_key_in_progress",
                f"a request with {IDEMPOTENCY_HEADER} {key!r} is still being processed; retry shortly",
                rid,
            )
        if first.request_id == rid:
            return first
        return ApiResponse(
            first.status, first.body, {**first.headers, REPLAYED_HEADER: "true"}, first.request_id
        )

    def accept(self, submission: Mapping[str, Any]) -> dict[str, Any]:
        """Parse, validate and store one authenticated submission; the response as a plain dict.

        This is the unit Powertools idempotency guards, so its result must be JSON (it is stored).
        A body refused (400, 413, 422) raises `_Refused` instead: nothing was done, so the
        Idempotency-Key is not bound to it and the corrected body may use it.
        """
        rid = str(submission["request_id"])
        text = str(submission["body"])
        try:
            document = decode_json(text)
        except json.JSONDecodeError as problem:
            where = f"at line {problem.lineno}, column {problem.colno}"
            raise _Refused(
                error(400, "malformed_json", f"the body is not valid JSON: {problem.msg} {where}", rid)
            ) from None
        except (ValueError, RecursionError) as problem:
            raise _Refused(
                error(400, "malformed_json", f"the body is not valid JSON: {problem}", rid)
            ) from None
        postings = _postings_in(document)
        if isinstance(postings, str):
            raise _Refused(ApiResponse(422, [_body_report(postings)], {}, rid))
        if len(postings) > MAX_POSTINGS:
            message = f"{len(postings)} postings in one request; at most {MAX_POSTINGS}"
            raise _Refused(error(413, "too_many_postings", message, rid))
        now = self.clock()
        delivery = self.linkedin_delivery
        results = [
            for_delivery(assess(RawPosting(BODY_SOURCE, index, data), now), now, delivery)
            for index, data in enumerate(postings)
        ]
        if not all(result.valid for result in results):
            raise _Refused(ApiResponse(422, [result.to_report() for result in results], {}, rid))
        key = self.object_key(str(submission["client"]), rid, now)
        storage.put_text(self.s3, self.intake_bucket, key, text, "application/json")
        base = str(submission.get("base_path", ""))
        accepted = [
            {
                "id": result.id,
                "status_url": f"{base}{POSTINGS_PATH}/{quote(str(result.id), safe='')}",
                "channels": result.to_report()["channels"],
            }
            for result in results
        ]
        body = {"status": "accepted", "request_id": rid, "postings": accepted}
        return ApiResponse(202, body, {}, rid).as_dict()

    @staticmethod
    def object_key(client: str, request_id: str, now: datetime) -> str:
        safe_id = (
            "".join(c for c in request_id if c.isascii() and (c.isalnum() or c == "-")) or uuid.uuid4().hex
        )
        return f"{WEBHOOK_PREFIX}{client}/{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{safe_id}.json"

    # -- GET /v1/postings/{id} ----------------------------------------------------------------------

    def status(self, request: ApiRequest, posting_id: str) -> ApiResponse:
        rid = request.request_id
        try:
            self._authenticate(request)
        except _Refused as refused:
            return refused.response
        item = self.state.get(posting_id) if _POSTING_ID.fullmatch(posting_id) else None
        if item is None:
            return error(404, "not_found", f"no posting with id {posting_id!r} has been received", rid)
        return ApiResponse(200, status_document(item, self.site_base_url), {}, rid)

    # -- checks -------------------------------------------------------------------------------------

    def _authenticate(self, request: ApiRequest) -> str:
        rid = request.request_id
        client = (request.header(CLIENT_HEADER) or "").strip()
        if not client:
            raise _Refused(
                error(401, "client_missing", f"missing {CLIENT_HEADER} header", rid, _AUTHENTICATE)
            )
        # An unknown client has no secrets, so it fails exactly like a wrong secret: ids are not probed.
        secrets = self._secrets_of(client) if _CLIENT_ID.fullmatch(client) else ()
        try:
            signature.verify(
                request.header(signature.HEADER), request.body, secrets, self.clock().timestamp()
            )
        except signature.SignatureRejected as rejected:
            raise _Refused(
                error(401, f"signature_{rejected.reason}", rejected.message, rid, _AUTHENTICATE)
            ) from None
        return client

    def _secrets_of(self, client: str) -> tuple[str, ...]:
        return active_secrets(self.client_secrets().get(client))

    @staticmethod
    def _check_media_type(request: ApiRequest) -> None:
        rid = request.request_id
        value = request.header("Content-Type") or ""
        media_type, *parameters = (part.strip() for part in value.split(";"))
        media_type = media_type.lower()  # media types are case-insensitive (RFC 9110, 8.3.1)
        charset = next(
            (
                v.strip().strip('"').lower()
                for k, _, v in (p.partition("=") for p in parameters)
                if k.strip().lower() == "charset"
            ),
            "utf-8",
        )
        if not _JSON_MEDIA_TYPE.fullmatch(media_type) or charset != "utf-8":
            shown = value or "none"
            raise _Refused(
                error(
                    415,
                    "unsupported_media_type",
                    f"Content-Type {shown!r}: send application/json (UTF-8)",
                    rid,
                )
            )
        encoding = (request.header("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise _Refused(
                error(415, "unsupported_media_type", f"Content-Encoding {encoding!r} is not accepted", rid)
            )

    @staticmethod
    def _text(request: ApiRequest) -> str:
        try:
            return request.body.decode("utf-8")
        except UnicodeDecodeError as problem:
            message = f"the body is not valid JSON: not UTF-8 (byte {problem.start} cannot be decoded)"
            raise _Refused(error(400, "malformed_json", message, request.request_id)) from None

    @staticmethod
    def _idempotency_key(request: ApiRequest) -> str | None:
        key = request.header(IDEMPOTENCY_HEADER)
        if key is None:
            return None
        if not (1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH and key.isascii() and key.isprintable()):
            message = (
                f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters"
            )
            raise _Refused(error(400, "invalid_idempotency_key", message, request.request_id))
        return key


def _postings_in(document: Any) -> list[Any] | str:
    """The postings of a body, or why the body is not one posting nor {"postings": [...]}."""
    if isinstance(document, dict) and set(document) == {"postings"}:
        postings = document["postings"]
        if not isinstance(postings, list):
            return '"postings" must be a list of posting objects'
        if not postings:
            return '"postings" is empty: send at least one posting'
        return postings
    if isinstance(document, dict):
        return [document]
    return 'the body must be one posting (a JSON object) or {"postings": [...]}'


def _body_report(message: str) -> dict[str, Any]:
    """A body that is not postings, shaped as a posting's report (as `validate --json` does for a file)."""
    return {
        "source": BODY_SOURCE,
        "index": None,
        "id": None,
        "valid": False,
        "errors": [{"pointer": "", "code": "body", "message": message}],
        "channels": {channel: {"ready": False, "problems": []} for channel in CHANNELS},
    }
