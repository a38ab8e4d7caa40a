"""Create a StackModel's resources in moto through the ordinary AWS APIs, in CloudFormation's order.

Queues, then tables, then buckets with their notifications, then secrets (generated as
CloudFormation generates them): docs/local-runtime.md, "Creating the resources".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from infra.runtime.specs import BucketSpec, SecretSpec, StackModel, TableSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

# GenerateSecretString properties that are GetRandomPassword parameters of the same name.
_PASSWORD_OPTIONS = (
    "ExcludeCharacters",
    "ExcludeLowercase",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "IncludeSpace",
    "PasswordLength",
    "RequireEachIncludedType",
)


def provision(
    model: StackModel,
    s3: S3Client,
    sqs: SQSClient,
    dynamodb: DynamoDBClient,
    secretsmanager: SecretsManagerClient | None = None,
) -> None:
    _queues(model, sqs)
    for table in model.tables.values():
        _table(table, dynamodb)
    for bucket in model.buckets.values():
        _bucket(bucket, model, s3)
    if model.secrets and secretsmanager is None:
        raise ValueError(f"the template has secrets {sorted(model.secrets)}: pass a Secrets Manager client")
    for secret in model.secrets.values():
        assert secretsmanager is not None
        _secret(secret, secretsmanager)


def _queues(model: StackModel, sqs: SQSClient) -> None:
    for queue in model.queues.values():
        url = sqs.create_queue(QueueName=queue.name, Attributes=queue.attributes)["QueueUrl"]  # type: ignore[arg-type]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if (url, arn) != (queue.url, queue.arn):
            # Environment variables were resolved from the predicted URL/ARN; they must be the real ones.
            raise RuntimeError(
                f"{queue.logical_id}: moto created {url} / {arn}, expected {queue.url} / {queue.arn}"
            )
    for queue in model.queues.values():
        if queue.redrive is not None:
            policy = {
                "deadLetterTargetArn": model.queues[queue.redrive.dead_letter_queue].arn,
                "maxReceiveCount": queue.redrive.max_receive_count,
            }
            sqs.set_queue_attributes(QueueUrl=queue.url, Attributes={"RedrivePolicy": json.dumps(policy)})


def _table(table: TableSpec, dynamodb: DynamoDBClient) -> None:
    dynamodb.create_table(**table.create_args)
    if table.ttl_attribute is not None:
        dynamodb.update_time_to_live(
            TableName=table.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    if table.point_in_time_recovery:
        dynamodb.update_continuous_backups(
            TableName=table.name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


def _bucket(bucket: BucketSpec, model: StackModel, s3: S3Client) -> None:
    if model.region == "us-east-1":
        s3.create_bucket(Bucket=bucket.name)
    else:
        s3.create_bucket(
            Bucket=bucket.name,
            CreateBucketConfiguration={"LocationConstraint": model.region},  # type: ignore[typeddict-item]
        )
    if bucket.versioned:
        s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.encryption is not None:
        s3.put_bucket_encryption(
            Bucket=bucket.name,
            ServerSideEncryptionConfiguration=bucket.encryption,  # type: ignore[arg-type]
        )
    if bucket.public_access_block is not None:
        s3.put_public_access_block(
            Bucket=bucket.name,
            PublicAccessBlockConfiguration=bucket.public_access_block,  # type: ignore[arg-type]
        )
    if bucket.notifications:
        configurations: list[Any] = []
        for notification in bucket.notifications:
            rules = [
                {"Name": name, "Value": value}
                for name, value in (("prefix", notification.prefix), ("suffix", notification.suffix))
                if value
            ]
            configuration: dict[str, Any] = {
                "QueueArn": model.queues[notification.queue].arn,
                "Events": list(notification.events),
            }
            if rules:
                configuration["Filter"] = {"Key": {"FilterRules": rules}}
            configurations.append(configuration)
        s3.put_bucket_notification_configuration(
            Bucket=bucket.name, NotificationConfiguration={"QueueConfigurations": configurations}
        )


def _secret(secret: SecretSpec, secretsmanager: SecretsManagerClient) -> None:
    arguments: dict[str, Any] = {"Name": secret.name}
    if secret.description is not None:
        arguments["Description"] = secret.description
    value = secret.secret_string
    if secret.generate is not None:
        value = _generated_value(secret, secretsmanager)
    if value is not None:
        arguments["SecretString"] = value
    arn = secretsmanager.create_secret(**arguments)["ARN"]
    if not arn.startswith(f"{secret.arn}-"):
        # Functions were given the partial ARN; it must name the secret that was really created.
        raise RuntimeError(f"{secret.logical_id}: moto created {arn}, expected {secret.arn}-<suffix>")


def _generated_value(secret: SecretSpec, secretsmanager: SecretsManagerClient) -> str:
    options = secret.generate or {}
    parameters: dict[str, Any] = {}
    for name in _PASSWORD_OPTIONS:
        if name in options:
            value = options[name]
            if name == "PasswordLength":
                parameters[name] = int(value)
            elif name == "ExcludeCharacters":
                parameters[name] = str(value)
            else:
                parameters[name] = str(value).lower() == "true"
    password = secretsmanager.get_random_password(**parameters)["RandomPassword"]
    template, key = options.get("SecretStringTemplate"), options.get("GenerateStringKey")
    if template is None and key is None:
        return password
    if template is None or key is None:
        raise ValueError(f"{secret.logical_id}: SecretStringTemplate and GenerateStringKey go together")
    document = json.loads(str(template))
    if not isinstance(document, dict):
        raise ValueError(f"{secret.logical_id}: SecretStringTemplate must be a JSON object")
    document[str(key)] = password
    return json.dumps(document)
