"""API Gateway (REST API, Lambda proxy integration) in front of the embedded stack's functions.

Routes, proxy events, binary media types, stage throttling and the gateway's own 403/429/502
answers, as API Gateway documents them: docs/local-runtime.md, "API Gateway".
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.runtime.specs import ApiRoute, ApiSpec, FunctionSpec, StackModel

MISSING_ROUTE = (403, {"message": "Missing Authentication Token"})
INTEGRATION_FAILED = (502, {"message": "Internal server error"})
THROTTLED = (429, {"message": "Too Many Requests"})


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True, slots=True)
class RouteMatch:
    function: FunctionSpec
    route: ApiRoute
    api: ApiSpec
    path_parameters: dict[str, str]


def gateway_response(status_and_body: tuple[int, dict[str, str]]) -> HttpResponse:
    status, body = status_and_body
    return HttpResponse(status, (("Content-Type", "application/json"),), json.dumps(body).encode("utf-8"))


def match_route(model: StackModel, method: str, path: str) -> RouteMatch | None:
    """The function and route API Gateway would pick for METHOD PATH (path without the query)."""
    segments = _segments(path)
    for function in model.functions.values():
        for route in function.api_routes:
            if route.method not in (method.upper(), "ANY"):
                continue
            parameters = _match(_segments(route.path), segments)
            if parameters is not None:
                api = model.apis.get(route.api) or ApiSpec(route.api, "Prod", (), None, None)
                return RouteMatch(function, route, api, parameters)
    return None


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _match(template: list[str], actual: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):  # greedy {proxy+}: the rest of the path
            rest = actual[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = unquote(actual[index])
        elif part != actual[index]:
            return None
    return parameters if len(template) == len(actual) else None


def is_binary(content_type: str | None, binary_media_types: Sequence[str]) -> bool:
    if "*/*" in binary_media_types:
        return True
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    major = media_type.split("/", 1)[0]
    return any(
        media_type == pattern.lower() or pattern.lower() == f"{major}/*" for pattern in binary_media_types
    )


def proxy_event(
    matched: RouteMatch,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    account_id: str,
    source_ip: str = "127.0.0.1",
    request_id: str | None = None,
) -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration sends (REST API, payload format 1.0)."""
    split = urlsplit(target)
    pairs = list(headers)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # the last value wins in `headers`; all of them are in multiValueHeaders
        multi.setdefault(name, []).append(value)
    query = parse_qsl(split.query, keep_blank_values=True)
    query_single = {name: value for name, value in query}
    query_multi: dict[str, list[str]] = {}
    for name, value in query:
        query_multi.setdefault(name, []).append(value)
    content_type = next((value for name, value in pairs if name.lower() == "content-type"), None)
    binary = is_binary(content_type, matched.api.binary_media_types)
    identifier = request_id or str(uuid.uuid4())
    now = datetime.now(UTC)
    return {
        "resource": matched.route.path,
        "path": split.path,
        "httpMethod": method.upper(),
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": matched.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": matched.api.logical_id.lower(),
            "resourcePath": matched.route.path,
            "httpMethod": method.upper(),
            # As behind a custom domain mapped at the root (where the local server is): no stage prefix.
            # On the execute-api host API Gateway reports /<stage>/<path> here.
            "path": split.path,
            "stage": matched.api.stage,
            "requestId": identifier,
            "extendedRequestId": identifier,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent")},
            "domainName": "127.0.0.1",
        },
        "body": (base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8", "replace"))
        if body
        else None,
        "isBase64Encoded": bool(body) and binary,
    }


def http_response(result: Any) -> HttpResponse:
    """A Lambda proxy response as HTTP; anything else is what API Gateway calls a malformed response."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        return gateway_response(INTEGRATION_FAILED)
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers = [(k, v) for k, v in headers if k.lower() != str(name).lower()]
        headers.extend((str(name), str(value)) for value in values)
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            return gateway_response(INTEGRATION_FAILED)
    else:
        body = str(raw).encode("utf-8")
    return HttpResponse(int(result["statusCode"]), tuple(headers), body)


class Throttle:
    """API Gateway's stage throttling: a token bucket of `burst` tokens refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True
