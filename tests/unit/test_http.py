"""The adapters' shared HTTP plumbing: a deadline that clips timeouts and refuses waits that cannot fit."""

from __future__ import annotations

import pytest

from syndicate.adapters import http


class LateError(http.OutOfTime):
    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class DownError(http.Unavailable):
    pass


SERVICE = http.Service("Example", out_of_time=LateError, unavailable=DownError)


def test_timeouts_are_clipped_so_one_attempt_fits_in_the_time_left() -> None:
    deadline = http.Deadline(SERVICE, lambda: 4.0)
    assert deadline.timeouts(http.Timeouts(connect=3.0, read=10.0), "https://x") == (2.0, 2.0)
    assert deadline.attempt_seconds == 4.0
    assert http.Deadline(SERVICE).timeouts(http.Timeouts(1.0, 2.0), "https://x") == (1.0, 2.0)


def test_no_request_starts_without_time_for_it() -> None:
    with pytest.raises(LateError, match="no time left to call Example"):
        http.Deadline(SERVICE, lambda: 0.01).timeouts(http.Timeouts(), "https://x")


def test_a_wait_is_refused_unless_one_more_attempt_fits_after_it() -> None:
    slept: list[float] = []
    deadline = http.Deadline(SERVICE, lambda: 10.0, slept.append, attempt_seconds=4.0)
    deadline.wait(6.0, "backoff")
    assert slept == [6.0]
    with pytest.raises(LateError, match=r"needs 7.0s \(Retry-After\) plus up to 4.0s") as raised:
        deadline.wait(7.0, "Retry-After", 429)
    assert raised.value.status == 429 and slept == [6.0]


def test_retry_after_is_read_as_seconds_or_ignored_when_unreadable() -> None:
    assert http.parse_retry_after("120") == 120
    assert http.parse_retry_after("soon") is None
    assert http.parse_retry_after(None) is None
