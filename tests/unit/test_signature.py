"""Webhook signatures (syndicate.core.signature): the header format, the HMAC, tolerance, rotation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.core import signature
from syndicate.core.signature import SignatureRejected

SECRET = "whsec-test"
T = 1_700_000_000
BODY = b'{"id": "JOB-1"}'
# HMAC-SHA256(key "whsec-test", message "1700000000." + BODY), computed once with another tool.
KNOWN_DIGEST = "ec06f48c277bbdb9df33832f67c0903282a5c3e0cd5897daabccc198855204e5"
KNOWN_EMPTY_BODY_DIGEST = "70b977d08298e622e7e76b0fe7fced4909b9d0a83ac8d75d8be1a428baa02352"


def rejected(
    value: str | None, body: bytes = BODY, secrets: tuple[str, ...] = (SECRET,), now: float = T
) -> str:
    with pytest.raises(SignatureRejected) as caught:
        signature.verify(value, body, secrets, now)
    assert SECRET not in caught.value.message
    return caught.value.reason


def test_known_answer() -> None:
    assert signature.compute(SECRET, T, BODY) == KNOWN_DIGEST
    assert signature.compute(SECRET, T, b"") == KNOWN_EMPTY_BODY_DIGEST
    assert signature.header_value(SECRET, T, BODY) == f"t={T},v1={KNOWN_DIGEST}"


def test_one_v1_per_secret_while_rotating() -> None:
    value = signature.header_value(["old", "new"], T, BODY)
    t, first, second = value.split(",")
    assert t == f"t={T}"
    assert first == f"v1={signature.compute('old', T, BODY)}"
    assert second == f"v1={signature.compute('new', T, BODY)}"
    with pytest.raises(ValueError, match="at least one secret"):
        signature.header_value([], T, BODY)


def test_a_valid_signature_is_accepted() -> None:
    header = signature.verify(f"t={T},v1={KNOWN_DIGEST}", BODY, [SECRET], T)
    assert header == signature.SignatureHeader(T, (KNOWN_DIGEST,))


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing(value: str | None) -> None:
    assert rejected(value) == "missing"


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        f"v1={KNOWN_DIGEST}",  # no t
        f"t={T},t={T},v1={KNOWN_DIGEST}",  # two t
        f"t=soon,v1={KNOWN_DIGEST}",
        f"t=-5,v1={KNOWN_DIGEST}",
        f"t=1e9,v1={KNOWN_DIGEST}",
        f"t=١٧٠٠٠٠٠٠٠٠,v1={KNOWN_DIGEST}",  # Arabic-Indic digits are digits to str.isdigit, not to us
        f"t={T}",  # no v1
        f"t={T},v1=abc",  # not a SHA-256 digest
        f"t={T},v1={'g' * 64}",
        f"t={T}," + ",".join([f"v1={KNOWN_DIGEST}"] * (signature.MAX_SIGNATURES + 1)),
        f"t={T},v1={KNOWN_DIGEST}," + "x" * signature.MAX_HEADER_LENGTH,
    ],
)
def test_malformed(value: str) -> None:
    assert rejected(value) == "malformed"


def test_unknown_keys_and_spacing_and_case_are_tolerated() -> None:
    value = f" t={T} , v0=whatever, v1={KNOWN_DIGEST.upper()} ,v2=future"
    assert signature.verify(value, BODY, [SECRET], T).signatures == (KNOWN_DIGEST,)


def test_a_wrong_secret_or_a_changed_body_or_time_is_a_mismatch() -> None:
    good = signature.header_value(SECRET, T, BODY)
    assert rejected(good, secrets=("other",)) == "mismatch"
    assert rejected(good, body=BODY + b" ") == "mismatch"
    assert rejected(good.replace(f"t={T}", f"t={T + 1}"), now=T) == "mismatch"
    assert rejected(good, secrets=()) == "mismatch"  # an unknown client has no secrets
    assert rejected(good, secrets=("",)) == "mismatch"  # an empty secret never signs anything


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_within_five_minutes_either_way(skew: int) -> None:
    signature.verify(signature.header_value(SECRET, T, BODY), BODY, [SECRET], T + skew)


@pytest.mark.parametrize(
    ("skew", "words"), [(301, "301 s old"), (-301, "301 s in the future"), (86_400, "old")]
)
def test_outside_the_tolerance_is_stale(skew: int, words: str) -> None:
    with pytest.raises(SignatureRejected) as caught:
        signature.verify(signature.header_value(SECRET, T, BODY), BODY, [SECRET], T + skew)
    assert caught.value.reason == "stale"
    assert words in caught.value.message


def test_stale_is_only_said_of_a_genuine_signature() -> None:
    forged = f"t={T},v1={'0' * 64}"
    assert rejected(forged, now=T + 10_000) == "mismatch"


def test_any_v1_may_match_any_active_secret() -> None:
    both = signature.header_value(["old", "new"], T, BODY)
    assert signature.verify(both, BODY, ["new"], T)  # the server already dropped the old secret
    assert signature.verify(both, BODY, ["old"], T)  # the server has not added the new one yet
    only_new = signature.header_value("new", T, BODY)
    assert signature.verify(only_new, BODY, ["old", "new"], T)  # rotation: both active on the server
    assert rejected(only_new, secrets=("old",)) == "mismatch"


@settings(max_examples=100, deadline=None)
@given(
    body=st.binary(max_size=2048),
    secrets=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=3),
    timestamp=st.integers(min_value=0, max_value=4_102_444_800),
    flip=st.integers(min_value=0),
)
def test_signing_and_verifying_agree_and_any_flipped_bit_is_caught(
    body: bytes, secrets: list[str], timestamp: int, flip: int
) -> None:
    value = signature.header_value(secrets, timestamp, body)
    for secret in secrets:
        assert signature.verify(value, body, [secret], timestamp)
    if body:
        position = flip % len(body)
        tampered = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        with pytest.raises(SignatureRejected):
            signature.verify(value, tampered, secrets, timestamp)
