"""The channels' APIs for an embedded stack: FakeLinkedIn and FakeIndexing on 127.0.0.1, over real HTTP.

`LocalChannelApis.connect(stack)` puts their credentials in the stack's secrets and points the
publishers at them (docs/local-runtime.md, "The fake channel APIs").
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.fakes.google_indexing import FakeIndexing, FaultRates, LocalServiceAccount
from infra.fakes.linkedin import FakeLinkedIn, FaultPlan

if TYPE_CHECKING:
    from infra.runtime import EmbeddedStack

LINKEDIN_SECRET = "LinkedInApiCredentials"  # noqa: S105 - the secret's logical id
GOOGLE_SECRET = "GoogleServiceAccount"  # noqa: S105 - the secret's logical id
LINKEDIN_REQUESTS = Path("linkedin") / "requests.jsonl"
GOOGLE_NOTIFICATIONS = Path("google") / "notifications.jsonl"
CLIENT_ID = "syndicate-local"
CLIENT_SECRET = "syndicate-local-secret"  # noqa: S105 - the local fake's own, printed nowhere

# Retries as in AWS, with backoff in tens of milliseconds: a local run waits only when a fake asks it
# to (Retry-After), never for backoff sized for a real service.
LOCAL_HTTP: Mapping[str, str] = {
    "HTTP_BACKOFF_FACTOR_SECONDS": "0.02",
    "HTTP_BACKOFF_JITTER_SECONDS": "0.02",
}


@functools.cache
def local_service_account() -> LocalServiceAccount:
    """One throwaway key per process: generating an RSA key costs a noticeable fraction of a second."""
    return LocalServiceAccount.generate()


@dataclass
class LocalChannelApis:
    linkedin: FakeLinkedIn
    google: FakeIndexing
    service_account: LocalServiceAccount
    variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    @contextmanager
    def running(
        cls,
        *,
        record_dir: Path | None = None,
        linkedin_faults: FaultPlan | None = None,
        google_faults: FaultRates | None = None,
        seed: int = 0,
        http: Mapping[str, str] = LOCAL_HTTP,
        linkedin_options: Mapping[str, Any] | None = None,
    ) -> Iterator[LocalChannelApis]:
        account = local_service_account()
        with ExitStack() as running:
            linkedin = running.enter_context(
                FakeLinkedIn(
                    client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET,
                    seed=seed,
                    faults=linkedin_faults,
                    record_to=None if record_dir is None else record_dir / LINKEDIN_REQUESTS,
                    **dict(linkedin_options or {}),
                )
            )
            google = running.enter_context(
                FakeIndexing(
                    client_email=account.client_email,
                    public_key_pem=account.public_key_pem,
                    record_to=None if record_dir is None else record_dir / GOOGLE_NOTIFICATIONS,
                    faults=google_faults,
                    seed=seed,
                )
            )
            yield cls(linkedin, google, account, dict(http))

    def environment(self) -> dict[str, str]:
        return {
            "LINKEDIN_API_BASE_URL": self.linkedin.base_url,
            "LINKEDIN_TOKEN_URL": self.linkedin.token_url,
            "GOOGLE_INDEXING_API_BASE_URL": self.google.base_url,
            "LINKEDIN_TASK_POLL_DELAY_SECONDS": "0",
            **self.variables,
        }

    def connect(self, stack: EmbeddedStack) -> None:
        secrets = stack.secretsmanager
        secrets.put_secret_value(
            SecretId=stack.secret(LINKEDIN_SECRET).arn,
            SecretString=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
        )
        secrets.put_secret_value(
            SecretId=stack.secret(GOOGLE_SECRET).arn,
            SecretString=json.dumps(self.service_account.info(self.google.token_url)),
        )
        stack.override_environment(self.environment())
