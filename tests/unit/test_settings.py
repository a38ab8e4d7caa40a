"""Each function's settings: parsed from the environment template.yaml gives the function, with an
error that names the variable and the function when one is missing or wrong."""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from infra.runtime.specs import StackModel
from infra.runtime.template import parse_template

import syndicate
from syndicate.core.delivery import HttpTuning
from syndicate.settings import (
    AtsPollSettings,
    CliSettings,
    ExpirySettings,
    FeedBuilderSettings,
    GreenhouseWebhookSettings,
    IndeedPublisherSettings,
    IngestSettings,
    LinkedInPublisherSettings,
    SchemaOrgPublisherSettings,
    SettingsError,
    WebhookSettings,
)
from tests.integration.pipeline_helpers import PARAMETERS, TEMPLATE

SETTINGS: dict[str, Any] = {
    "IngestFunction": IngestSettings,
    "LinkedInPublisherFunction": LinkedInPublisherSettings,
    "IndeedPublisherFunction": IndeedPublisherSettings,
    "SchemaOrgPublisherFunction": SchemaOrgPublisherSettings,
    "FeedBuilderFunction": FeedBuilderSettings,
    "ExpiryFunction": ExpirySettings,
    "WebhookFunction": WebhookSettings,
    "AtsPollFunction": AtsPollSettings,
    "GreenhouseWebhookFunction": GreenhouseWebhookSettings,
}


@cache
def stack(**parameters: str) -> StackModel:
    return parse_template(TEMPLATE, {**PARAMETERS, **parameters})


def environment(function: str, **parameters: str) -> dict[str, str]:
    return dict(stack(**parameters).functions[function].environment)


def test_every_function_of_the_template_has_its_settings() -> None:
    assert set(SETTINGS) == set(stack().functions)


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_each_function_reads_its_settings_from_what_the_template_gives_it(function: str) -> None:
    settings = SETTINGS[function].from_environ(environment(function))
    handler = importlib.util.find_spec(stack().functions[function].handler.rpartition(".")[0])
    assert handler is not None and handler.origin is not None
    # The handler parses this very class once, at module scope.
    assert f"{type(settings).__name__}.from_environ()" in Path(handler.origin).read_text("utf-8")


QUEUES = {"LINKEDIN_QUEUE_URL", "INDEED_QUEUE_URL", "SCHEMAORG_QUEUE_URL"}
PUBLISHER_TABLES = {"STATE_TABLE", "FEED_TABLE"}
CONNECTIONS = {"CONNECTIONS_PARAMETER_PATH", "INTAKE_BUCKET", "STATE_TABLE"}
# What each function cannot start without (LinkedIn in API mode, Google Indexing disabled: the defaults).
REQUIRED = {
    "IngestFunction": {
        "STATE_TABLE",
        "INTAKE_BUCKET",
        "LINKEDIN_DELIVERY",
        "INGEST_QUEUE_URL",
        "INGEST_RANGE_BYTES",
    }
    | QUEUES,
    "LinkedInPublisherFunction": PUBLISHER_TABLES
    | {
        "IDEMPOTENCY_TABLE",
        "LINKEDIN_DELIVERY",
        "LINKEDIN_QUEUE_URL",
        "LINKEDIN_TASK_POLL_DELAY_SECONDS",
        "LINKEDIN_TASK_POLL_ATTEMPTS",
    }
    | {"LINKEDIN_CREDENTIALS_SECRET_ARN", "LINKEDIN_VERSION"},
    "IndeedPublisherFunction": PUBLISHER_TABLES,
    "SchemaOrgPublisherFunction": PUBLISHER_TABLES | {"SITE_BUCKET", "SITE_BASE_URL", "GOOGLE_INDEXING"},
    "FeedBuilderFunction": {"FEED_TABLE", "FEED_BUCKET", "SITE_BUCKET", "SITE_BASE_URL"}
    | {"FEED_PUBLISHER", "FEED_PUBLISHER_URL"},
    "ExpiryFunction": {"STATE_TABLE"} | QUEUES,
    "WebhookFunction": {"STATE_TABLE", "IDEMPOTENCY_TABLE", "INTAKE_BUCKET", "SITE_BASE_URL"}
    | {"LINKEDIN_DELIVERY", "WEBHOOK_SECRETS_ARN"},
    "AtsPollFunction": CONNECTIONS,
    "GreenhouseWebhookFunction": CONNECTIONS | {"ATS_SECRETS_ARN"},
}


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_a_missing_variable_is_named_with_the_function(function: str) -> None:
    given = environment(function)
    assert REQUIRED[function] <= set(given)
    for name in sorted(given):
        without = {key: value for key, value in given.items() if key != name}
        if name in REQUIRED[function]:
            with pytest.raises(SettingsError) as raised:
                SETTINGS[function].from_environ(without)
            assert str(raised.value).startswith(f"{function}: environment variable {name} is not set")
        else:  # Globals give every function variables it does not read
            SETTINGS[function].from_environ(without)


