"""Read the ATSs' public job boards over HTTP: Greenhouse's Job Board API and Lever's postings API.

A pooled session from `adapters.http` (GET retried on 429, 5xx and connection errors) and a
(connect, read) timeout on every request. Whatever keeps a board from being read - 404, a 5xx that
outlasts the retries, a timeout, a body that is not the documented JSON - is a `BoardUnreadable`
whose message says which board and why, in one line. The APIs: docs/connectors.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import ReadTimeoutError

from syndicate.adapters import http
from syndicate.core.delivery import HttpTuning

GREENHOUSE_API_URL = "https://boards-api.greenhouse.io/v1/boards"
LEVER_API_URL = "https://api.lever.co/v0/postings"
DEFAULT_API_URLS = {"greenhouse": GREENHOUSE_API_URL, "lever": LEVER_API_URL}
USER_AGENT = "syndicate-ats-connector/1"


class BoardUnreadable(Exception):
    """The board could not be read; the message is one line, safe to show and log."""


@dataclass(frozen=True, slots=True)
class BoardSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 10.0

    @classmethod
    def tuned(cls, tuning: HttpTuning) -> BoardSettings:
        """Defaults, with the HTTP_* overrides the channel clients take (a local run waits less)."""
        defaults = cls()
        return cls(
            connect_timeout=tuning.connect_timeout or defaults.connect_timeout,
            read_timeout=tuning.read_timeout or defaults.read_timeout,
            retries=tuning.retries if tuning.retries is not None else defaults.retries,
            backoff_factor=tuning.backoff_factor
            if tuning.backoff_factor is not None
            else defaults.backoff_factor,
            backoff_max=tuning.backoff_max or defaults.backoff_max,
        )


class BoardReader:
    def __init__(self, settings: BoardSettings | None = None) -> None:
        self.settings = settings or BoardSettings()
        policy = http.RetryPolicy(
            retries=self.settings.retries,
            backoff_factor=self.settings.backoff_factor,
            backoff_jitter=0.0,
            backoff_max=self.settings.backoff_max,
        )
        self.session = http.pooled_session(policy, methods=frozenset({"GET"}))
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})

    def greenhouse_jobs(self, board_token: str, api_url: str = GREENHOUSE_API_URL) -> list[dict[str, Any]]:
        """Every job post on the board, with content, departments and offices."""
        url = f"{api_url.rstrip('/')}/{quote(board_token, safe='')}/jobs"
        document = self._get(url, {"content": "true"}, f"Greenhouse board {board_token!r}")
        jobs = document.get("jobs") if isinstance(document, dict) else None
        if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
            raise BoardUnreadable(f"Greenhouse board {board_token!r}: the answer has no list of jobs ({url})")
        return jobs

    def lever_postings(self, site: str, api_url: str = LEVER_API_URL) -> list[dict[str, Any]]:
        """Every published posting of the site."""
        url = f"{api_url.rstrip('/')}/{quote(site, safe='')}"
        document = self._get(url, {"mode": "json"}, f"Lever site {site!r}")
        if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
            raise BoardUnreadable(f"Lever site {site!r}: the answer is not a list of postings ({url})")
        return document

    def jobs(self, ats: str, board: str, api_url: str | None = None) -> list[dict[str, Any]]:
        if ats == "greenhouse":
            return self.greenhouse_jobs(board, api_url or GREENHOUSE_API_URL)
        if ats == "lever":
            return self.lever_postings(board, api_url or LEVER_API_URL)
        raise ValueError(f"unknown ATS {ats!r}")

    def _get(self, url: str, params: dict[str, str], what: str) -> Any:
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            response = self.session.get(url, params=params, timeout=timeout)
        except requests.exceptions.RequestException as error:
            if _timed_out(error):
                timeout_text = f"{self.settings.read_timeout:g} s"
                raise BoardUnreadable(f"{what}: no answer within {timeout_text} ({url})") from error
            raise BoardUnreadable(f"{what}: cannot connect ({url}): {type(error).__name__}") from error
        with response:
            if response.status_code == 404:
                raise BoardUnreadable(f"{what} not found (404 at {url}): check the board name")
            if response.status_code in http.RETRY_STATUSES:
                raise BoardUnreadable(
                    f"{what}: answered HTTP {response.status_code}, still after "
                    f"{self.settings.retries} retries ({url})"
                )
            if response.status_code != 200:
                raise BoardUnreadable(f"{what}: answered HTTP {response.status_code} ({url})")
            try:
                return json.loads(response.content.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise BoardUnreadable(f"{what}: the answer is not valid JSON ({url}): {error}") from error
            except RecursionError as error:
                raise BoardUnreadable(f"{what}: the answer is JSON nested too deep ({url})") from error


def _timed_out(error: requests.exceptions.RequestException) -> bool:
    """A read timeout, also when requests reports it as the ConnectionError of exhausted retries."""
    if isinstance(error, requests.exceptions.Timeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, ReadTimeoutError)
