"""The channels' HTTP clients (LinkedIn, Google), built once per container from the function's settings.

Secrets come from Secrets Manager through Powertools parameters and are never logged; which secret
and endpoint each client uses: docs/design.md, "How a deployment delivers".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from syndicate.settings import IndexingApiSettings, LinkedInApiSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from syndicate.adapters.google_indexing import IndexingClient
    from syndicate.adapters.linkedin_api import LinkedInClient

SECRETS_MAX_AGE_SECONDS: Final = 300


class ChannelClients:
    """Build once per container (module scope); call `linkedin()` / `indexing()` when needed: a client
    and its module (requests, google-auth) load at the first call. `before_http` runs once, just before
    the first client is built (a handler has its tracer instrument requests there, not at cold start)."""

    def __init__(
        self,
        secretsmanager: Callable[[], Any],
        linkedin: LinkedInApiSettings | None = None,
        indexing: IndexingApiSettings | None = None,
        before_http: Callable[[], object] | None = None,
    ) -> None:
        self._secretsmanager = secretsmanager
        self._before_http = before_http
        self._linkedin_settings = linkedin
        self._indexing_settings = indexing
        self._provider: SecretsProvider | None = None
        self._linkedin: LinkedInClient | None = None
        self._indexing: IndexingClient | None = None

    def secrets(self) -> SecretsProvider:
        if self._provider is None:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

            self._provider = SecretsProvider(boto3_client=self._secretsmanager())
        return self._provider

    def linkedin(self) -> LinkedInClient:
        if self._linkedin is None:
            if self._linkedin_settings is None:
                raise RuntimeError("this function has no LinkedIn API settings (LINKEDIN_DELIVERY is 'feed')")
            self._loading_http()
            self._linkedin = self._new_linkedin(self._linkedin_settings)
        return self._linkedin

    def _loading_http(self) -> None:
        if self._before_http is not None:
            before, self._before_http = self._before_http, None
            before()

    def _new_linkedin(self, settings: LinkedInApiSettings) -> LinkedInClient:
        from syndicate.adapters import http, linkedin_api  # noqa: PLC0415 - requests loads only where used

        overrides = settings.http.overrides()
        timeouts = replace(
            http.Timeouts(),
            **_renamed(overrides, {"connect_timeout": "connect", "read_timeout": "read"}),
        )
        retry = replace(
            http.RetryPolicy(),
            **_picked(overrides, ("retries", "backoff_factor", "backoff_jitter", "backoff_max")),
        )
        secret_arn = settings.credentials_secret_arn
        return linkedin_api.LinkedInClient(
            credentials=lambda: self._linkedin_credentials(secret_arn),
            version=settings.version,
            base_url=settings.api_base_url or linkedin_api.API_BASE_URL,
            token_url=settings.token_url or linkedin_api.TOKEN_URL,
            timeouts=timeouts,
            retry=retry,
        )

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
        if self._indexing is None:
            if self._indexing_settings is None:
                raise RuntimeError("this function has no Indexing API settings (GOOGLE_INDEXING is disabled)")
            self._loading_http()
            self._indexing = self._new_indexing(self._indexing_settings)
        return self._indexing

    def _new_indexing(self, settings: IndexingApiSettings) -> IndexingClient:
        from syndicate.adapters import google_indexing  # noqa: PLC0415 - google-auth loads only where used

        overrides: dict[str, Any] = settings.http.overrides()
        base_url = settings.api_base_url or google_indexing.API_BASE_URL
        client_settings = replace(google_indexing.IndexingSettings(api_base_url=base_url), **overrides)
        secret_arn = settings.service_account_secret_arn
        return google_indexing.IndexingClient(
            lambda: self._service_account(secret_arn), settings=client_settings
        )

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
