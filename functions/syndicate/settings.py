"""Each function's settings: its environment variables read, checked and typed once, at container start.

One frozen dataclass per Lambda function (and one for the command line), built by `from_environ` at
the handler's module scope and passed down to the pipeline and the adapters. This is the one module
of the package that reads the environment; template.yaml sets every variable and holds the defaults
(its Parameters), so a variable missing here is a deployment mistake, reported by name and function.
Only what a deployment never sets has a default: the channels' endpoints (the clients' own) and the
HTTP tuning (the clients' defaults), which the local runtime overrides to talk to its fakes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, get_args

from syndicate.core.delivery import HttpTuning, LinkedInDelivery
from syndicate.core.model import CHANNELS, Channel

Environ = Mapping[str, str]
_DELIVERIES: Final = get_args(LinkedInDelivery)
# The environment variable naming each channel's queue.
QUEUE_VARIABLES: Final[Mapping[Channel, str]] = {
    "linkedin": "LINKEDIN_QUEUE_URL",
    "indeed": "INDEED_QUEUE_URL",
    "schemaorg": "SCHEMAORG_QUEUE_URL",
}


class SettingsError(RuntimeError):
    """A variable is missing or holds what it may not; the message names it and the function."""


class _Variables:
    """Reads one function's variables; every problem names the variable and the function."""

    def __init__(self, function: str, environ: Environ) -> None:
        self._function = function
        self._environ = environ

    def _fail(self, name: str, problem: str) -> SettingsError:
        return SettingsError(f"{self._function}: environment variable {name} {problem}")

    def text(self, name: str) -> str:
        value = self._environ.get(name, "").strip()
        if not value:
            raise self._fail(name, "is not set (template.yaml sets it for this function)")
        return value

    def optional(self, name: str) -> str | None:
        return self._environ.get(name, "").strip() or None

    def whole(self, name: str, *, minimum: int = 0) -> int:
        text = self.text(name)
        try:
            value = int(text)
        except ValueError:
            raise self._fail(name, f"must be a whole number, not {text!r}") from None
        if value < minimum:
            raise self._fail(name, f"must be at least {minimum}, not {value}")
        return value

    def seconds(self, name: str) -> float | None:
        text = self.optional(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            raise self._fail(name, f"must be a number of seconds, not {text!r}") from None
        if not value >= 0:  # also refuses NaN
            raise self._fail(name, f"must be zero or more seconds, not {text!r}")
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.text(name).lower()
        if value not in choices:
            allowed = " or ".join(repr(choice) for choice in choices)
            raise self._fail(name, f"must be {allowed}, not {value!r}")
        return value

    def linkedin_delivery(self) -> LinkedInDelivery:
        return "feed" if self.choice("LINKEDIN_DELIVERY", _DELIVERIES) == "feed" else "api"

    def queue_urls(self) -> dict[Channel, str]:
        return {channel: self.text(QUEUE_VARIABLES[channel]) for channel in CHANNELS}

    def http_tuning(self) -> HttpTuning:
        retries = self.optional("HTTP_RETRIES")
        return HttpTuning(
            connect_timeout=self.seconds("HTTP_CONNECT_TIMEOUT_SECONDS"),
            read_timeout=self.seconds("HTTP_READ_TIMEOUT_SECONDS"),
            retries=None if retries is None else self.whole("HTTP_RETRIES"),
            backoff_factor=self.seconds("HTTP_BACKOFF_FACTOR_SECONDS"),
            backoff_jitter=self.seconds("HTTP_BACKOFF_JITTER_SECONDS"),
            backoff_max=self.seconds("HTTP_BACKOFF_MAX_SECONDS"),
        )


# --- what several functions share -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkedInApiSettings:
    """The Job Posting API client: the credentials secret's ARN (never its value), the API version;
    endpoints None for LinkedIn's own."""

    credentials_secret_arn: str
    version: str
    http: HttpTuning
    api_base_url: str | None = None
    token_url: str | None = None


@dataclass(frozen=True, slots=True)
class IndexingApiSettings:
    """The Google Indexing API client: the service account secret's ARN; endpoint None for Google's."""

    service_account_secret_arn: str
    http: HttpTuning
    api_base_url: str | None = None


@dataclass(frozen=True, slots=True)
class PublisherTables:
    """The tables every publisher writes: posting state and feed entries."""

    state_table: str
    feed_table: str


def _publisher_tables(variables: _Variables) -> PublisherTables:
    return PublisherTables(
        state_table=variables.text("STATE_TABLE"),
        feed_table=variables.text("FEED_TABLE"),
    )


# --- one per function -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestSettings:
    state_table: str
    intake_bucket: str
    queue_urls: Mapping[Channel, str]
    linkedin_delivery: LinkedInDelivery
    range_queue_url: str  # the ingest queue: ranges of a big JSON Lines upload go there
    range_bytes: int

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> IngestSettings:
        variables = _Variables("IngestFunction", environ)
        return cls(
            state_table=variables.text("STATE_TABLE"),
            intake_bucket=variables.text("INTAKE_BUCKET"),
            queue_urls=variables.queue_urls(),
            linkedin_delivery=variables.linkedin_delivery(),
            range_queue_url=variables.text("INGEST_QUEUE_URL"),
            range_bytes=variables.whole("INGEST_RANGE_BYTES", minimum=1),
        )


@dataclass(frozen=True, slots=True)
class LinkedInPublisherSettings:
    tables: PublisherTables
    idempotency_table: str  # only LinkedIn keeps idempotency records: its API calls act outside our state
    linkedin_delivery: LinkedInDelivery
    queue_url: str  # the LinkedIn queue, where task polls go
    poll_delay_seconds: int
    poll_attempts: int
    api: LinkedInApiSettings | None  # None in feed mode

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> LinkedInPublisherSettings:
        variables = _Variables("LinkedInPublisherFunction", environ)
        delivery = variables.linkedin_delivery()
        api = None
        if delivery == "api":
            api = LinkedInApiSettings(
                credentials_secret_arn=variables.text("LINKEDIN_CREDENTIALS_SECRET_ARN"),
                version=variables.text("LINKEDIN_VERSION"),
                http=variables.http_tuning(),
                api_base_url=variables.optional("LINKEDIN_API_BASE_URL"),
                token_url=variables.optional("LINKEDIN_TOKEN_URL"),
            )
        return cls(
            tables=_publisher_tables(variables),
            idempotency_table=variables.text("IDEMPOTENCY_TABLE"),
            linkedin_delivery=delivery,
            queue_url=variables.text("LINKEDIN_QUEUE_URL"),
            poll_delay_seconds=variables.whole("LINKEDIN_TASK_POLL_DELAY_SECONDS"),
            poll_attempts=variables.whole("LINKEDIN_TASK_POLL_ATTEMPTS", minimum=1),
            api=api,
        )


@dataclass(frozen=True, slots=True)
class IndeedPublisherSettings:
    tables: PublisherTables

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> IndeedPublisherSettings:
        return cls(_publisher_tables(_Variables("IndeedPublisherFunction", environ)))


@dataclass(frozen=True, slots=True)
class SchemaOrgPublisherSettings:
    tables: PublisherTables
    site_bucket: str
    site_base_url: str
    indexing: IndexingApiSettings | None  # None: Google is not told (GOOGLE_INDEXING disabled)

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> SchemaOrgPublisherSettings:
        variables = _Variables("SchemaOrgPublisherFunction", environ)
        indexing = None
        if variables.choice("GOOGLE_INDEXING", ("enabled", "disabled")) == "enabled":
            indexing = IndexingApiSettings(
                service_account_secret_arn=variables.text("GOOGLE_SERVICE_ACCOUNT_SECRET_ARN"),
                http=variables.http_tuning(),
                api_base_url=variables.optional("GOOGLE_INDEXING_API_BASE_URL"),
            )
        return cls(
            tables=_publisher_tables(variables),
            site_bucket=variables.text("SITE_BUCKET"),
            site_base_url=variables.text("SITE_BASE_URL"),
            indexing=indexing,
        )


@dataclass(frozen=True, slots=True)
class FeedBuilderSettings:
    feed_table: str
    feed_bucket: str
    site_bucket: str
    site_base_url: str
    feed_publisher: str  # the Indeed feed's <publisher> and <publisherurl>
    feed_publisher_url: str

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> FeedBuilderSettings:
        variables = _Variables("FeedBuilderFunction", environ)
        return cls(
            feed_table=variables.text("FEED_TABLE"),
            feed_bucket=variables.text("FEED_BUCKET"),
            site_bucket=variables.text("SITE_BUCKET"),
            site_base_url=variables.text("SITE_BASE_URL"),
            feed_publisher=variables.text("FEED_PUBLISHER"),
            feed_publisher_url=variables.text("FEED_PUBLISHER_URL"),
        )


@dataclass(frozen=True, slots=True)
class ExpirySettings:
    state_table: str
    queue_urls: Mapping[Channel, str]

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> ExpirySettings:
        variables = _Variables("ExpiryFunction", environ)
        return cls(state_table=variables.text("STATE_TABLE"), queue_urls=variables.queue_urls())


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    state_table: str
    idempotency_table: str
    intake_bucket: str
    site_base_url: str
    linkedin_delivery: LinkedInDelivery
    client_secrets_arn: str  # the secret's ARN only; its value never leaves memory

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> WebhookSettings:
        variables = _Variables("WebhookFunction", environ)
        return cls(
            state_table=variables.text("STATE_TABLE"),
            idempotency_table=variables.text("IDEMPOTENCY_TABLE"),
            intake_bucket=variables.text("INTAKE_BUCKET"),
            site_base_url=variables.text("SITE_BASE_URL"),
            linkedin_delivery=variables.linkedin_delivery(),
            client_secrets_arn=variables.text("WEBHOOK_SECRETS_ARN"),
        )


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """What syncing the ATS connections needs: where they are kept, where their postings go."""

    connections_path: str  # the SSM parameter path holding one parameter per connection
    intake_bucket: str
    state_table: str
    http: HttpTuning  # reading the job boards


def _connection_settings(variables: _Variables) -> ConnectionSettings:
    return ConnectionSettings(
        connections_path=variables.text("CONNECTIONS_PARAMETER_PATH"),
        intake_bucket=variables.text("INTAKE_BUCKET"),
        state_table=variables.text("STATE_TABLE"),
        http=variables.http_tuning(),
    )


@dataclass(frozen=True, slots=True)
class AtsPollSettings:
    connections: ConnectionSettings

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> AtsPollSettings:
        return cls(_connection_settings(_Variables("AtsPollFunction", environ)))


@dataclass(frozen=True, slots=True)
class GreenhouseWebhookSettings:
    connections: ConnectionSettings
    connection_secrets_arn: str  # each connection's webhook key; the ARN only

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> GreenhouseWebhookSettings:
        variables = _Variables("GreenhouseWebhookFunction", environ)
        return cls(_connection_settings(variables), variables.text("ATS_SECRETS_ARN"))


# --- the command line -------------------------------------------------------------------------------

TEMPLATE_VARIABLE: Final = "SYNDICATE_TEMPLATE"


@dataclass(frozen=True, slots=True)
class CliSettings:
    """What the command line takes from the environment: the template to run (else the checkout's),
    and client secrets from the variables the user names (`--secret-env`)."""

    template: Path | None
    environ: Environ

    @classmethod
    def from_environ(cls, environ: Environ = os.environ) -> CliSettings:
        template = environ.get(TEMPLATE_VARIABLE, "").strip()
        return cls(Path(template) if template else None, environ)

    def secret(self, variable: str) -> str | None:
        """The value of the variable the user named for a secret; None when unset or empty."""
        return self.environ.get(variable, "").strip() or None
