"""The embedded runtime (infra/runtime) against a small template of its own, entirely offline.

The handlers live in runtime_fixtures.py beside this file; they record what they were given, so the
tests can check the events Lambda would deliver, retries, partial batch failures and redrives.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from infra.runtime import (
    DrainError,
    EmbeddedStack,
    ScheduleSpec,
    TemplateError,
    UnsupportedTemplateFeature,
    parse_template,
)
from infra.runtime.cfn_yaml import TemplateSyntaxError, load_template_file
from infra.runtime.lambda_runner import DrainProgress, failed_message_ids, sqs_event
from infra.runtime.observe import current_caller, listening

# Imported under whatever name pytest gave this package, so the template's Handler strings match it.
FIXTURES = f"{__name__.rpartition('.')[0]}.runtime_fixtures".lstrip(".")
fixtures: Any = importlib.import_module(FIXTURES)

TEMPLATE = """
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: test, AllowedValues: [test, prod]}
  Greeting: {Type: String}
  Site: {Type: String, Default: "https://jobs.example.com", AllowedPattern: "^https://[^/]+$"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.11
    Timeout: 10
    MemorySize: 256
    LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: WARN}
    Environment:
      Variables:
        KEYS_TABLE: !Ref KeysTable
        WORK_QUEUE_URL: !Ref WorkQueue
        STAGE: !Ref Stage
        INTAKE_BUCKET: !Ref IntakeBucket
        SITE: !Sub "https://${IntakeBucket.RegionalDomainName}/${AWS::Region}"
