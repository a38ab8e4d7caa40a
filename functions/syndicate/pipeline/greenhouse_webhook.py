"""Greenhouse's own webhooks, on `POST /v1/connections/{connection_id}/greenhouse`.

A job post action syncs the connection's board at once (pipeline/connections.py); the payload is
never taken as the job, so a replayed delivery cannot put an old version back. The answers and
their order: docs/connectors.md, "Greenhouse webhooks".
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
from syndicate.pipeline.api_gateway import MAX_BODY_BYTES, ApiRequest, ApiResponse, active_secrets, error
from syndicate.pipeline.connections import ConnectionStore, ConnectionSync

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
