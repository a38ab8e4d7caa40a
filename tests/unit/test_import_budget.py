"""What each entry point imports: a command or a function loads nothing it does not use.

Cold starts and command start-up are mostly imports (see the README's Benchmarks). Timing them
in a test would be flaky; what they import is exact, so this holds the expensive parts out of
the places that never use them, as the aws-lambda-handler-cookbook's import budget test does.
Each check runs in a fresh interpreter with the function's environment from template.yaml.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.bench.coldstart import BUNDLE_ONLY_PREFACE, handler_environments
from tests.bench.postings import NOW_ARGUMENT, REPO

_HANDLER_CHILD = (
    BUNDLE_ONLY_PREFACE
    + """
import json
__import__(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""
)
# The command's own output goes to stdout; its exit code and modules, last, to stderr.
_COMMAND_CHILD = """
import json, runpy, sys
sys.argv = ["syndicate", *sys.argv[1:]]
try:
    runpy.run_module("syndicate.cli.main", run_name="__main__")
except SystemExit as end:
    print(json.dumps([end.code, sorted(sys.modules)]), file=sys.stderr)
"""

AWS = {"boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "s3transfer"}
HTTP_CLIENTS = {"requests", "urllib3", "google", "cryptography"}
REFERENCE_VALIDATOR = {"jsonschema"}  # loaded for the first invalid posting only
DESCRIPTION_WORK = {"jsonschema_rs", "pyromark", "syndicate.core.validation", "syndicate.core.description"}


def _imported(names: list[str]) -> set[str]:
    """Every imported module with its parent packages' names, so a set of tops can be checked."""
    return {name for module in names for name in (module, module.partition(".")[0])}


@cache
def _handler_modules(module: str) -> frozenset[str]:
    _, environments = handler_environments()
    completed = subprocess.run(  # our own interpreter and a fixed script
        [sys.executable, "-c", _HANDLER_CHILD, module],
        capture_output=True,
        text=True,
        env=environments[module],
        cwd=REPO,
        check=True,
    )
    return frozenset(_imported(json.loads(completed.stdout.splitlines()[-1])))


def _command_modules(*arguments: str, exit_code: int = 0) -> set[str]:
    completed = subprocess.run(  # our own interpreter and a fixed script
        [sys.executable, "-c", _COMMAND_CHILD, "--now", NOW_ARGUMENT, *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "functions"), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    code, modules = json.loads(completed.stderr.splitlines()[-1])
    assert code == exit_code, completed.stderr[-2000:]
    return _imported(modules)


EXAMPLE = str(REPO / "examples" / "more-postings.jsonl")


@pytest.mark.parametrize(
    "arguments",
    [("validate", EXAMPLE), ("validate", "--json", EXAMPLE)]
    + [("transform", "--channel", channel, EXAMPLE) for channel in ("linkedin", "indeed", "schemaorg")],
    ids=lambda arguments: " ".join(arguments[:-1]),
)
def test_local_commands_load_no_aws_sdk_no_http_client_and_no_reference_validator(
    arguments: tuple[str, ...],
) -> None:
    imported = _command_modules(*arguments)
    assert not imported & (AWS | HTTP_CLIENTS | REFERENCE_VALIDATOR | {"infra", "yaml"})
    assert "syndicate.cli.preview" not in imported and "syndicate.core.preview" not in imported
    # Only the asked command's arguments are defined: no other command's module is loaded.
    other_commands = {f"syndicate.cli.{name}" for name in ("run", "serve", "sign", "status", "pull")}
    assert not imported & (other_commands | {"syndicate.core.connectors"})
    # Country and currency codes are read from pycountry's data files: its import reads its
    # version through importlib.metadata (syndicate.core.iso_codes).
    assert "pycountry" not in imported
    # lxml (libxml2) writes the XML feeds, loaded by the one command that writes one.
    assert ("lxml" in imported) == ("indeed" in arguments)


HANDLERS = ("ingest", "publish_linkedin", "publish_indeed", "publish_schemaorg", "expire", "webhook")


@pytest.mark.parametrize("name", HANDLERS)
def test_no_function_loads_the_reference_validator_at_its_cold_start(name: str) -> None:
    assert not _handler_modules(f"syndicate.handlers.{name}") & REFERENCE_VALIDATOR


@pytest.mark.parametrize("name", HANDLERS)
def test_no_function_but_the_feed_builder_loads_the_xml_feed_writer(name: str) -> None:
    # They render jobs (the ingest) or send them; only the feed builder writes a feed, and it
    # loads lxml when it first does.
    assert "lxml" not in _handler_modules(f"syndicate.handlers.{name}")


@pytest.mark.parametrize("name", ["publish_linkedin", "publish_indeed", "publish_schemaorg", "expire"])
def test_publishers_and_expiry_load_no_validator_and_no_description_work(name: str) -> None:
    assert not _handler_modules(f"syndicate.handlers.{name}") & DESCRIPTION_WORK


@pytest.mark.parametrize("name", ["publish_linkedin", "publish_indeed", "publish_schemaorg"])
def test_a_publisher_loads_no_other_channels_publisher(name: str) -> None:
    own = name.removeprefix("publish_")
    imported = _handler_modules(f"syndicate.handlers.{name}")
    others = {f"syndicate.pipeline.publishers.{channel}" for channel in ("linkedin", "indeed", "schemaorg")}
    assert not imported & (others - {f"syndicate.pipeline.publishers.{own}"})


@pytest.mark.parametrize("name", ["ingest", "publish_indeed", "expire", "webhook"])
def test_functions_that_call_only_aws_load_no_http_client(name: str) -> None:
    # Tracer patches only botocore in these: patching requests would import it (tens of ms).
    assert not _handler_modules(f"syndicate.handlers.{name}") & {"requests", "google", "cryptography"}


def test_the_reference_validator_is_loaded_for_an_invalid_posting(tmp_path: Path) -> None:
    # The tests above would pass if it were never loaded: it must be, to explain an invalid posting.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "X-1"}) + "\n", "utf-8")
    assert "jsonschema" in _command_modules("validate", str(bad), exit_code=1)