Resources:
  IntakeBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-intake-${AWS::AccountId}"
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt IngestQueue.Arn
            Filter: {S3Key: {Rules: [{Name: Prefix, Value: incoming/}]}}
  IngestQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      SqsManagedSseEnabled: true
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt IngestDeadLetterQueue.Arn
        maxReceiveCount: 5
  IngestDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties: {MessageRetentionPeriod: 1209600}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 120
      RedrivePolicy: {deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn, maxReceiveCount: 5}
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
  ProdOnlyQueue:
    Type: AWS::SQS::Queue
    Condition: IsProd
  KeysTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: key, AttributeType: S}
        - {AttributeName: sequencer, AttributeType: S}
      KeySchema: [{AttributeName: key, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: BySequencer
          KeySchema: [{AttributeName: sequencer, KeyType: HASH}, {AttributeName: key, KeyType: RANGE}]
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: expires, Enabled: true}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
  IngestFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: FIXTURES.ingest
      Events:
        Upload:
          Type: SQS
          Properties:
            Queue: !GetAtt IngestQueue.Arn
            BatchSize: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
  WorkFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: FIXTURES.work
      Timeout: 20
      Environment:
        Variables:
          MODE: !If [IsProd, strict, relaxed]
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 10
            MaximumBatchingWindowInSeconds: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
  WorkQueueAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      Dimensions: [{Name: QueueName, Value: !GetAtt WorkDeadLetterQueue.QueueName}]
""".replace("FIXTURES", FIXTURES)


def write_template(tmp_path: Path, text: str = TEMPLATE) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fresh_fixtures() -> None:
    fixtures.reset()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[EmbeddedStack]:
    with EmbeddedStack.from_template(write_template(tmp_path), stack_name="rt") as running:
        yield running


def send_work(stack: EmbeddedStack, *bodies: dict[str, Any]) -> None:
    stack.sqs.send_message_batch(
        QueueUrl=stack.queue("WorkQueue").url,
        Entries=[{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(bodies)],
    )


def stored_keys(stack: EmbeddedStack) -> set[str]:
    items = stack.dynamodb.scan(TableName=stack.environment("IngestFunction")["KEYS_TABLE"])["Items"]
    return {item["key"]["S"] for item in items}


def s3_records() -> list[dict[str, Any]]:
    """The S3 records inside the SQS messages `ingest` received (test events left out)."""
    records = []
    for event in fixtures.EVENTS:
        for message in event["Records"]:
            body = json.loads(message["body"])
            records.extend(body.get("Records", []))
    return records


# -- the template ------------------------------------------------------------------------------------


def test_template_resolves_names_globals_conditions_and_event_sources(tmp_path: Path) -> None:
    model = parse_template(write_template(tmp_path), stack_name="rt")
    assert set(model.queues) == {"IngestQueue", "IngestDeadLetterQueue", "WorkQueue", "WorkDeadLetterQueue"}
    assert model.buckets["IntakeBucket"].name == "rt-intake-123456789012"
    notification = model.buckets["IntakeBucket"].notifications[0]
    assert (notification.queue, notification.prefix, notification.events) == (
        "IngestQueue",
        "incoming/",
        ("s3:ObjectCreated:*",),
    )
    work_queue = model.queues["WorkQueue"]
    assert work_queue.url == "https://sqs.us-east-1.amazonaws.com/123456789012/rt-WorkQueue"
    assert work_queue.visibility_timeout == 120
    assert work_queue.redrive is not None
    assert (work_queue.redrive.dead_letter_queue, work_queue.redrive.max_receive_count) == (
        "WorkDeadLetterQueue",
        5,
    )
    assert model.dead_letter_queues == {"IngestDeadLetterQueue", "WorkDeadLetterQueue"}
    table = model.tables["KeysTable"]
    assert (table.hash_key, table.range_key, table.global_indexes) == ("key", None, ("BySequencer",))
    assert (table.ttl_attribute, table.point_in_time_recovery) == ("expires", True)

    work = model.functions["WorkFunction"]
    assert (work.handler, work.timeout, work.memory_size) == (f"{FIXTURES}.work", 20, 256)
    assert model.functions["IngestFunction"].timeout == 10
    assert work.environment == {
        "KEYS_TABLE": "rt-KeysTable",
        "WORK_QUEUE_URL": work_queue.url,
        "STAGE": "test",
        "INTAKE_BUCKET": "rt-intake-123456789012",
        "SITE": "https://rt-intake-123456789012.s3.us-east-1.amazonaws.com/us-east-1",
        "MODE": "relaxed",
    }
    assert "MODE" not in model.functions["IngestFunction"].environment
    (source,) = work.sqs_events
    assert (source.queue, source.batch_size, source.report_batch_item_failures) == ("WorkQueue", 10, True)
    # A schedule is kept, to be run on demand (EmbeddedStack.run_schedule); nothing else is left over.
    assert work.other_event_types == ()
    assert work.schedules == (ScheduleSpec("Nightly", "rate(1 day)"),)


def test_parameters_override_defaults_and_switch_conditions(tmp_path: Path) -> None:
    model = parse_template(write_template(tmp_path), {"Stage": "prod"})
    assert model.functions["WorkFunction"].environment["MODE"] == "strict"
    assert "ProdOnlyQueue" in model.queues
    assert model.buckets["IntakeBucket"].name == "syndicate-intake-123456789012"


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"Stagee": "prod"}, "unknown parameter"),
        ({"Stage": "qa"}, "is not one of"),
        ({"Site": "http://jobs.example.com"}, "must match"),
    ],
)
def test_bad_parameters_are_named(tmp_path: Path, parameters: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template(write_template(tmp_path), parameters)


def test_a_parameter_without_default_is_an_error_only_where_used(tmp_path: Path) -> None:
    text = TEMPLATE.replace("STAGE: !Ref Stage", "STAGE: !Ref Greeting")
    with pytest.raises(TemplateError, match=r"Variables\.STAGE.*Greeting has no Default"):
        parse_template(write_template(tmp_path, text))
    assert parse_template(write_template(tmp_path, text), {"Greeting": "hi"}).environment()["STAGE"] == "hi"


def test_unsupported_intrinsics_fail_with_their_location(tmp_path: Path) -> None:
    text = TEMPLATE.replace("STAGE: !Ref Stage", "STAGE: !ImportValue shared-stage")
    with pytest.raises(
        UnsupportedTemplateFeature, match=r"IngestFunction\.Properties.*STAGE.*Fn::ImportValue"
    ):
        parse_template(write_template(tmp_path, text))


def test_template_syntax_errors_are_reported(tmp_path: Path) -> None:
    with pytest.raises(TemplateSyntaxError, match="duplicate key 'WorkQueue'"):
        parse_template(write_template(tmp_path, TEMPLATE + "  WorkQueue:\n    Type: AWS::SQS::Queue\n"))
    with pytest.raises(TemplateSyntaxError, match="unknown tag !Reff"):
        parse_template(write_template(tmp_path, TEMPLATE.replace("!Ref KeysTable", "!Reff KeysTable")))


# -- the stack -----------------------------------------------------------------------------------------


def test_every_resource_is_created_as_the_template_says(stack: EmbeddedStack) -> None:
    intake = stack.bucket("IntakeBucket").name
    assert stack.s3.get_bucket_versioning(Bucket=intake)["Status"] == "Enabled"
    rules = stack.s3.get_bucket_encryption(Bucket=intake)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert stack.s3.get_public_access_block(Bucket=intake)["PublicAccessBlockConfiguration"][
        "BlockPublicAcls"
    ]
    attributes = stack.sqs.get_queue_attributes(QueueUrl=stack.queue("WorkQueue").url, AttributeNames=["All"])
    policy = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": stack.queue("WorkDeadLetterQueue").arn, "maxReceiveCount": 5}
    assert attributes["Attributes"]["VisibilityTimeout"] == "120"
    table = stack.dynamodb.describe_table(TableName="rt-KeysTable")["Table"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["BySequencer"]
    ttl = stack.dynamodb.describe_time_to_live(TableName="rt-KeysTable")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires")


def test_credentials_are_dummy_inside_and_the_environment_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with EmbeddedStack.from_template(write_template(tmp_path)) as running:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert os.environ["AWS_CONFIG_FILE"] == os.devnull
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert "AWS_PROFILE" not in os.environ
        assert "AWS_ENDPOINT_URL" not in os.environ
        assert "KEYS_TABLE" not in os.environ  # function variables exist only during an invocation
        running.drain()
    assert os.environ["AWS_PROFILE"] == "someone-real"
    assert os.environ["AWS_ENDPOINT_URL"] == "https://example.invalid"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_an_upload_under_the_prefix_reaches_the_handler_as_aws_would_send_it(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    odd_name = tmp_path / "a b+c é.json"
    odd_name.write_bytes(b'{"id": "1"}')
    first = stack.upload(odd_name)
    second = stack.upload_bytes(b"[]", "incoming/sub dir/ü (2).jsonl")
    report = stack.drain()

    assert first == "incoming/a b+c é.json"
    assert stored_keys(stack) == {first, second}
    # moto sends s3:TestEvent when the notification is configured; then one invocation per upload.
    assert report.invocations == {"IngestFunction": 3}
    assert json.loads(fixtures.EVENTS[0]["Records"][0]["body"])["Event"] == "s3:TestEvent"

    record, later = s3_records()
    obj = record["s3"]["object"]
    assert obj["key"] == "incoming/a+b%2Bc+%C3%A9.json" == quote_plus(first, safe="/")
    assert obj["size"] == len(b'{"id": "1"}')
    assert obj["eTag"] == hashlib.md5(b'{"id": "1"}').hexdigest()
    head = stack.s3.head_object(Bucket=stack.bucket("IntakeBucket").name, Key=first)
    assert obj["versionId"] == head["VersionId"]
    assert later["s3"]["object"]["sequencer"] > obj["sequencer"]
    assert len(obj["sequencer"]) == len(later["s3"]["object"]["sequencer"])
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventSource"] == "aws:s3"
    assert record["s3"]["bucket"] == {
        "name": "rt-intake-123456789012",
        "ownerIdentity": record["s3"]["bucket"]["ownerIdentity"],
        "arn": "arn:aws:s3:::rt-intake-123456789012",
    }
    for field in ("userIdentity", "requestParameters", "responseElements", "eventTime", "awsRegion"):
        assert field in record

    message = fixtures.EVENTS[1]["Records"][0]
    assert message["eventSource"] == "aws:sqs"
    assert message["eventSourceARN"] == stack.queue("IngestQueue").arn
    assert message["awsRegion"] == "us-east-1"
    assert message["md5OfBody"] == hashlib.md5(message["body"].encode()).hexdigest()
    assert message["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(message["attributes"])


def test_uploads_outside_the_prefix_are_not_delivered(stack: EmbeddedStack) -> None:
    stack.upload_bytes(b"{}", "reports/incoming/x.json")
    stack.upload_bytes(b"{}", "incoming-not/x.json")
    stack.upload_bytes(b"{}", "Incoming/x.json")
    report = stack.drain()
    assert report.invocations == {"IngestFunction": 1}  # the test event only
    assert s3_records() == []
    assert stored_keys(stack) == set()


def test_handlers_run_with_their_environment_and_a_lambda_context(stack: EmbeddedStack) -> None:
    stack.upload_bytes(b"{}", "incoming/x.json")
    stack.drain()
    seen = fixtures.SNAPSHOTS[-1]
    assert seen["env"] == {
        "KEYS_TABLE": "rt-KeysTable",
        "STAGE": "test",
        "AWS_LAMBDA_FUNCTION_NAME": "rt-IngestFunction",
        "MODE": None,
        "AWS_LAMBDA_LOG_LEVEL": "WARN",
    }
    assert seen["function_name"] == "rt-IngestFunction"
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:rt-IngestFunction"
    assert 0 < seen["remaining_ms"] <= 10_000
    assert len({snapshot["aws_request_id"] for snapshot in fixtures.SNAPSHOTS}) == len(fixtures.SNAPSHOTS)
    assert "KEYS_TABLE" not in os.environ
    assert stack.invoke("WorkFunction", {"Records": []}) == {"batchItemFailures": []}


def test_a_changed_configuration_gets_a_fresh_import_of_the_handler(stack: EmbeddedStack) -> None:
    stack.invoke("WorkFunction", {"Records": []})
    stack.override_environment({"MODE": "fast"})
    stack.invoke("WorkFunction", {"Records": []})
    assert fixtures.MODE_AT_IMPORT == "fast"  # imported again: module scope ran with the new value
    container = fixtures.IMPORT_TOKEN
    stack.invoke("WorkFunction", {"Records": []})
    stack.upload_bytes(b"{}", "incoming/y.json")
    stack.drain()  # another function of the same module, same stack: no second import
    assert fixtures.IMPORT_TOKEN is container


def test_a_partial_batch_failure_retries_only_the_failed_message(stack: EmbeddedStack) -> None:
    send_work(stack, {"id": "a"}, {"id": "flaky", "fail_times": 2}, {"id": "c"})
    report = stack.drain()
    assert fixtures.ATTEMPTS == {"a": 1, "flaky": 3, "c": 1}
    assert report.invocations["WorkFunction"] == 3
    first, second = report.failed_batches
    assert len(first.message_ids) == 3
    assert len(first.failed_ids) == 1
    assert first.failed_ids == second.failed_ids == second.message_ids
    assert first.error is None
    assert stack.dead_letters("WorkQueue") == []
    assert stack.queue_depths()["WorkQueue"] == 0


def test_drain_reports_progress_and_ends_with_every_message_settled(
    stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("infra.runtime.lambda_runner.PROGRESS_INTERVAL_SECONDS", 0.0)  # every round
    stack.drain()  # what the stack's creation queued (S3's test event)
    send_work(stack, *({"id": f"m{n}"} for n in range(9)), {"id": "flaky", "fail_times": 1})
    heard: list[DrainProgress] = []
    stack.drain(on_progress=heard.append)
    assert heard[-1] == DrainProgress(settled=10, waiting=0)
    assert len(heard) > 1 and heard[0].waiting > 0  # the first batch left the flaky one waiting
    assert [p.settled for p in heard] == sorted(p.settled for p in heard)


def test_the_caller_of_aws_calls_is_the_function_running_its_event_source_or_the_runtime(
    stack: EmbeddedStack,
) -> None:
    seen: list[tuple[str, str]] = []

    def record(model: Any, **_: Any) -> None:
        seen.append((current_caller(), model.name))

    stack.sqs.meta.events.register("before-call.sqs", record)
    send_work(stack, {"id": "a"})
    with listening(lambda function: _heard(function, seen)):
        stack.drain()
    assert ("runtime", "SendMessageBatch") in seen
    assert ("WorkFunction event source", "ReceiveMessage") in seen
    assert ("WorkFunction event source", "DeleteMessageBatch") in seen
    assert ("WorkFunction", "invoked") in seen


@contextmanager
def _heard(function: str, seen: list[tuple[str, str]]) -> Iterator[None]:
    seen.append((current_caller(), "invoked"))
    yield


def test_a_poison_message_is_dead_lettered_after_five_receives_while_its_batch_succeeds(
    stack: EmbeddedStack,
) -> None:
    poison = {"id": "poison", "poison": True}
    send_work(stack, {"id": "a"}, poison, {"id": "b"}, {"id": "c"})
    report = stack.drain()
    assert fixtures.ATTEMPTS == {"a": 1, "poison": 5, "b": 1, "c": 1}
    assert report.invocations["WorkFunction"] == 5
    assert report.dead_lettered == {"IngestDeadLetterQueue": 0, "WorkDeadLetterQueue": 1}
    assert [json.loads(body) for body in stack.dead_letters("WorkQueue")] == [poison]
    assert stack.dead_letters("WorkDeadLetterQueue") == stack.dead_letters("WorkQueue")  # peeking keeps them
    depths = stack.queue_depths()
    assert (depths["WorkQueue"], depths["WorkDeadLetterQueue"]) == (0, 1)


def test_a_poison_upload_ends_in_the_ingest_dead_letter_queue(stack: EmbeddedStack) -> None:
    stack.upload_bytes(b"{}", "incoming/poison.json")
    stack.upload_bytes(b"{}", "incoming/fine.json")
    report = stack.drain()
    assert stored_keys(stack) == {"incoming/fine.json"}
    (dead,) = stack.dead_letters("IngestQueue")
    assert json.loads(dead)["Records"][0]["s3"]["object"]["key"] == "incoming/poison.json"
    assert report.dead_lettered["IngestDeadLetterQueue"] == 1


def test_an_exception_fails_the_whole_batch(stack: EmbeddedStack) -> None:
    send_work(stack, {"id": "a"}, {"id": "crash", "crash_times": 1}, {"id": "c"})
    report = stack.drain()
    # The exception stopped the handler before it reached "c"; the whole batch came back regardless.
    assert fixtures.ATTEMPTS == {"a": 2, "crash": 2, "c": 1}
    assert fixtures.RECEIVES == {"a": 2, "crash": 2, "c": 2}
    (failed,) = report.failed_batches
    assert failed.error is not None and "RuntimeError: this batch fails as a whole" in failed.error
    assert len(failed.failed_ids) == 3


def test_a_malformed_partial_batch_response_fails_the_whole_batch(stack: EmbeddedStack) -> None:
    send_work(stack, {"id": "a"}, {"id": "bogus", "bogus_times": 1})
    report = stack.drain()
    assert fixtures.ATTEMPTS == {"a": 2, "bogus": 2}
    (failed,) = report.failed_batches
    assert failed.error is not None and "not a message of this batch" in failed.error


def test_download_prefix_copies_objects_below_the_prefix(stack: EmbeddedStack, tmp_path: Path) -> None:
    stack.upload_bytes(b"one", "reports/incoming/a.json.json")
    stack.upload_bytes(b"two", "reports/b.json")
    stack.upload_bytes(b"feed", "indeed/feed.xml", bucket="IntakeBucket")
    out = tmp_path / "out"
    written = stack.download_prefix("IntakeBucket", "reports/", out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == ["b.json", "incoming/a.json.json"]
    assert (out / "incoming" / "a.json.json").read_bytes() == b"one"
    assert [p.read_bytes() for p in stack.download_prefix("IntakeBucket", "indeed/feed.xml", out)] == [
        b"feed"
    ]
    stack.upload_bytes(b"x", "reports/../escape")
    with pytest.raises(ValueError, match="safely"):
        stack.download_prefix("IntakeBucket", "reports/", out)


NO_DEAD_LETTER_QUEUE = """
Resources:
  LoopQueue:
    Type: AWS::SQS::Queue
  LoopFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: not_written_yet.handler
      Events:
        Loop: {Type: SQS, Properties: {Queue: !GetAtt LoopQueue.Arn}}
"""


def test_drain_is_bounded_and_handlers_are_imported_only_when_invoked(tmp_path: Path) -> None:
    with EmbeddedStack.from_template(write_template(tmp_path, NO_DEAD_LETTER_QUEUE)) as running:
        running.sqs.send_message(QueueUrl=running.queue("LoopQueue").url, MessageBody="{}")
        with pytest.raises(DrainError, match=r"after 3 rounds.*No module named 'not_written_yet'"):
            running.drain(max_rounds=3)


STACK_ID_NAMES = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub
        - data-${AWS::AccountId}-${Suffix}
        - Suffix: !Select [4, !Split ["-", !Select [2, !Split ["/", !Ref AWS::StackId]]]]
"""


def test_names_derived_from_the_stack_id_resolve_as_in_cloudformation(tmp_path: Path) -> None:
    first = parse_template(write_template(tmp_path, STACK_ID_NAMES), stack_name="one").buckets["Bucket"].name
    again = parse_template(write_template(tmp_path, STACK_ID_NAMES), stack_name="one").buckets["Bucket"].name
    other = parse_template(write_template(tmp_path, STACK_ID_NAMES), stack_name="two").buckets["Bucket"].name
    assert first == again != other
    prefix, suffix = first.rsplit("-", 1)
    assert prefix == "data-123456789012"
    assert len(suffix) == 12
    assert suffix == suffix.lower()


REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_the_real_template_builds_every_bucket_queue_and_table() -> None:
    declared = load_template_file(REAL_TEMPLATE).get("Parameters") or {}
    parameters = {name: "https://example.com" for name, spec in declared.items() if "Default" not in spec}
    with EmbeddedStack.from_template(REAL_TEMPLATE, parameters) as running:
        model = running.model
        assert {"IntakeBucket", "FeedBucket", "SiteBucket"} <= set(model.buckets)
        assert {"StateTable", "IdempotencyTable"} <= set(model.tables)
        assert {b["Name"] for b in running.s3.list_buckets()["Buckets"]} == {
            b.name for b in model.buckets.values()
        }
        assert set(running.sqs.list_queues()["QueueUrls"]) == {q.url for q in model.queues.values()}
        assert set(running.dynamodb.list_tables()["TableNames"]) == {t.name for t in model.tables.values()}
        for queue in model.queues.values():
            if queue.logical_id not in model.dead_letter_queues:
                assert queue.redrive is not None
                assert queue.redrive.max_receive_count == 5
        consumed = {source.queue for f in model.functions.values() for source in f.sqs_events}
        assert consumed == set(model.queues) - model.dead_letter_queues


@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        (None, ()),
        ({}, ()),
        ({"batchItemFailures": None}, ()),
        ({"batchItemFailures": []}, ()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m2"}]}, ("m2",)),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, "empty or null"),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, "empty or null"),
        ({"batchItemFailures": [{"messageId": "m1"}]}, "without itemIdentifier"),
        ({"batchItemFailures": [{"itemIdentifier": "m9"}]}, "not a message of this batch"),
        ({"batchItemFailures": "m1"}, "not a list"),
        ("ok", "not a batch response"),
    ],
)
def test_partial_batch_responses_are_read_as_lambda_reads_them(response: Any, verdict: Any) -> None:
    result = failed_message_ids(response, ("m1", "m2"))
    if isinstance(verdict, tuple):
        assert result == verdict
    else:
        assert isinstance(result, str)
        assert verdict in result


def test_sqs_records_carry_message_attributes_in_lambda_form(tmp_path: Path) -> None:
    queue = parse_template(write_template(tmp_path)).queues["WorkQueue"]
    message: Any = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "MD5OfMessageAttributes": "abc",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "MessageAttributes": {
            "channel": {"StringValue": "indeed", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    (record,) = sqs_event([message], queue, "us-east-1")["Records"]
    assert record["messageAttributes"] == {
        "channel": {
            "stringValue": "indeed",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
    }
    assert (record["md5OfMessageAttributes"], record["eventSourceARN"]) == ("abc", queue.arn)
    assert record["attributes"] == {"ApproximateReceiveCount": "1", "SentTimestamp": "1"}


def test_drain_does_not_wait_forever_for_delayed_messages(stack: EmbeddedStack) -> None:
    stack.sqs.send_message(
        QueueUrl=stack.queue("WorkQueue").url, MessageBody='{"id": "later"}', DelaySeconds=60
    )
    with pytest.raises(DrainError, match=r"nothing can receive.*'WorkQueue': 1"):
        stack.drain(max_idle_seconds=0.1)
    assert fixtures.ATTEMPTS == {}
