"""API Gateway requests and answers, as both webhooks (the ATS webhook and Greenhouse's) see them.

Apart from webhook_service so that the Greenhouse webhook, which syncs a board and validates no
posting, loads none of the posting checks at its cold start.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    request_id: str
    base_path: str = ""  # what precedes the route in the URL (the API Gateway stage), for status URLs

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    request_id: str = ""  # the request that produced it (a replayed response keeps the first one's)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "body": self.body,
            "headers": dict(self.headers),
            "request_id": self.request_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiResponse:
        return cls(
            int(data["status"]),
            data["body"],
            dict(data.get("headers") or {}),
            str(data.get("request_id", "")),
        )


def error(
    status: int, code: str, message: str, request_id: str, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    body = {"error": code, "message": message, "request_id": request_id}
    return ApiResponse(status, body, dict(headers or {}), request_id)


def request_from_event(event: Mapping[str, Any]) -> ApiRequest:
    """An API Gateway REST (payload 1.0) proxy event as a request with the body's exact bytes.

    The API declares every media type binary, so API Gateway hands the body over base64-encoded
    and byte for byte as sent: the signature is checked over what the client signed.
    """
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            body = raw.encode("utf-8")
    else:
        body = raw.encode("utf-8")
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    context = event.get("requestContext") or {}
    path = str(event.get("path") or "")
    full_path = str(context.get("path") or path)
    base_path = full_path[: -len(path)] if path and full_path.endswith(path) else ""
    return ApiRequest(
        method=str(event.get("httpMethod") or context.get("httpMethod") or ""),
        path=path,
        headers=headers,
        body=body,
        request_id=str(context.get("requestId") or uuid.uuid4()),
        base_path=base_path.rstrip("/"),
    )


def active_secrets(value: Any) -> tuple[str, ...]:
    """The usable secrets of a secret document's entry: one string, or a list of them while rotating."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(secret for secret in value if isinstance(secret, str) and secret)
    return ()
