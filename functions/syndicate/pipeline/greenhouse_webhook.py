"""Greenhouse's own webhooks, on `POST /v1/connections/{connection_id}/greenhouse`.

Answers, in this order: 413 body over MAX_BODY_BYTES -> 401 unknown connection, or a missing,
malformed or wrong `Signature` (the same answer for both, so connection ids cannot be probed) -> 400
not JSON -> 200 for `ping` (Greenhouse pings when the webhook is saved) and for actions other than the
job post ones (acknowledged, ignored: Greenhouse would otherwise retry them) -> for `job_post_created`,
`job_post_updated` and `job_post_deleted`: the connection's board is synced at once, the same sync the
schedule runs (pipeline/connections.py), and 200 says what it sent; 503 when the board cannot be read
or another sync holds it, so Greenhouse retries later (its documented retry policy).
The delivery's payload is not taken as the job: the board is, so a replayed or out-of-order delivery
can never put an old version back, and created, updated (live or not) and deleted all come out right.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from syndicate.adapters.ats_boards import BoardUnreadable
from syndicate.adapters.lock import LockTimeout
from syndicate.core.connectors import greenhouse_signature
from syndicate.core.signature import SignatureRejected
from syndicate.pipeline.connections import ConnectionStore, ConnectionSync
from syndicate.pipeline.webhook_service import (
    MAX_BODY_BYTES,
    ApiRequest,
    ApiResponse,
    active_secrets,
    error,
)

JOB_POST_ACTIONS = frozenset({"job_post_created", "job_post_updated", "job_post_deleted"})
JOB_LEFT_ACTIONS = frozenset({"job_post_updated", "job_post_deleted"})  # may take a post off the board
PING = "ping"
_AUTHENTICATE = {"WWW-Authenticate": f'{greenhouse_signature.HEADER} realm="syndicate"'}

SecretsLoader = Callable[[], Mapping[str, Any]]  # connection id -> its secret, or a list while rotating


@dataclass
class GreenhouseWebhook:
    connections: ConnectionStore
    sync: ConnectionSync
    secrets: SecretsLoader

    def handle(self, request: ApiRequest, connection_id: str) -> ApiResponse:
        rid = request.request_id
        if len(request.body) > MAX_BODY_BYTES:
            return error(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes", rid)
        connection = self.connections.get(connection_id)
        secrets = active_secrets(self.secrets().get(connection_id)) if connection is not None else ()
        if connection is not None and connection.ats != "greenhouse":
            secrets = ()
        try:
            greenhouse_signature.verify(request.header(greenhouse_signature.HEADER), request.body, secrets)
        except SignatureRejected as rejected:
            return error(401, f"signature_{rejected.reason}", rejected.message, rid, _AUTHENTICATE)
        assert connection is not None  # no connection, no secret: verify refused it
        try:
            document = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as problem:
            return error(400, "malformed_json", f"the body is not valid JSON: {problem}", rid)
        action = document.get("action") if isinstance(document, dict) else None
        if action == PING:
            return ApiResponse(200, {"status": "ok", "request_id": rid}, {}, rid)
        if action not in JOB_POST_ACTIONS:
            named = action[:100] if isinstance(action, str) else None  # never echo arbitrary input back
            return ApiResponse(200, {"status": "ignored", "action": named, "request_id": rid}, {}, rid)
        try:
            report = self.sync.sync(connection, emptying_confirmed=action in JOB_LEFT_ACTIONS)
        except (BoardUnreadable, LockTimeout) as problem:
            return error(503, "board_unavailable", str(problem), rid, {"Retry-After": "60"})
        body = {
            "status": "synced",
            "action": action,
            "jobs": report.jobs,
            "sent": report.sent,
            "closed": report.closed,
            "request_id": rid,
        }
        return ApiResponse(200, body, {}, rid)
