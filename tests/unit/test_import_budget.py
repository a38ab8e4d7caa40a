"""What each entry point imports: a command or a function loads nothing it does not use.

Cold starts and command start-up are mostly imports (see the README's Benchmarks). Timing them
in a test would be flaky; what they import is exact, so this holds the expensive parts out of
the places that never use them, as the aws-lambda-handler-cookbook's import budget test does.
Each check runs in a fresh interpreter with the function's environment from template.yaml; a
function's budget is the top-level modules it may load beyond the floor of the cold-start benchmark
(`import boto3` + one client), so a new heavy import fails here before it shows in `make bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.bench.coldstart import BUNDLE_ONLY_PREFACE, HANDLERS, handler_environments
from tests.bench.postings import NOW_ARGUMENT, REPO

_HANDLER_CHILD = (
    BUNDLE_ONLY_PREFACE
    + """
import gc, json
if sys.argv[1] == "floor":
    import boto3
    boto3.client("s3")
else:
    __import__(sys.argv[1])
found = {"modules": sorted(sys.modules), "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}
print(json.dumps(found))
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
def _handler_import(module: str) -> dict[str, Any]:
    """What importing `module` ("floor": the benchmark's floor) left: its modules, the collector's state."""
    floor_environment, environments = handler_environments()
    completed = subprocess.run(  # our own interpreter and a fixed script
        [sys.executable, "-c", _HANDLER_CHILD, module],
        capture_output=True,
        text=True,
        env=environments.get(module, floor_environment),
        cwd=REPO,
        check=True,
    )
    found: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return found


def _handler_modules(module: str) -> frozenset[str]:
    return frozenset(_imported(_handler_import(module)["modules"]))


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


FUNCTIONS = tuple(module.removeprefix("syndicate.handlers.") for module in HANDLERS)
# What a function may load beyond the floor (`import boto3` + one client), by top-level module.
POWERTOOLS = {"aws_lambda_powertools", "typing_extensions", "asyncio", "_asyncio", "pkgutil"}
TRACER = {"aws_xray_sdk", "wrapt"}  # Powertools Tracer: every function but the two webhooks
SANITIZER = {"nh3"}
VALIDATOR = {"jsonschema_rs", "pyromark", "unicodedata"} | SANITIZER  # the fast schema check, descriptions
HTTP_CLIENT = {"requests", "charset_normalizer", "idna", "stringprep", "unicodedata"}
CONNECTORS = {"pycountry"}  # the ATS connectors' place names
BUDGETS: dict[str, set[str]] = {
    "ingest": POWERTOOLS | TRACER | VALIDATOR,
    "publish_linkedin": POWERTOOLS | TRACER | SANITIZER,
    "publish_indeed": POWERTOOLS | TRACER,
    "publish_schemaorg": POWERTOOLS | TRACER | SANITIZER,
    "build_feeds": POWERTOOLS | TRACER | SANITIZER,
    "expire": POWERTOOLS | TRACER,
    "webhook": POWERTOOLS | VALIDATOR,
    "ats_poll": POWERTOOLS | TRACER | HTTP_CLIENT | CONNECTORS,
    "greenhouse_webhook": POWERTOOLS | HTTP_CLIENT | CONNECTORS,  # it syncs a board: no posting check
}


def test_every_function_the_template_deploys_is_budgeted_and_benchmarked() -> None:
    _, environments = handler_environments()  # raises if the benchmark's list and the template differ
    assert set(environments) == set(HANDLERS)
    assert set(BUDGETS) == set(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_function_loads_nothing_beyond_the_floor_outside_its_budget(name: str) -> None:
    floor = {module.partition(".")[0] for module in _handler_import("floor")["modules"]}
    own = {module.partition(".")[0] for module in _handler_import(f"syndicate.handlers.{name}")["modules"]}
    # Compiled extension modules name the Cython build that made them; gc is the interpreter's own.
    beyond = {top for top in own - floor if not top.startswith(("_cython", "cython_runtime"))}
    assert beyond - {"syndicate", "gc"} <= BUDGETS[name], sorted(beyond - BUDGETS[name])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_cold_start_ends_with_the_collector_running_and_its_objects_frozen(name: str) -> None:
    # syndicate.handlers holds the cyclic collector back while a handler module is imported; the
    # module's last statement must resume it, or the container would never collect a cycle again.
    after = _handler_import(f"syndicate.handlers.{name}")
    assert after["collecting"] is True
    assert after["frozen"] > 10_000
    assert _handler_import("floor")["frozen"] == 0


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_function_loads_the_reference_validator_at_its_cold_start(name: str) -> None:
    assert not _handler_modules(f"syndicate.handlers.{name}") & REFERENCE_VALIDATOR


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_function_loads_the_xml_feed_writer_at_its_cold_start(name: str) -> None:
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


@pytest.mark.parametrize(
    "name",
    ["ingest", "publish_linkedin", "publish_indeed", "publish_schemaorg", "build_feeds", "expire", "webhook"],
)
def test_functions_that_call_only_aws_at_their_cold_start_load_no_http_client(name: str) -> None:
    # Tracer patches only botocore in these: patching requests would import it (tens of ms). The
    # LinkedIn and schema.org publishers patch it when they first build a channel's client.
    assert not _handler_modules(f"syndicate.handlers.{name}") & {"requests", "google", "cryptography"}


def test_the_reference_validator_is_loaded_for_an_invalid_posting(tmp_path: Path) -> None:
    # The tests above would pass if it were never loaded: it must be, to explain an invalid posting.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "X-1"}) + "\n", "utf-8")
    assert "jsonschema" in _command_modules("validate", str(bad), exit_code=1)
