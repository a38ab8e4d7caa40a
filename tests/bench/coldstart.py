"""Handler cold start: import plus client creation of each function's handler module against a floor.

Every function template.yaml deploys is measured (a test holds HANDLERS equal to the template's
handlers). Each measurement is a fresh interpreter that reads, just before the import and just after
it, its CPU time (`time.process_time`: user + system of the whole process, every thread) and the
wall clock; interpreter start-up is outside both. The handlers build their boto3 clients,
Powertools objects and validators at module scope, so the import is all a cold start pays before
the first event (the webhook's first request is measured too, in tests/bench/webhook.py). The floor
is `import boto3; boto3.client("s3")` in the same kind of process. Each handler runs in pairs with
the floor, floor first in one round and second in the next, after a warm-up pair that is dropped
(it also writes any missing bytecode caches: children run with PYTHONDONTWRITEBYTECODE removed, so
our modules are read from bytecode as the floor's are). The verdict is the median of the per-pair
CPU ratios: on a machine other processes share, CPU time is what they inflate least; the wall
ratio is printed beside it.

Environment of each child: the function's variables as template.yaml gives them (Globals merged
with the function's own, each reference replaced by a fake name derived from its logical id:
nothing is deployed), the variables Lambda's runtime sets (AWS Lambda developer guide, "Defined
runtime environment variables"), dummy credentials and a fixed region; endpoint overrides and
profiles are removed. Nothing touches the network at import: botocore clients connect on their
first call. Lambda's start-up of its own runtime client is not measured: it is the same for
every function and outside our code.

The development environment holds more than the function's bundle (test tools and their
dependencies), and some libraries import whatever is installed: Powertools' Tracer has the X-Ray
SDK patch every library it supports that it can import (httpx, brought by a test tool, costs tens
of milliseconds). So each child refuses to import any installed distribution that `sam build`
would not bundle: those outside the closure of functions/requirements.txt (extras and markers
evaluated as pip does).
"""

from __future__ import annotations

import os
import pstats
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from infra.runtime.aws_env import offline_aws_variables, variables_to_hide
from infra.runtime.cfn_yaml import load_template_file
from packaging.requirements import Requirement

from tests.bench.postings import REPO

# Every function template.yaml deploys, in its order.
HANDLERS = (
    "syndicate.handlers.ingest",
    "syndicate.handlers.publish_linkedin",
    "syndicate.handlers.publish_indeed",
    "syndicate.handlers.publish_schemaorg",
    "syndicate.handlers.build_feeds",
    "syndicate.handlers.expire",
    "syndicate.handlers.webhook",
    "syndicate.handlers.ats_poll",
    "syndicate.handlers.greenhouse_webhook",
)
FLOOR = "floor: import boto3 + boto3.client('s3')"
# Not a target: what the ingest handler's three clients alone would cost, to read the gap by.
THREE_CLIENTS = "context: import boto3 + s3, sqs and dynamodb clients"
REGION = "us-east-1"
ACCOUNT = "123456789012"
# The template's parameters without a default (what `sam deploy` would be given).
TEMPLATE_PARAMETERS = {
    "SiteBaseUrl": "https://jobs.example.org",
    "FeedPublisher": "Example Jobs",
    "FeedPublisherUrl": "https://jobs.example.org/",
}

NOT_BUNDLED_VARIABLE = "SYNDICATE_BENCH_NOT_BUNDLED"
# Set up before any clock starts, in every child: top-level names of installed distributions the
# bundle would not hold cannot be imported (as if absent). `os` is loaded at start-up anyway.
BUNDLE_ONLY_PREFACE = f"""
import os, sys
class _OnlyTheBundle:
    refused = frozenset(os.environ.get("{NOT_BUNDLED_VARIABLE}", "").split(","))
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in cls.refused:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the bundle)", name=name)
        return None
sys.meta_path.insert(0, _OnlyTheBundle)
"""
# Beyond what every interpreter loads at start-up, only `sys` and `time` come before the clocks, so
# neither side gets json, logging... for free. `__import__` is a builtin, and importing a dotted
# name runs every parent package too.
_CHILD = (
    BUNDLE_ONLY_PREFACE
    + """
import time
cpu_start, wall_start = time.process_time(), time.perf_counter()
target = sys.argv[1]
if target == "floor":
    import boto3
    boto3.client("s3")
elif target == "three-clients":
    import boto3
    boto3.client("s3"); boto3.client("sqs"); boto3.client("dynamodb")
else:
    __import__(target)
print(repr(time.process_time() - cpu_start), repr(time.perf_counter() - wall_start))
"""
)
_CHILD_TARGETS = {FLOOR: "floor", THREE_CLIENTS: "three-clients"}


