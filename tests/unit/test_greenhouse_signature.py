"""Greenhouse's `Signature: sha256 <hex>` over the raw body (developers.greenhouse.io/webhooks.html)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from syndicate.core.connectors import greenhouse_signature
from syndicate.core.signature import SignatureRejected

SECRET = "greenhouse-secret-key-0123456789abcdef"
# As Greenhouse sends it: Unicode and HTML characters escaped in the JSON, which the signature covers.
BODY = (
    b'{"action":"job_post_updated","payload":{"id":1813002,'
    b'"content":"\\u003cp\\u003eCome work for us!\\u003c/p\\u003e"}}'
)


def signed(body: bytes = BODY, secret: str = SECRET) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def reason(header: str | None, body: bytes = BODY, secrets: tuple[str, ...] = (SECRET,)) -> str:
    with pytest.raises(SignatureRejected) as rejected:
        greenhouse_signature.verify(header, body, secrets)
    return rejected.value.reason


def test_a_genuine_delivery_is_accepted() -> None:
    greenhouse_signature.verify(signed(), BODY, [SECRET])
    assert greenhouse_signature.header_value(SECRET, BODY) == signed()


def test_upper_case_hex_and_algorithm_are_the_same_signature() -> None:
    greenhouse_signature.verify(signed().upper(), BODY, [SECRET])


def test_any_active_secret_of_a_rotation_is_accepted() -> None:
    greenhouse_signature.verify(signed(), BODY, ["old-key", SECRET])


def test_forged_signature_is_refused() -> None:
    assert reason("sha256 " + "0" * 64) == "mismatch"


def test_wrong_secret_is_refused() -> None:
    assert reason(signed(secret="someone-elses-secret")) == "mismatch"


def test_body_re_serialized_is_refused() -> None:
    # The same JSON, parsed and written again (unescaped, spaced): not the bytes Greenhouse signed.
    reserialized = json.dumps(json.loads(BODY), ensure_ascii=False).encode("utf-8")
    assert reserialized != BODY
    assert reason(signed(), reserialized) == "mismatch"


def test_tampered_body_is_refused() -> None:
    assert reason(signed(), BODY.replace(b"1813002", b"1813003")) == "mismatch"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_signature(header: str | None) -> None:
    assert reason(header) == "missing"


@pytest.mark.parametrize(
    "header",
    ["sha1 " + "0" * 40, "sha256", "sha256 xyz", "sha256 " + "0" * 63, "t=1,v1=" + "0" * 64, "0" * 64],
)
def test_malformed_signature(header: str) -> None:
    assert reason(header) == "malformed"


def test_no_secret_authorizes_nothing() -> None:
    assert reason(signed(), secrets=()) == "mismatch"
    assert reason(signed(secret=""), secrets=("",)) == "mismatch"