def test_the_ingest_needs_its_range_queue_and_a_positive_range_size() -> None:
    given = environment("IngestFunction")
    settings = IngestSettings.from_environ(given)
    assert settings.range_queue_url == given["INGEST_QUEUE_URL"]
    assert settings.range_bytes == int(given["INGEST_RANGE_BYTES"])
    with pytest.raises(
        SettingsError, match="IngestFunction: environment variable INGEST_RANGE_BYTES must be"
    ):
        IngestSettings.from_environ({**given, "INGEST_RANGE_BYTES": "4 MiB"})
    with pytest.raises(SettingsError, match="INGEST_RANGE_BYTES must be at least 1, not 0"):
        IngestSettings.from_environ({**given, "INGEST_RANGE_BYTES": "0"})
    with pytest.raises(
        SettingsError, match="IngestFunction: environment variable INGEST_QUEUE_URL is not set"
    ):
        IngestSettings.from_environ({**given, "INGEST_QUEUE_URL": " "})


def test_http_tuning_and_modes_come_from_the_environment() -> None:
    given = environment("LinkedInPublisherFunction")
    tuned = {**given, "HTTP_READ_TIMEOUT_SECONDS": "0.5", "HTTP_RETRIES": "2", "LINKEDIN_DELIVERY": "api"}
    api = LinkedInPublisherSettings.from_environ(tuned).api
    assert api is not None and api.http.overrides() == {"read_timeout": 0.5, "retries": 2}
    assert api.api_base_url is None and api.token_url is None  # LinkedIn's own
    feed = LinkedInPublisherSettings.from_environ({**given, "LINKEDIN_DELIVERY": "Feed"})
    assert feed.linkedin_delivery == "feed" and feed.api is None
    with pytest.raises(SettingsError, match=r"LINKEDIN_DELIVERY must be 'api' or 'feed', not 'fax'"):
        LinkedInPublisherSettings.from_environ({**given, "LINKEDIN_DELIVERY": "fax"})
    with pytest.raises(SettingsError, match="HTTP_RETRIES must be a whole number, not 'many'"):
        LinkedInPublisherSettings.from_environ({**tuned, "HTTP_RETRIES": "many"})
    with pytest.raises(SettingsError, match="HTTP_READ_TIMEOUT_SECONDS must be zero or more seconds"):
        LinkedInPublisherSettings.from_environ({**tuned, "HTTP_READ_TIMEOUT_SECONDS": "nan"})


def test_google_is_told_only_where_the_template_enables_it() -> None:
    disabled = SchemaOrgPublisherSettings.from_environ(environment("SchemaOrgPublisherFunction"))
    enabled_environment = environment("SchemaOrgPublisherFunction", GoogleIndexing="enabled")
    enabled = SchemaOrgPublisherSettings.from_environ(enabled_environment)
    assert disabled.indexing is None
    assert enabled.indexing is not None
    assert (
        enabled.indexing.service_account_secret_arn
        == enabled_environment["GOOGLE_SERVICE_ACCOUNT_SECRET_ARN"]
    )
    assert enabled.indexing.http == HttpTuning()
    with pytest.raises(SettingsError, match="GOOGLE_INDEXING must be 'enabled' or 'disabled', not 'yes'"):
        SchemaOrgPublisherSettings.from_environ({**enabled_environment, "GOOGLE_INDEXING": "yes"})


def test_the_command_line_reads_its_template_and_named_secrets() -> None:
    settings = CliSettings.from_environ({"SYNDICATE_TEMPLATE": "/tmp/t.yaml", "MY_SECRET": " s3cret \n"})
    assert settings.template == Path("/tmp/t.yaml")
    assert settings.secret("MY_SECRET") == "s3cret"
    assert settings.secret("UNSET") is None
    assert CliSettings.from_environ({}).template is None


def test_the_settings_are_the_one_module_of_the_package_that_reads_the_environment() -> None:
    package = Path(syndicate.__file__).parent
    readers = sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if re.search(r"\bos\.environ\b|\bgetenv\(", path.read_text("utf-8"))
    )
    assert readers == ["settings.py"]