@dataclass(frozen=True)
class Run:
    cpu: float  # seconds of CPU time (user + system) from just before the import to just after it
    wall: float


@dataclass(frozen=True)
class Pairs:
    """Runs of one subject, each paired with a run of the floor made next to it."""

    floor: tuple[Run, ...]
    subject: tuple[Run, ...]

    @property
    def cpu_ratio(self) -> float:
        """The verdict's figure: the median of the per-pair CPU ratios."""
        return statistics.median(s.cpu / f.cpu for f, s in zip(self.floor, self.subject, strict=True))

    @property
    def wall_ratio(self) -> float:
        return statistics.median(s.wall / f.wall for f, s in zip(self.floor, self.subject, strict=True))

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu for run in self.subject)

    @property
    def floor_cpu_median(self) -> float:
        return statistics.median(run.cpu for run in self.floor)

    @property
    def wall_median(self) -> float:
        return statistics.median(run.wall for run in self.subject)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": len(self.subject),
            "cpu_ms_median": round(self.cpu_median * 1e3, 1),
            "floor_cpu_ms_median": round(self.floor_cpu_median * 1e3, 1),
            "wall_ms_median": round(self.wall_median * 1e3, 1),
            "cpu_ratio_median_of_pairs": round(self.cpu_ratio, 3),
            "wall_ratio_median_of_pairs": round(self.wall_ratio, 3),
        }


def _fake(value: Any, template: Mapping[str, Any]) -> str:
    """A stand-in for a template value: a reference becomes a fake name from its logical id."""
    if not isinstance(value, dict) or len(value) != 1:
        return str(value)
    [(function, argument)] = value.items()
    if function == "Ref":
        if argument == "AWS::Region":
            return REGION
        if argument in TEMPLATE_PARAMETERS:
            return TEMPLATE_PARAMETERS[argument]
        parameter = (template.get("Parameters") or {}).get(argument)
        if parameter is not None:
            return str(parameter.get("Default", f"bench-{argument}"))
        kind = (template.get("Resources") or {}).get(argument, {}).get("Type")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/bench-{argument}"
        return f"bench-{argument.lower()}"  # bucket and table names are lower case
    target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
    return f"arn:aws:bench:{REGION}:{ACCOUNT}:{target}"


