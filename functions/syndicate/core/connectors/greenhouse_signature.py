"""Greenhouse webhook signatures: `Signature: sha256 <hex>`, HMAC-SHA256 of the raw body under the secret.

Checked over the exact bytes received, before anything parses them, in constant time. Why, and why
freshness comes from re-reading the board: docs/connectors.md, "Greenhouse webhooks".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from syndicate.core.signature import SignatureRejected

HEADER = "Signature"
ALGORITHM = "sha256"
_HEX_LENGTH = 64
_HEX_DIGITS = frozenset("0123456789abcdef")


def compute(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def header_value(secret: str, body: bytes) -> str:
    """What Greenhouse sends for `body` signed with `secret` (for tests and the local fakes)."""
    return f"{ALGORITHM} {compute(secret, body)}"


def verify(value: str | None, body: bytes, secrets: Iterable[str]) -> None:
    """Accept the delivery or raise SignatureRejected (missing, malformed, mismatch)."""
    if value is None or not value.strip():
        raise SignatureRejected("missing", f"missing {HEADER} header")
    algorithm, _, digest = value.strip().partition(" ")
    digest = digest.strip().lower()
    if algorithm.lower() != ALGORITHM or len(digest) != _HEX_LENGTH or not set(digest) <= _HEX_DIGITS:
        raise SignatureRejected(
            "malformed", f"malformed {HEADER} header: expected '{ALGORITHM} <{_HEX_LENGTH} hex digits>'"
        )
    matched = False
    for secret in secrets:
        if secret:
            matched = hmac.compare_digest(compute(secret, body), digest) or matched
    if not matched:
        raise SignatureRejected("mismatch", "bad signature: it matches no secret of this connection")
