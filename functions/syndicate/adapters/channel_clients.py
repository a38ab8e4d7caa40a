"""The channels' HTTP clients (LinkedIn, Google), built from the environment once per container.

Secrets come from Secrets Manager through Powertools parameters and are never logged; which variables
name what, and when a client is rebuilt: docs/design.md, "How a deployment delivers".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from syndicate.pipeline.delivery import HttpTuning

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from syndicate.adapters.google_indexing import IndexingClient
    from syndicate.adapters.linkedin_api import LinkedInClient

SECRETS_MAX_AGE_SECONDS: Final = 300
DEFAULT_LINKEDIN_VERSION: Final = "202604"


class ChannelClients:
    """Build once per container (module scope); call `linkedin()` / `indexing()` when needed."""

    def __init__(self, secretsmanager: Callable[[], Any]) -> None:
        self._secretsmanager = secretsmanager
        self._provider: SecretsProvider | None = None
        self._linkedin: tuple[tuple[Any, ...], LinkedInClient] | None = None
        self._indexing: tuple[tuple[Any, ...], IndexingClient] | None = None

    def secrets(self) -> SecretsProvider:
        if self._provider is None:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

            self._provider = SecretsProvider(boto3_client=self._secretsmanager())
        return self._provider

    def linkedin(self) -> LinkedInClient:
        from syndicate.adapters import http, linkedin_api  # noqa: PLC0415 - requests loads only where used

        tuning = HttpTuning.from_environment()
        config = (
            os.environ["LINKEDIN_CREDENTIALS_SECRET_ARN"],
            os.environ.get("LINKEDIN_VERSION") or DEFAULT_LINKEDIN_VERSION,
            os.environ.get("LINKEDIN_API_BASE_URL") or linkedin_api.API_BASE_URL,
            os.environ.get("LINKEDIN_TOKEN_URL") or linkedin_api.TOKEN_URL,
            tuning,
        )
        if self._linkedin is None or self._linkedin[0] != config:
            if self._linkedin is not None:
                self._linkedin[1].close()
                self.secrets().clear_cache()  # type: ignore[no-untyped-call]  # untyped in Powertools
            secret_arn, version, base_url, token_url, _ = config
            overrides = tuning.overrides()
            timeouts = replace(
                http.Timeouts(),
                **_renamed(overrides, {"connect_timeout": "connect", "read_timeout": "read"}),
            )
            retry = replace(
                http.RetryPolicy(),
                **_picked(overrides, ("retries", "backoff_factor", "backoff_jitter", "backoff_max")),
            )
            client = linkedin_api.LinkedInClient(
                credentials=lambda: self._linkedin_credentials(secret_arn),
                version=version,
                base_url=base_url,
                token_url=token_url,
                timeouts=timeouts,
                retry=retry,
            )
            self._linkedin = (config, client)
        return self._linkedin[1]

    def _linkedin_credentials(self, secret_arn: str) -> Mapping[str, Any]:
        from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
            GetParameterError,
            TransformParameterError,
        )

        from syndicate.adapters.linkedin_api import LinkedInAuthError  # noqa: PLC0415

        try:
            value = self.secrets().get(secret_arn, transform="json", max_age=SECRETS_MAX_AGE_SECONDS)
        except (GetParameterError, TransformParameterError) as problem:
            # Retryable: the operator fixes the secret, and the messages waiting in SQS (or its DLQ) go on.
            raise LinkedInAuthError(f"cannot read the LinkedIn credentials secret: {problem}") from None
        if not isinstance(value, dict):
            raise LinkedInAuthError("the LinkedIn credentials secret is not a JSON object")
        return value

    def indexing(self) -> IndexingClient:
        from syndicate.adapters import google_indexing  # noqa: PLC0415 - google-auth loads only where used

        tuning = HttpTuning.from_environment()
        config = (
            os.environ["GOOGLE_SERVICE_ACCOUNT_SECRET_ARN"],
            os.environ.get("GOOGLE_INDEXING_API_BASE_URL") or google_indexing.API_BASE_URL,
            tuning,
        )
        if self._indexing is None or self._indexing[0] != config:
            if self._indexing is not None:
                self._indexing[1].close()
                self.secrets().clear_cache()  # type: ignore[no-untyped-call]  # untyped in Powertools
            secret_arn, base_url, _ = config
            overrides: dict[str, Any] = tuning.overrides()
            settings = replace(google_indexing.IndexingSettings(api_base_url=base_url), **overrides)
            client = google_indexing.IndexingClient(
                lambda: self._service_account(secret_arn), settings=settings
            )
            self._indexing = (config, client)
        return self._indexing[1]

    def _service_account(self, secret_arn: str) -> str:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        from syndicate.adapters.google_indexing import IndexingAuthError  # noqa: PLC0415

        try:
            value = self.secrets().get(secret_arn, max_age=SECRETS_MAX_AGE_SECONDS)
        except GetParameterError as problem:
            raise IndexingAuthError(f"cannot read the Google service account secret: {problem}") from None
        # The client parses it and names a missing field, never the key itself.
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _renamed(values: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {names[name]: value for name, value in values.items() if name in names}


def _picked(values: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name in names}
