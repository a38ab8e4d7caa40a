"""Webhook request signatures: HMAC-SHA256 over `timestamp + "." + raw body`, pure and constant-time.

`Syndicate-Signature: t=<unix seconds>,v1=<hex>[,v1=...]`, checked over the exact bytes received
against every active secret, within TOLERANCE_SECONDS. The scheme, rotation and sources:
docs/design.md, "Webhook signatures".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

HEADER = "Syndicate-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
# Bounds on what one header may make the server do: a header is small, and a rotation needs two values.
MAX_HEADER_LENGTH = 2048
MAX_SIGNATURES = 8
_HEX_DIGITS = frozenset("0123456789abcdef")
_DIGEST_HEX_LENGTH = 64
_MAX_TIMESTAMP_DIGITS = 12

Reason = Literal["missing", "malformed", "stale", "mismatch"]


class SignatureRejected(Exception):
    """Why a request is not authentic; `message` is safe to return (it holds no secret material)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    timestamp: int
    signatures: tuple[str, ...]  # lower-case hex of each v1 value, in header order


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (its UTF-8 bytes)."""
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update(b"%d." % timestamp)
    mac.update(body)  # fed separately: a 1 MiB body is not copied to prepend the timestamp
    return mac.hexdigest()


def header_value(secrets: str | Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hex>` with one v1 per secret (several while a client rotates)."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one secret is needed to sign")
    return ",".join([f"t={timestamp}", *(f"{SCHEME}={compute(key, timestamp, body)}" for key in keys)])


def parse(value: str | None) -> SignatureHeader:
    """The timestamp and v1 signatures of a header value; SignatureRejected says what is wrong."""
    if value is None or not value.strip():
        raise SignatureRejected("missing", f"missing {HEADER} header")
    if len(value) > MAX_HEADER_LENGTH:
        raise SignatureRejected("malformed", f"malformed {HEADER} header: longer than {MAX_HEADER_LENGTH}")
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in value.split(","):
        key, separator, item = part.strip().partition("=")
        if not separator:
            raise SignatureRejected("malformed", _malformed("every element must be key=value"))
        if key == "t":
            timestamps.append(item.strip())
        elif key == SCHEME:
            signatures.append(item.strip().lower())
    if len(timestamps) != 1:
        raise SignatureRejected("malformed", _malformed("exactly one t=<unix seconds> is required"))
    text = timestamps[0]
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_TIMESTAMP_DIGITS):
        raise SignatureRejected("malformed", _malformed("t must be whole seconds since 1970-01-01 UTC"))
    if not signatures:
        raise SignatureRejected("malformed", _malformed(f"at least one {SCHEME}=<hex> is required"))
    if len(signatures) > MAX_SIGNATURES:
        raise SignatureRejected("malformed", _malformed(f"at most {MAX_SIGNATURES} {SCHEME} values"))
    if not all(_is_digest(candidate) for candidate in signatures):
        raise SignatureRejected(
            "malformed", _malformed(f"each {SCHEME} must be {_DIGEST_HEX_LENGTH} hexadecimal digits")
        )
    return SignatureHeader(int(text), tuple(signatures))


def verify(
    value: str | None,
    body: bytes,
    secrets: Iterable[str],
    now: float,
    *,
    tolerance: int = TOLERANCE_SECONDS,
) -> SignatureHeader:
    """Accept the request or raise SignatureRejected (missing, malformed, mismatch, stale).

    The signature is checked before the timestamp, so "stale" is only ever said of a request that
    was genuinely signed: it then tells an honest client its clock is off, and tells a replayer
    nothing it did not know.
    """
    header = parse(value)
    expected = [compute(secret, header.timestamp, body) for secret in secrets if secret]
    matched = False
    for digest in expected:
        for candidate in header.signatures:
            # Every pair is compared (no early exit on the first match's position).
            matched = hmac.compare_digest(digest, candidate) or matched
    if not matched:
        raise SignatureRejected(
            "mismatch", f"bad signature: no {SCHEME} value matches an active secret of this client"
        )
    skew = int(now) - header.timestamp
    if abs(skew) > tolerance:
        direction = "old" if skew > 0 else "in the future"
        raise SignatureRejected(
            "stale",
            f"stale signature: t is {abs(skew)} s {direction} (tolerance {tolerance} s); "
            "sign each request (retries too) with the current time",
        )
    return header


def _is_digest(text: str) -> bool:
    return len(text) == _DIGEST_HEX_LENGTH and set(text) <= _HEX_DIGITS


def _malformed(detail: str) -> str:
    return f"malformed {HEADER} header: {detail} (expected t=<unix seconds>,{SCHEME}=<hex>)"
