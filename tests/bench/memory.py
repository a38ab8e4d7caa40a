"""`make bench-memory`: each function's peak memory at N postings, measured where moto cannot count.

Per size, the stack's AWS side (moto, provisioned from template.yaml, with the channel fakes) runs
in a process of its own and serves HTTP on 127.0.0.1 (tests/bench/aws_process.py). The functions
run in other processes, one per function as Lambda gives each function containers of its own, with
the embedded runtime's invoker and event source mappings (infra/runtime) and its endpoint override
(`AWS_ENDPOINT_URL` among the variables set over every function's own): the product code is the
deployed code. N postings are uploaded; the ingest drains its queue (the notification, then every
byte range), each publisher its own, then the feed builder runs its schedule once (a full build of
N Indeed jobs and the sitemap of N pages; LinkedIn's XML feed in `--linkedin-delivery feed` runs).

Per invocation, in the function's process: the heap peak (tracemalloc, every allocation the
invocation made, at its highest), the resident set's peak growth (VmHWM reset before the
invocation, less VmRSS then), and the process's own peak (VmHWM, imports included: what Lambda's
"Max Memory Used" reports). Target: each function's largest heap peak at the largest size within
1.3x of that at the smallest (growth under 1 MiB counts as 1 MiB). A missed target is reported,
not an error; the exit status is 1 only when a run failed.

    python -m tests.bench.memory --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.postings import REPO

MAX_RATIO = 1.3
FLOOR_BYTES = 1024 * 1024
# The functions measured, in the order their work arrives: the ingest queues each channel's
# messages, the publishers store entries, the builder assembles the documents from them.
DRAINED = (
    "IngestFunction",
    "IndeedPublisherFunction",
    "SchemaOrgPublisherFunction",
    "LinkedInPublisherFunction",
)
SCHEDULED = ("FeedBuilderFunction",)
# Traced: the first invocations of a function (an upload's every range at 10,000 postings), then
# one in TRACE_EVERY; tracemalloc slows an invocation, and the publishers run thousands.
TRACE_FIRST = 16
TRACE_EVERY = 8
UPLOAD_KEY = "incoming/postings.jsonl"
KIB = 1024


# -- one function, in its own process --------------------------------------------------------------


def _status_kib(name: str) -> int | None:
    """A `VmRSS`/`VmHWM` figure of this process in KiB (Linux), None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{name}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Set VmHWM to the current resident set (Linux 4.0+: "5" to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


@dataclass
class FunctionMemory:
    """What one function's invocations used, in its own process."""

    invocations: int = 0
    traced: int = 0
    heap_peak: int = 0  # bytes: the largest tracemalloc peak of one traced invocation
    heap_peaks: list[int] = field(default_factory=list)  # bytes: each traced invocation's, in order
    rss_growth: int | None = None  # bytes: the largest VmHWM - VmRSS over one invocation
    process_peak: int | None = None  # bytes: the process's VmHWM (imports included)
    cpu_seconds: float = 0.0
    results: list[Any] = field(default_factory=list)  # the scheduled runs' answers

    def invocation(self, _function: str) -> Any:
        return self._measured()

    def _observe_process_peak(self) -> None:
        peak = _status_kib("VmHWM")
        if peak is not None:
            self.process_peak = max(self.process_peak or 0, peak * KIB)

    @contextmanager
    def _measured(self) -> Iterator[None]:
        traced = self.invocations < TRACE_FIRST or self.invocations % TRACE_EVERY == 0
        self._observe_process_peak()  # before a reset forgets it (the import's peak, the first time)
        resident = _status_kib("VmRSS") if _reset_peak_rss() else None
        if traced:
            tracemalloc.start(1)
        cpu = time.process_time()
        try:
            yield
        finally:
            self.cpu_seconds += time.process_time() - cpu
            if traced:
                self.heap_peaks.append(tracemalloc.get_traced_memory()[1])
                self.heap_peak = max(self.heap_peak, self.heap_peaks[-1])
                tracemalloc.stop()
                self.traced += 1
            peak = _status_kib("VmHWM")
            if resident is not None and peak is not None:
                self.rss_growth = max(self.rss_growth or 0, (peak - resident) * KIB)
            self._observe_process_peak()
            self.invocations += 1


def run_function(logical_id: str, served: Served) -> FunctionMemory:
    """Deliver the function's queued work (or run its schedule once) as the embedded runtime does,
    its AWS clients pointed at the served stack, measuring each invocation."""
    from infra.runtime.aws_env import offline_aws_variables, patched_environ, variables_to_hide
    from infra.runtime.lambda_runner import FunctionInvoker, drain
    from infra.runtime.observe import listening
    from infra.runtime.stack import scheduled_event

    model = served.model()
    function = model.functions[logical_id]
    # This function and its queues only: the others' messages wait for their own process.
    queues = {source.queue for source in function.sqs_events}
    queues |= {redrive.dead_letter_queue for q in queues if (redrive := model.queues[q].redrive)}
    alone = dataclasses.replace(
        model,
        functions={logical_id: function},
        queues={name: spec for name, spec in model.queues.items() if name in queues},
        # The runtime's override of the variables a deployment never sets: here the AWS endpoint.
        environment_overrides={**served.environment, "AWS_ENDPOINT_URL": served.endpoint},
    )
    if function.code_uri is not None and str(function.code_uri) not in sys.path:
        sys.path.insert(0, str(function.code_uri))  # as Lambda (and EmbeddedStack) put the bundle first
    memory = FunctionMemory()
    with (
        patched_environ(offline_aws_variables(model.region), variables_to_hide()),
        listening(memory.invocation),
    ):
        invoker = FunctionInvoker(alone)
        if function.sqs_events:
            report = drain(alone, served.client("sqs"), invoker, max_idle_seconds=120.0)
            if report.failed_batches or any(report.dead_lettered.values()):
                failures = f"{report.failed_batches[:3]}, dead-lettered {report.dead_lettered}"
                raise RuntimeError(f"{logical_id}: batches failed: {failures}")
        else:
            memory.results.append(invoker.invoke(function, scheduled_event(alone, function)))
    return memory


# -- one size: the AWS process, the upload, a process per function ---------------------------------


def stack_parameters(linkedin_delivery: str) -> dict[str, str]:
    """The template parameters `syndicate run` passes by default (LinkedIn delivery chosen)."""
    from syndicate.cli.main import build_parser
    from syndicate.cli.run import stack_parameters as run_parameters

    defaults = build_parser().parse_args(["run", "--linkedin-delivery", linkedin_delivery, "postings.jsonl"])
    return run_parameters(defaults)


@dataclass
class Served:
    """The stack's AWS side as the benchmark sees it: its endpoint, and what the functions get."""

    endpoint: str
    environment: dict[str, str]
    parameters: dict[str, str]

    def client(self, service: str) -> Any:
        import boto3
        from infra.runtime.aws_env import offline_aws_variables

        credentials = offline_aws_variables(self.model().region)
        create: Any = boto3.client  # any service, by name
        return create(
            service,
            region_name=self.model().region,
            endpoint_url=self.endpoint,
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        )

    def model(self) -> Any:
        from infra.runtime import parse_template

        return parse_template(REPO / "template.yaml", self.parameters)


@contextmanager
def aws_process(parameters: dict[str, str], work: Path) -> Iterator[Served]:
    """The stack's AWS side served on 127.0.0.1 (tests/bench/aws_process.py) while the block runs."""
    with (work / "aws.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.aws_process", json.dumps(parameters), str(work / "channels")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert process.stdout is not None and process.stdin is not None
        try:
            line = process.stdout.readline()
            if not line:
                tail = (work / "aws.log").read_text("utf-8", "replace")[-2000:]
                raise RuntimeError(f"the AWS process ended: {tail}")
            announced = json.loads(line)
            yield Served(announced["endpoint"], announced["environment"], parameters)
        finally:
            process.stdin.close()  # the process serves until its standard input closes
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def upload(served: Served, postings: Path) -> None:
    (bucket,) = [b for b in served.model().buckets.values() if b.notifications]
    with postings.open("rb") as body:
        served.client("s3").put_object(Bucket=bucket.name, Key=UPLOAD_KEY, Body=body)


def document_sizes(served: Served) -> dict[str, int]:
    """Bytes of each shared document the builder wrote (what shows it built N jobs)."""
    s3, model = served.client("s3"), served.model()
    sizes: dict[str, int] = {}
    for bucket in ("FeedBucket", "SiteBucket"):
        for prefix in ("indeed/", "linkedin/", "sitemap.xml"):
            pages = s3.get_paginator("list_objects_v2").paginate(
                Bucket=model.buckets[bucket].name, Prefix=prefix
            )
            for page in pages:
                sizes.update((item["Key"], item["Size"]) for item in page.get("Contents", []))
    return sizes


def built_entries(served: Served) -> list[dict[str, Any]]:
    """Every entry of the documents the builder builds (Indeed feed, LinkedIn XML feed, sitemap)."""
    from syndicate.adapters.feed_store import INDEED_FEED, LINKEDIN_FEED, SITEMAP

    entries: list[dict[str, Any]] = []
    pages = served.client("dynamodb").get_paginator("scan").paginate(TableName=_feed_table(served))
    for page in pages:
        for item in page.get("Items", []):
            document, _, shard = item["pk"]["S"].partition("#")
            if document in (INDEED_FEED, LINKEDIN_FEED, SITEMAP) and shard.isdigit():
                entries.append(item)
    return entries


def seed_clones(served: Served, originals: list[dict[str, Any]], copies: range) -> None:
    """Copy each of `originals` (entries of the feed table) once per number in `copies`, each under
    a new posting id (its shard follows the id, the id inside the rendered jobs too), and mark every
    shard of their documents dirty: a feed table of more open jobs, made of the run's real rendered
    entries, for a full build."""
    clones = (_clone(item, f"{item['sk']['S']}-C{number:04d}") for number in copies for item in originals)
    _put_all(served, clones)
    _mark_dirty(served, originals)


def seed_dense_shard(served: Served, originals: list[dict[str, Any]], entries: int, shard: int = 0) -> None:
    """Add `entries` copies of each document's entries to one shard (ids chosen to hash there), and
    mark every shard dirty: that shard then holds what each shard holds at about
    `entries` x 1,024 open jobs, the only part of a build that grows with the open jobs."""
    from syndicate.adapters.feed_store import shard_of

    def ids_in_shard(old: str, number: int) -> str:
        salt = 0
        while shard_of(new := f"{old}-D{number}-{salt}") != shard:
            salt += 1
        return new

    by_document: dict[str, list[dict[str, Any]]] = {}
    for item in originals:
        by_document.setdefault(item["pk"]["S"].partition("#")[0], []).append(item)
    _put_all(
        served,
        (
            _clone(items[number % len(items)], ids_in_shard(items[number % len(items)]["sk"]["S"], number))
            for items in by_document.values()
            for number in range(entries)
        ),
    )
    _mark_dirty(served, originals)


def _put_all(served: Served, items: Iterator[dict[str, Any]]) -> None:
    dynamodb, table = served.client("dynamodb"), _feed_table(served)
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:  # BatchWriteItem's limit
            _write_all(dynamodb, table, batch)
            batch = []
    if batch:
        _write_all(dynamodb, table, batch)


def _mark_dirty(served: Served, entries: list[dict[str, Any]]) -> None:
    """Every shard of the entries' documents dirty, as a publisher's change marks one."""
    from syndicate.adapters.feed_store import SHARDS, shard_name

    dynamodb, table = served.client("dynamodb"), _feed_table(served)
    for document in sorted({item["pk"]["S"].partition("#")[0] for item in entries}):
        for shard in range(SHARDS):
            dynamodb.update_item(
                TableName=table,
                Key={"pk": {"S": f"{document}#shards"}, "sk": {"S": shard_name(shard)}},
                UpdateExpression="ADD version :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )


def _feed_table(served: Served) -> str:
    name: str = served.model().tables["FeedTable"].name
    return name


def _clone(item: dict[str, Any], new: str) -> dict[str, Any]:
    """The entry under posting id `new`: its shard follows the id, and so does the id inside it."""
    from syndicate.adapters.feed_store import shard_name, shard_of

    document = item["pk"]["S"].partition("#")[0]
    old = item["sk"]["S"]
    clone = {**item, "sk": {"S": new}, "pk": {"S": f"{document}#{shard_name(shard_of(new))}"}}
    if "payload" in item:
        text = zlib.decompress(bytes(item["payload"]["B"])).decode("utf-8")
        clone["payload"] = {"B": zlib.compress(text.replace(old, new).encode("utf-8"))}
    return clone


def _write_all(dynamodb: Any, table: str, requests: list[dict[str, Any]]) -> None:
    pending = {table: requests}
    while pending:
        pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def measure_size(
    size: int,
    linkedin_delivery: str,
    builder_sizes: tuple[int, ...] = (),
    dense_shard: int = 0,
    functions: tuple[str, ...] = (*DRAINED, *SCHEDULED),
) -> list[dict[str, Any]]:
    """The pipeline at `size` postings, each function measured; then the builder alone at each of
    `builder_sizes` open jobs, the feed table seeded with copies of this run's entries, and with one
    shard of `dense_shard` entries more (`seed_dense_shard`)."""
    from tests.bench.load import write_postings

    parameters = stack_parameters(linkedin_delivery)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=f"bench-memory-{size}-") as folder:
        work = Path(folder)
        postings = work / "postings.jsonl"
        write_postings(postings, size)
        measured_functions: dict[str, Any] = {}
        started = time.perf_counter()
        with aws_process(parameters, work) as served:
            upload(served, postings)
            for logical_id in (f for f in (*DRAINED, *SCHEDULED) if f in functions):
                _progress(f"{size:,} postings: {logical_id}...")
                measured = _function_process(logical_id, served, work)
                if "error" in measured:
                    return [{"size": size, "exit": 1, "error": f"{logical_id}: {measured['error']}"}]
                measured_functions[logical_id] = measured
            results.append(
                {
                    "size": size,
                    "exit": 0,
                    "wall_seconds": time.perf_counter() - started,
                    "functions": measured_functions,
                    "documents": document_sizes(served),
                }
            )
            if SCHEDULED[0] not in functions:
                return results
            originals, copied = built_entries(served) if builder_sizes or dense_shard else [], 1
            for builder_size in (b for b in builder_sizes if b > size):
                started = time.perf_counter()
                _progress(f"{builder_size:,} open jobs (seeded): FeedBuilderFunction...")
                seed_clones(served, originals, range(copied, builder_size // size))
                copied = builder_size // size
                measured = _function_process("FeedBuilderFunction", served, work)
                if "error" in measured:
                    return [*results, {"size": builder_size, "exit": 1, "error": measured["error"]}]
                results.append(
                    {
                        "size": copied * size,
                        "exit": 0,
                        "seeded_from": size,
                        "wall_seconds": time.perf_counter() - started,
                        "functions": {"FeedBuilderFunction": measured},
                        "documents": document_sizes(served),
                    }
                )
            if dense_shard:
                started = time.perf_counter()
                _progress(
                    f"{copied * size:,} open jobs and a shard of {dense_shard:,} more: FeedBuilderFunction..."
                )
                seed_dense_shard(served, originals, dense_shard)
                measured = _function_process("FeedBuilderFunction", served, work)
                if "error" in measured:
                    return [*results, {"size": copied * size, "exit": 1, "error": measured["error"]}]
                results.append(
                    {
                        "size": copied * size + dense_shard,
                        "exit": 0,
                        "seeded_from": size,
                        "dense_shard": dense_shard,
                        "wall_seconds": time.perf_counter() - started,
                        "functions": {"FeedBuilderFunction": measured},
                        "documents": document_sizes(served),
                    }
                )
    return results


def _function_process(logical_id: str, served: Served, work: Path) -> dict[str, Any]:
    result = work / f"{logical_id}.json"
    command = [sys.executable, "-m", "tests.bench.memory", "--function", logical_id]
    command += ["--served", json.dumps(dataclasses.asdict(served)), "--result", str(result)]
    with (work / f"{logical_id}.log").open("wb") as log:
        finished = subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, check=False)
    if finished.returncode != 0 or not result.is_file():
        return {"error": (work / f"{logical_id}.log").read_text("utf-8", "replace")[-3000:]}
    measured: dict[str, Any] = json.loads(result.read_text("utf-8"))
    result.unlink()
    return measured


def _progress(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


# -- report ----------------------------------------------------------------------------------------


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f}"


def _label(result: dict[str, Any]) -> str:
    if "dense_shard" in result:
        return f"{result['size']:,} (seeded, a shard of {result['dense_shard']:,})"
    return f"{result['size']:,}" + (" (seeded)" if "seeded_from" in result else "")


def report(results: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    """Print each function's figures per size, and the verdicts; returns the verdicts."""
    results = sorted(results, key=lambda r: r["size"])
    header = ("function", *(_label(r) for r in results))
    rows = []
    for logical_id in (f for f in (*DRAINED, *SCHEDULED) if any(f in r["functions"] for r in results)):
        cells = []
        for result in results:
            m = result["functions"].get(logical_id)
            cells.append(
                "-"
                if m is None
                else f"{_mib(m['heap_peak'])} / {_mib(m['rss_growth'])} / {_mib(m['process_peak'])}"
                f" ({m['invocations']:,}, {m['traced']:,} traced)"
            )
        rows.append((logical_id, *cells))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(
        "\nPeak memory per function in MiB: heap (tracemalloc peak of one invocation) / RSS growth (VmHWM"
        "\nless VmRSS over one invocation) / process (VmHWM, imports included); (invocations, traced)"
    )
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for result in results:
        documents = ", ".join(
            f"{key} {size / 2**20:.1f} MiB" for key, size in sorted(result["documents"].items())
        )
        print(f"  {_label(result)} ({result['wall_seconds'] / 60:.1f} min): {documents}")
    verdicts: list[tuple[str, float, float]] = []
    for logical_id in (*DRAINED, *SCHEDULED):
        measured = [r for r in results if logical_id in r["functions"]]
        plain = [r for r in measured if "dense_shard" not in r]
        # The largest size against the smallest; a dense shard against the smallest on its own line.
        pairs = [(plain[0], r) for r in [*plain[1:][-1:], *(r for r in measured if "dense_shard" in r)]]
        for small, large in pairs if plain else []:
            peaks = [max(r["functions"][logical_id]["heap_peak"], FLOOR_BYTES) for r in (small, large)]
            name = f"heap peak of {logical_id}, {_label(large)} / {small['size']:,}"
            verdicts.append((name, peaks[1] / peaks[0], MAX_RATIO))
    if verdicts:
        print("\nVerdicts (ratios; a target is met when the ratio is at most its limit)")
    for name, ratio, limit in verdicts:
        print(f"  {name:<90} {ratio:6.2f}  (limit {limit:.1f})  {'met' if ratio <= limit else 'MISSED'}")
    return verdicts


# -- entry point -----------------------------------------------------------------------------------


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s.strip())


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default="1000,10000", help="postings per run (%(default)s)")
    parser.add_argument(
        "--builder-sizes",
        type=_sizes,
        default="",
        help="open jobs for the builder alone, its table seeded from the smallest run (none)",
    )
    parser.add_argument(
        "--dense-shard",
        type=int,
        default=0,
        help="then one shard of this many more entries a document, as 1,024 times as many open jobs give (0)",
    )
    parser.add_argument(
        "--functions",
        type=lambda text: tuple(f for f in text.split(",") if f),
        default=(*DRAINED, *SCHEDULED),
        help="measure only these (each needs the ones before it in %(default)s)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="sizes run side by side (%(default)s)")
    parser.add_argument("--linkedin-delivery", choices=("api", "feed"), default="api")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "memory.json")
    parser.add_argument("--function", help=argparse.SUPPRESS)
    parser.add_argument("--served", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    if arguments.function:
        served = Served(**json.loads(arguments.served))
        measured = run_function(arguments.function, served)
        arguments.result.write_text(json.dumps(dataclasses.asdict(measured), default=str), "utf-8")
        return 0
    sizes = sorted(arguments.sizes)
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        runs = pool.map(
            lambda size: measure_size(
                size,
                arguments.linkedin_delivery,
                arguments.builder_sizes if size == sizes[0] else (),
                arguments.dense_shard if size == sizes[0] else 0,
                arguments.functions,
            ),
            sizes,
        )
        results = [result for run in runs for result in run]
    failed = [r for r in results if r.get("exit")]
    for result in failed:
        print(f"the run of {result['size']:,} failed:\n{result.get('error', '')}", file=sys.stderr)
    results = [r for r in results if not r.get("exit")]
    if not results:
        return 1
    verdicts = report(results)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    document = {"measured_at": datetime.now(UTC).isoformat(), "results": results, "verdicts": verdicts}
    arguments.out.write_text(json.dumps(document, indent=1), "utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
