"""The Indexing API client against the fake Indexing API, over real HTTP on 127.0.0.1.

Nothing here mocks `requests`: the client signs a JWT with a test RSA key, the fake verifies it with the
public key, and every notification the fake accepted is read back from its JSONL recording.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt as google_crypt
from google.auth import exceptions as google_exceptions
from google.auth import jwt as google_jwt
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import service_account
from infra.fakes.google_indexing import FakeIndexing, FaultRates, LocalServiceAccount

from syndicate.adapters.google_indexing import (
    INDEXING_SCOPE,
    IndexingAuthError,
    IndexingClient,
    IndexingError,
    IndexingSettings,
    IndexingUnavailable,
    Notification,
    OutOfTime,
    decode_batch,
    encode_batch,
)

CLIENT_EMAIL = "publisher@syndicate-test.iam.gserviceaccount.com"
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def job_url(number: int) -> str:
    return f"https://careers.example.com/jobs/{number}"


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@pytest.fixture
def record_path(tmp_path: Path) -> Path:
    return tmp_path / "google" / "notifications.jsonl"


@pytest.fixture
def start_fake(key_pair: tuple[str, bytes], record_path: Path) -> Iterator[Callable[..., FakeIndexing]]:
    started: list[FakeIndexing] = []

    def start(**options: Any) -> FakeIndexing:
        fake = FakeIndexing(
            client_email=CLIENT_EMAIL, public_key_pem=key_pair[1], record_to=record_path, **options
        ).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def fake(start_fake: Callable[..., FakeIndexing]) -> FakeIndexing:
    return start_fake(seed=7)


def service_account_info(fake: FakeIndexing, private_key: str) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "syndicate-test",
        "private_key_id": "0123456789abcdef",
        "private_key": private_key,
        "client_email": CLIENT_EMAIL,
        "token_uri": fake.token_url,
    }


class Sleeps:
    """Records every wait the client asks for, then really waits (the fake needs the time to pass)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


def make_client(
    fake: FakeIndexing,
    private_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    deadline: Callable[[], float] | None = None,
    **settings: Any,
) -> IndexingClient:
    options: dict[str, Any] = {
        "api_base_url": fake.base_url,
        "connect_timeout": 1.0,
        "read_timeout": 5.0,
        "backoff_factor": 0.01,
        "backoff_jitter": 0.01,
        "backoff_max": 0.05,
    }
    options.update(settings)
    secret = json.dumps(service_account_info(fake, private_key))  # as Powertools get_secret returns it
    extra = {} if deadline is None else {"deadline": deadline}
    return IndexingClient(
        lambda: secret, settings=IndexingSettings(**options), sleep=sleep, rng=random.Random(0), **extra
    )