def _lambda_variables(logical_id: str, handler: str, properties: Mapping[str, Any]) -> dict[str, str]:
    """What Lambda's Python runtime sets for the function. LAMBDA_TASK_ROOT matters: with it,
    Powertools Tracer and the X-Ray SDK take their in-Lambda paths (tracing on, modules patched,
    no sampling client of their own). The X-Ray daemon address is local, and only a socket is
    made at import: nothing is sent."""
    name = f"bench-{logical_id}"
    variables = {
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{properties.get('Runtime', 'python3.11')}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(properties.get("MemorySize", 128)),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench/[$LATEST]0",
        "LAMBDA_TASK_ROOT": str(REPO / "functions"),  # the CodeUri of every function
        "TZ": ":UTC",
        "_HANDLER": handler,
    }
    if properties.get("Tracing") == "Active":
        variables["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
        variables["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:2000"
    logging = properties.get("LoggingConfig") or {}
    if logging:
        variables["AWS_LAMBDA_LOG_FORMAT"] = str(logging.get("LogFormat", "Text")).upper()
        if variables["AWS_LAMBDA_LOG_FORMAT"] == "JSON" and "ApplicationLogLevel" in logging:
            variables["AWS_LAMBDA_LOG_LEVEL"] = str(logging["ApplicationLogLevel"])
    return variables


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def bundled_distributions() -> set[str]:
    """Canonical names of what `sam build` installs: functions/requirements.txt and all it requires."""
    lines = (REPO / "functions" / "requirements.txt").read_text("utf-8").splitlines()
    pending = [Requirement(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip()]
    seen: set[tuple[str, frozenset[str]]] = set()
    bundled: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = _canonical(requirement.name)
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        bundled.add(name)
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        for text in distribution.requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            ):
                pending.append(needed)
    return bundled


def _top_level_names(distribution: metadata.Distribution) -> set[str]:
    listed = distribution.read_text("top_level.txt")
    if listed:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    names: set[str] = set()
    for file in distribution.files or []:
        first = file.parts[0] if file.parts else ""
        if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info")):
            continue
        if len(file.parts) > 1:
            names.add(first)
        elif first.endswith((".py", ".so", ".pyd")):
            names.add(first.split(".")[0])
    return names


def not_bundled_names() -> set[str]:
    """Importable top-level names that only distributions outside the bundle provide."""
    bundled = bundled_distributions()
    inside: set[str] = set()
    outside: set[str] = set()
    for distribution in metadata.distributions():
        names = _top_level_names(distribution)
        in_bundle = _canonical(distribution.metadata["Name"] or "") in bundled
        (inside if in_bundle else outside).update(names)
    # Our own code ships in the bundle whatever installed it here (an editable install).
    keep = inside | set(sys.stdlib_module_names) | {"syndicate"}
    return {name for name in outside - keep if not name.startswith("_")}


def handler_environments() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(the floor's environment, each handler module's environment) from template.yaml."""
    template = load_template_file(REPO / "template.yaml")
    hidden = {*variables_to_hide(), "PYTHONDONTWRITEBYTECODE"}  # bytecode read as the floor's is
    base = {name: value for name, value in os.environ.items() if name not in hidden}
    functions = str(REPO / "functions")
    base["PYTHONPATH"] = os.pathsep.join(p for p in (functions, base.get("PYTHONPATH", "")) if p)
    base |= offline_aws_variables(REGION)
    base[NOT_BUNDLED_VARIABLE] = ",".join(sorted(not_bundled_names()))
    shared = (template.get("Globals") or {}).get("Function") or {}
    by_module: dict[str, dict[str, str]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        own = resource.get("Properties") or {}
        # SAM merges Globals into each function: maps key by key, the function's values win.
        properties = shared | own
        for merged in ("Environment", "LoggingConfig"):
            properties[merged] = (shared.get(merged) or {}) | (own.get(merged) or {})
        variables = ((shared.get("Environment") or {}).get("Variables") or {}) | (
            (own.get("Environment") or {}).get("Variables") or {}
        )
        handler = str(properties.get("Handler", ""))
        environment = {name: _fake(value, template) for name, value in variables.items()}
        by_module[handler.rpartition(".")[0]] = (
            base | environment | _lambda_variables(logical_id, handler, properties)
        )
    if set(by_module) != set(HANDLERS):
        raise LookupError(
            f"HANDLERS and template.yaml's functions differ: {sorted(set(by_module) ^ set(HANDLERS))}"
        )
    return base, by_module


def _run_child(target: str, env: Mapping[str, str], extra_flags: Sequence[str] = ()) -> tuple[str, str]:
    completed = subprocess.run(  # our own interpreter and a fixed script
        [sys.executable, *extra_flags, "-c", _CHILD, target],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=REPO,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {target} failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    return completed.stdout, completed.stderr


def _measure(target: str, env: Mapping[str, str]) -> Run:
    stdout, _ = _run_child(target, env)
    cpu, wall = stdout.strip().splitlines()[-1].split()
    return Run(float(cpu), float(wall))


def cold_starts(rounds: int) -> dict[str, Pairs]:
    """Per handler module (and the context row): `rounds` runs, each paired with a run of the floor."""
    floor_env, envs = handler_environments()
    plan = [(THREE_CLIENTS, _CHILD_TARGETS[THREE_CLIENTS], floor_env)]
    plan += [(module, module, envs[module]) for module in HANDLERS]
    floor_runs: dict[str, list[Run]] = defaultdict(list)
    subject_runs: dict[str, list[Run]] = defaultdict(list)
    for round_number in range(rounds + 1):  # round 0 warms the disk cache and writes bytecode
        for name, target, env in plan:
            if round_number % 2:  # the floor first in odd rounds, second in even ones
                floor, subject = _measure("floor", floor_env), _measure(target, env)
            else:
                subject, floor = _measure(target, env), _measure("floor", floor_env)
            if round_number:
                floor_runs[name].append(floor)
                subject_runs[name].append(subject)
    return {name: Pairs(tuple(floor_runs[name]), tuple(subject_runs[name])) for name, _, _ in plan}


@dataclass(frozen=True)
class ImportLine:
    name: str
    depth: int  # nesting as -X importtime indents it: 0 for what the `-c` script imported itself
    self_us: int
    cumulative_us: int


def import_times(module: str) -> list[ImportLine]:
    """`python -X importtime` of one handler module, in its own environment, as parsed lines."""
    _, envs = handler_environments()
    _, stderr = _run_child(module, envs[module], ("-X", "importtime"))
    lines: list[ImportLine] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        name = fields[2].rstrip()
        stripped = name.lstrip(" ")
        lines.append(
            ImportLine(stripped, (len(name) - len(stripped) - 1) // 2, int(fields[0]), int(fields[1].strip()))
        )
    return lines


def top_by_cumulative(lines: Sequence[ImportLine], count: int) -> list[ImportLine]:
    return sorted(lines, key=lambda line: line.cumulative_us, reverse=True)[:count]


def self_time_by_package(lines: Sequence[ImportLine], count: int) -> list[tuple[str, int]]:
    """Own import time summed per top-level package (cumulative times nest, these add up)."""
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        totals[line.name.partition(".")[0]] += line.self_us
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)[:count]


# The handler's own line in -X importtime hides its module-level work (clients, Powertools objects,
# validators). A profile of the import shows it: the calls made directly from a module body.
_PROFILE_CHILD = (
    BUNDLE_ONLY_PREFACE
    + """
import cProfile
profile = cProfile.Profile()
profile.enable()
__import__(sys.argv[1])
profile.disable()
profile.dump_stats(sys.argv[2])
"""
)


@dataclass(frozen=True)
class ModuleScopeCall:
    function: str  # where it is defined: short path, line, name
    called_from: str  # the module whose body made the call
    profiled_seconds: float  # cumulative, under the profiler (which inflates every figure)
    share: float  # of the whole profiled import


def _short(path: str) -> str:
    for marker in ("site-packages/", "functions/", "lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1].removeprefix(".11/")
    return path


def module_scope_calls(module: str, count: int, scratch: Path) -> list[ModuleScopeCall]:
    """Top calls made at module scope while importing `module`, by cumulative profiled time."""
    _, envs = handler_environments()
    out = scratch / "import.prof"
    completed = subprocess.run(  # our own interpreter and a fixed script
        [sys.executable, "-c", _PROFILE_CHILD, module, str(out)],
        capture_output=True,
        text=True,
        env=envs[module],
        cwd=REPO,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"profiling {module} failed:\n{completed.stderr[-2000:]}")
    stats: dict[tuple[str, int, str], Any] = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in stats.values())
    found: list[ModuleScopeCall] = []
    for (path, line, name), (*_, callers) in stats.items():
        if path.startswith(("<frozen", "~")):
            continue  # import machinery and builtins (exec, __import__): the imports themselves
        for (caller_path, _, caller_name), caller_figures in callers.items():
            if caller_name == "<module>" and not caller_path.startswith("<"):
                found.append(
                    ModuleScopeCall(
                        f"{_short(path)}:{line}({name})",
                        _short(caller_path),
                        caller_figures[3],
                        caller_figures[3] / total,
                    )
                )
    return sorted(found, key=lambda call: call.profiled_seconds, reverse=True)[:count]