def recorded(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [(record["url"], record["type"]) for record in map(json.loads, lines)]


def google_token(fake: FakeIndexing, private_key: str) -> str:
    """A token from the fake's endpoint through google-auth alone, independent of the client."""
    credentials = service_account.Credentials.from_service_account_info(
        service_account_info(fake, private_key), scopes=[INDEXING_SCOPE]
    )
    credentials.refresh(GoogleRequest())
    return str(credentials.token)


# --- delivery ---------------------------------------------------------------------------------------


def test_updated_and_deleted_notifications_are_recorded(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    notifications: list[Notification] = [(job_url(1), "URL_UPDATED"), (job_url(2), "URL_DELETED")]
    with make_client(fake, key_pair[0]) as client:
        results = client.publish(notifications)

    assert [(r.url, r.type, r.status, r.ok, r.error) for r in results] == [
        (job_url(1), "URL_UPDATED", 200, True, None),
        (job_url(2), "URL_DELETED", 200, True, None),
    ]
    assert recorded(record_path) == notifications
    assert fake.batch_sizes == [2]
    assert all(record["notifyTime"].endswith("Z") for record in fake.notifications)


def test_the_token_is_reused_until_it_expires(fake: FakeIndexing, key_pair: tuple[str, bytes]) -> None:
    with make_client(fake, key_pair[0]) as client:
        client.publish([(job_url(1), "URL_UPDATED")])
        client.publish([(job_url(2), "URL_UPDATED")])
    assert fake.token_requests == 1


def test_more_than_100_notifications_are_split_into_batches_of_at_most_100(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    notifications: list[Notification] = [(job_url(n), "URL_UPDATED") for n in range(230)]
    with make_client(fake, key_pair[0]) as client:
        results = client.publish(notifications)

    assert all(result.ok for result in results)
    assert fake.batch_sizes == [100, 100, 30]
    assert recorded(record_path) == notifications


def test_two_notifications_for_one_page_go_out_in_order_in_separate_batches(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    # The calls of one batch may run in any order, so an update and a removal of one page never share one.
    notifications: list[Notification] = [
        (job_url(1), "URL_UPDATED"),
        (job_url(2), "URL_UPDATED"),
        (job_url(1), "URL_DELETED"),
    ]
    with make_client(fake, key_pair[0]) as client:
        results = client.publish(notifications)

    assert [(r.url, r.type) for r in results] == notifications
    assert fake.batch_sizes == [2, 1]
    assert recorded(record_path) == notifications


def test_malformed_notifications_are_refused_before_anything_is_sent(
    fake: FakeIndexing, key_pair: tuple[str, bytes]
) -> None:
    with make_client(fake, key_pair[0]) as client:
        with pytest.raises(ValueError, match="URL_UPDATED or URL_DELETED"):
            client.publish([(job_url(1), "URL_UPDATED"), (job_url(2), "URL_CHANGED")])  # type: ignore[list-item]
        with pytest.raises(ValueError, match="absolute http"):
            client.publish([("/jobs/3", "URL_UPDATED")])
    assert fake.batch_sizes == []
    assert fake.token_requests == 0


# --- token --------------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_notifications_resent(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    with make_client(fake, key_pair[0]) as client:
        client.publish([(job_url(1), "URL_UPDATED")])
        fake.expire_tokens()  # Google answers every part with 401 from now on
        results = client.publish([(job_url(2), "URL_UPDATED"), (job_url(3), "URL_DELETED")])

    assert [result.ok for result in results] == [True, True]
    assert fake.token_requests == 2
    assert recorded(record_path) == [
        (job_url(1), "URL_UPDATED"),
        (job_url(2), "URL_UPDATED"),
        (job_url(3), "URL_DELETED"),
    ]


def test_a_refreshed_token_that_is_refused_too_raises_with_nothing_lost(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("expired_token", times=2)
    notifications: list[Notification] = [(job_url(1), "URL_UPDATED"), (job_url(2), "URL_DELETED")]
    with make_client(fake, key_pair[0]) as client, pytest.raises(IndexingAuthError) as raised:
        client.publish(notifications)

    assert raised.value.completed == ()
    assert list(raised.value.pending) == notifications
    assert fake.token_requests == 2  # the first token and exactly one refresh
    assert recorded(record_path) == []


def test_a_service_account_signed_with_another_key_is_refused(fake: FakeIndexing, record_path: Path) -> None:
    impostor = LocalServiceAccount.generate(CLIENT_EMAIL)
    with make_client(fake, impostor.private_key_pem) as client, pytest.raises(IndexingAuthError) as raised:
        client.publish([(job_url(1), "URL_UPDATED")])

    assert "invalid_grant" in str(raised.value)
    assert "private_key" not in str(raised.value)
    assert list(raised.value.pending) == [(job_url(1), "URL_UPDATED")]
    assert recorded(record_path) == []


def test_token_endpoint_errors_and_dropped_connections_are_retried(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("server_error", endpoint="token")
    fake.fail_next("drop", endpoint="token")
    with make_client(fake, key_pair[0]) as client:
        results = client.publish([(job_url(1), "URL_UPDATED")])

    assert results[0].ok
    assert fake.injected == Counter({"server_error": 1, "drop": 1})
    assert recorded(record_path) == [(job_url(1), "URL_UPDATED")]


def test_a_token_endpoint_that_keeps_failing_raises_unavailable(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("server_error", endpoint="token", times=10)
    with make_client(fake, key_pair[0], retries=2) as client, pytest.raises(IndexingUnavailable) as raised:
        client.publish([(job_url(1), "URL_UPDATED")])

    assert "HTTP 500" in str(raised.value)
    assert fake.injected["server_error"] == 3  # the first try and urllib3's two retries, no more
    assert list(raised.value.pending) == [(job_url(1), "URL_UPDATED")]
    assert fake.batch_requests == 0
    assert recorded(record_path) == []


def signed_assertion(private_key: str, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": CLIENT_EMAIL,
        "scope": INDEXING_SCOPE,
        "aud": TOKEN_AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    signer = google_crypt.RSASigner.from_string(private_key)
    return google_jwt.encode(signer, payload).decode("ascii")


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({}, None),
        ({"aud": "https://indexing.googleapis.com/"}, "invalid_grant"),
        ({"iss": "someone@else.iam.gserviceaccount.com"}, "invalid_grant"),
        ({"scope": "https://www.googleapis.com/auth/cloud-platform"}, "invalid_scope"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),  # longer than an hour
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "invalid_grant"),  # expired
    ],
)
def test_the_fake_token_endpoint_checks_the_assertion_claims(
    fake: FakeIndexing, key_pair: tuple[str, bytes], claims: dict[str, Any], error: str | None
) -> None:
    response = requests.post(
        fake.token_url,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": signed_assertion(key_pair[0], **claims),
        },
        timeout=5,
    )
    if error is None:
        assert response.status_code == 200
        assert response.json()["token_type"] == "Bearer"
        assert response.json()["expires_in"] > 0
    else:
        assert response.status_code == 400
        assert response.json()["error"] == error


def test_google_auth_refuses_a_token_for_another_scope(
    fake: FakeIndexing, key_pair: tuple[str, bytes]
) -> None:
    credentials = service_account.Credentials.from_service_account_info(
        service_account_info(fake, key_pair[0]), scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    with pytest.raises(google_exceptions.RefreshError, match="invalid_scope"):
        credentials.refresh(GoogleRequest())


# --- the fake batch endpoint checks what Google checks ------------------------------------------------


def post_batch(fake: FakeIndexing, notifications: list[Any], token: str | None) -> requests.Response:
    encoded = encode_batch(notifications)
    headers = {"Content-Type": encoded.content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{fake.base_url}/batch", data=encoded.body, headers=headers, timeout=5)


def test_the_fake_refuses_more_than_100_calls_in_one_batch(fake: FakeIndexing) -> None:
    response = post_batch(fake, [(job_url(n), "URL_UPDATED") for n in range(101)], token=None)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert fake.notifications == []


def test_the_fake_answers_each_part_like_google(fake: FakeIndexing, key_pair: tuple[str, bytes]) -> None:
    token = google_token(fake, key_pair[0])
    notifications = [
        (job_url(1), "URL_UPDATED"),
        (job_url(2), "URL_CHANGED"),
        ("careers.example.com/jobs/3", "URL_UPDATED"),
        ("ftp://careers.example.com/jobs/4", "URL_DELETED"),
    ]
    response = post_batch(fake, notifications, token)
    assert response.status_code == 200
    parts = decode_batch(response.headers["Content-Type"], response.content)

    assert [part.status for part in parts] == [200, 400, 400, 400]
    metadata = json.loads(parts[0].body)["urlNotificationMetadata"]
    assert metadata["url"] == job_url(1)
    assert metadata["latestUpdate"]["type"] == "URL_UPDATED"
    assert all(json.loads(part.body)["error"]["status"] == "INVALID_ARGUMENT" for part in parts[1:])
    assert all(
        part.content_id is not None and part.content_id.endswith(f"+{n}") for n, part in enumerate(parts, 1)
    )
    assert [(n["url"], n["type"]) for n in fake.notifications] == [(job_url(1), "URL_UPDATED")]


def test_the_fake_answers_401_for_each_part_without_a_valid_token(fake: FakeIndexing) -> None:
    response = post_batch(fake, [(job_url(1), "URL_UPDATED"), (job_url(2), "URL_DELETED")], token="forged")
    parts = decode_batch(response.headers["Content-Type"], response.content)
    assert [part.status for part in parts] == [401, 401]
    assert json.loads(parts[0].body)["error"]["status"] == "UNAUTHENTICATED"
    assert fake.notifications == []


# --- retries and the deadline ------------------------------------------------------------------------


def test_a_429_is_retried_after_the_retry_after_google_asked_for(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("throttle", retry_after=1)
    sleeps = Sleeps()
    with make_client(fake, key_pair[0], sleep=sleeps) as client:
        results = client.publish([(job_url(1), "URL_UPDATED")])

    assert results[0].ok
    assert 1.0 in sleeps.calls
    assert fake.injected["throttle"] == 1
    assert recorded(record_path) == [(job_url(1), "URL_UPDATED")]


def test_a_retry_after_beyond_the_deadline_raises_out_of_time_instead_of_waiting(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("throttle", retry_after=120)
    sleeps = Sleeps()
    end = time.monotonic() + 20
    notifications: list[Notification] = [(job_url(1), "URL_UPDATED"), (job_url(2), "URL_DELETED")]
    with (
        make_client(fake, key_pair[0], sleep=sleeps, deadline=lambda: end - time.monotonic()) as client,
        pytest.raises(OutOfTime, match="Retry-After 120") as raised,
    ):
        client.publish(notifications)

    assert sleeps.calls == []  # it did not wait, let alone the 120 s
    assert time.monotonic() < end  # and gave the time back well before the deadline
    assert list(raised.value.pending) == notifications
    assert raised.value.completed == ()
    assert recorded(record_path) == []


def test_server_errors_dropped_connections_and_slow_answers_are_retried(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("server_error")
    fake.fail_next("drop")
    fake.fail_next("slow", slow_seconds=0.05)
    with make_client(fake, key_pair[0]) as client:
        results = client.publish([(job_url(1), "URL_UPDATED")])

    assert results[0].ok
    assert fake.injected == Counter({"server_error": 1, "drop": 1, "slow": 1})
    assert recorded(record_path) == [(job_url(1), "URL_UPDATED")]


def test_a_read_timeout_is_retried_without_recording_twice(
    fake: FakeIndexing, key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake.fail_next("slow", slow_seconds=1.0)
    with make_client(fake, key_pair[0], read_timeout=0.3) as client:
        results = client.publish([(job_url(1), "URL_UPDATED")])
    fake.stop()  # waits for the abandoned slow request to finish

    assert results[0].ok
    assert fake.batch_requests == 2  # the client gave up on the slow answer and sent again
    assert fake.batch_sizes == [1]  # and the fake did not process the abandoned request
    assert recorded(record_path) == [(job_url(1), "URL_UPDATED")]


def test_only_the_parts_that_failed_are_sent_again(
    start_fake: Callable[..., FakeIndexing], key_pair: tuple[str, bytes], record_path: Path
) -> None:
    fake = start_fake(seed=3, faults=FaultRates(part_throttle=0.2, part_server_error=0.1))
    notifications: list[Notification] = [(job_url(n), "URL_UPDATED") for n in range(60)]
    with make_client(fake, key_pair[0], part_attempts=8) as client:
        results = client.publish(notifications)

    assert all(result.ok for result in results)
    part_faults = fake.injected["part_throttle"] + fake.injected["part_server_error"]
    assert part_faults > 0
    assert fake.batch_sizes[0] == 60
    assert sum(fake.batch_sizes) == 60 + part_faults  # a resend carries only the failed parts
    assert max(result.attempts for result in results) > 1
    assert sorted(recorded(record_path)) == sorted(notifications)


def test_under_every_fault_each_notification_is_recorded_once_or_reported(
    start_fake: Callable[..., FakeIndexing], key_pair: tuple[str, bytes], record_path: Path
) -> None:
    faults = FaultRates(
        throttle=0.08,
        server_error=0.08,
        slow=0.05,
        drop=0.08,
        expired_token=0.04,
        part_throttle=0.08,
        part_server_error=0.05,
        retry_after=0,
        slow_seconds=0.02,
    )
    fake = start_fake(seed=11, faults=faults)
    urls = [job_url(n) for n in range(300)]
    delivered: set[str] = set()
    refused: set[str] = set()
    unsent: set[str] = set()
    with make_client(fake, key_pair[0], retries=2, part_attempts=3) as client:
        for start in range(0, len(urls), 25):  # like the SQS batches of one publisher invocation
            batch: list[Notification] = [(url, "URL_UPDATED") for url in urls[start : start + 25]]
            try:
                results = client.publish(batch)
            except IndexingError as error:
                results = list(error.completed)
                unsent.update(url for url, _ in error.pending)
            delivered.update(result.url for result in results if result.ok)
            refused.update(result.url for result in results if not result.ok)

    counts = Counter(url for url, _ in recorded(record_path))
    assert set(counts.values()) == {1}  # nothing recorded twice
    assert set(counts) == delivered  # recorded exactly when the client reported it delivered
    assert delivered | refused | unsent == set(urls)
    assert not delivered & (refused | unsent)
    kinds = {
        "throttle",
        "server_error",
        "slow",
        "drop",
        "expired_token",
        "part_throttle",
        "part_server_error",
    }
    assert set(fake.injected) == kinds  # every fault kind struck
