"""Turn template.yaml into a StackModel: every bucket, queue, table and function the runtime builds.

Names, Globals, secrets, routes and schedules are read the way CloudFormation and SAM read them;
the rules and their sources: docs/local-runtime.md, "Reading the template".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.runtime.cfn_yaml import load_template_file
from infra.runtime.intrinsics import Resolver, TemplateError, UnsupportedTemplateFeature
from infra.runtime.parameters import Unusable, parameter_values
from infra.runtime.specs import (
    ApiRoute,
    ApiSpec,
    BucketSpec,
    FunctionSpec,
    QueueNotification,
    QueueSpec,
    Redrive,
    ScheduleSpec,
    SecretSpec,
    SqsEventSource,
    StackModel,
    TableSpec,
)

BUCKET = "AWS::S3::Bucket"
QUEUE = "AWS::SQS::Queue"
TABLE = "AWS::DynamoDB::Table"
SECRET = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type
SERVERLESS_API = "AWS::Serverless::Api"
IMPLICIT_API = "ServerlessRestApi"  # the API SAM creates for Api events that name no RestApiId
FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
DISTRIBUTION = "AWS::CloudFront::Distribution"
# The function Metadata that asks the embedded runtime to run its schedule whenever the queues drain.
RUN_WHEN_DRAINED = ("EmbeddedRuntime", "RunWhenDrained")

DEFAULT_STACK_NAME = "syndicate"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account

# SAM/Lambda defaults when neither the function nor Globals say otherwise.
_DEFAULT_TIMEOUT = 3
_DEFAULT_MEMORY = 128
_DEFAULT_SQS_BATCH_SIZE = 10
_DEFAULT_VISIBILITY_TIMEOUT = 30

# CloudFormation AWS::SQS::Queue properties that are CreateQueue attributes of the same name.
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)
_GSI_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")


def parse_template(
    path: Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> StackModel:
    """Read and resolve a SAM template; raises TemplateError with the offending location."""
    template = load_template_file(path)
    return _Builder(
        template, path, dict(parameters or {}), stack_name=stack_name, region=region, account_id=account_id
    ).build()


class _Builder:
    def __init__(
        self,
        template: dict[str, Any],
        path: Path | None,
        overrides: dict[str, Any],
        *,
        stack_name: str,
        region: str,
        account_id: str,
    ) -> None:
        resources = template.get("Resources")
        if not isinstance(resources, dict) or not resources:
            raise TemplateError(f"{path}: the template has no Resources")
        self._resources: dict[str, dict[str, Any]] = resources
        self._path = path
        self._stack = stack_name
        self._region = region
        self._account = account_id
        self._parameters = parameter_values(template.get("Parameters") or {}, overrides)
        self._globals = ((template.get("Globals") or {}).get("Function")) or {}
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()
        pseudo = {
            "AWS::AccountId": account_id,
            "AWS::Region": region,
            "AWS::StackName": stack_name,
            # Same shape as CloudFormation's (".../stack/<name>/<uuid>"), stable per stack name.
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/"
            f"{uuid.uuid5(uuid.NAMESPACE_URL, f'embedded:{account_id}:{region}:{stack_name}')}",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self._resolver = Resolver(
            parameters={k: v for k, v in self._parameters.items() if not isinstance(v, Unusable)},
            pseudo_parameters=pseudo,
            conditions=template.get("Conditions") or {},
            mappings=template.get("Mappings") or {},
            ref_resource=self._ref,
            get_att=self._get_att,
        )
        self._logical_by_arn: dict[str, str] = {}

    # -- entry point ----------------------------------------------------------------------------

    def build(self) -> StackModel:
        active = {
            logical: resource
            for logical, resource in self._resources.items()
            if self._is_active(logical, resource)
        }
        self._resources = active
        for logical, resource in active.items():
            if resource.get("Type") in (BUCKET, QUEUE, TABLE, *FUNCTION_TYPES):
                self._logical_by_arn[self._arn(logical)] = logical
        queues = {id_: self._queue(id_) for id_, r in active.items() if r.get("Type") == QUEUE}
        model = StackModel(
            stack_name=self._stack,
            region=self._region,
            account_id=self._account,
            template_path=self._path,
            parameters={k: v for k, v in self._parameters.items() if not isinstance(v, Unusable)},
            queues=queues,
            buckets={id_: self._bucket(id_) for id_, r in active.items() if r.get("Type") == BUCKET},
            tables={id_: self._table(id_) for id_, r in active.items() if r.get("Type") == TABLE},
            functions={
                id_: self._function(id_, queues)
                for id_, r in active.items()
                if r.get("Type") in FUNCTION_TYPES
            },
            secrets={id_: self._secret(id_) for id_, r in active.items() if r.get("Type") == SECRET},
            apis={id_: self._api(id_) for id_, r in active.items() if r.get("Type") == SERVERLESS_API},
        )
        return model

    def _is_active(self, logical: str, resource: Any) -> bool:
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"Resources.{logical}: a resource needs a Type")
        condition = resource.get("Condition")
        return condition is None or self._resolver.condition(condition, f"Resources.{logical}.Condition")

    # -- names, Ref and GetAtt --------------------------------------------------------------------

    def _type(self, logical: str, where: str) -> str:
        resource = self._resources.get(logical)
        if resource is None:
            raise TemplateError(f"{where}: no resource named {logical!r} (or its Condition is false)")
        return str(resource["Type"])

    def _props(self, logical: str) -> dict[str, Any]:
        properties = self._resources[logical].get("Properties") or {}
        if not isinstance(properties, dict):
            raise TemplateError(f"Resources.{logical}.Properties: must be a mapping")
        return properties

    def _name(self, logical: str, where: str) -> str:
        if logical in self._names:
            return self._names[logical]
        if logical in self._naming:
            raise TemplateError(f"{where}: the name of {logical} depends on itself")
        self._naming.add(logical)
        try:
            name = self._physical_name(logical, where)
        finally:
            self._naming.discard(logical)
        self._names[logical] = name
        return name

    def _physical_name(self, logical: str, where: str) -> str:
        kind = self._type(logical, where)
        explicit_property = {
            BUCKET: "BucketName",
            QUEUE: "QueueName",
            TABLE: "TableName",
            SECRET: "Name",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
        }.get(kind)
        if explicit_property is None:
            raise UnsupportedTemplateFeature(
                f"{where}: cannot name {logical} ({kind}) in the embedded runtime"
            )
        explicit = self._props(logical).get(explicit_property)
        if explicit is not None:
            return self._text(explicit, f"Resources.{logical}.Properties.{explicit_property}")
        if kind == BUCKET:
            return f"{self._stack}-{logical}".lower()[:63]
        if kind == QUEUE and self._flag(self._props(logical).get("FifoQueue"), logical):
            return f"{self._stack}-{logical}"[:75] + ".fifo"
        return f"{self._stack}-{logical}"[:64]

    def _arn(self, logical: str) -> str:
        where = f"Resources.{logical}"
        kind, name = self._type(logical, where), self._name(logical, where)
        if kind == BUCKET:
            return f"arn:aws:s3:::{name}"
        if kind == QUEUE:
            return f"arn:aws:sqs:{self._region}:{self._account}:{name}"
        if kind == TABLE:
            return f"arn:aws:dynamodb:{self._region}:{self._account}:table/{name}"
        if kind == SECRET:
            return f"arn:aws:secretsmanager:{self._region}:{self._account}:secret:{name}"
        return f"arn:aws:lambda:{self._region}:{self._account}:function:{name}"

    def _queue_url(self, name: str) -> str:
        return f"https://sqs.{self._region}.amazonaws.com/{self._account}/{name}"

    def _ref(self, logical: str, where: str) -> str:
        unusable = self._parameters.get(logical)
        if isinstance(unusable, Unusable):
            raise TemplateError(f"{where}: parameter {logical} {unusable.reason}")
        if self._type(logical, where) == DISTRIBUTION:
            return self._distribution_id(logical)
        kind, name = self._type(logical, where), self._name(logical, where)
        if kind == SECRET:
            return self._arn(logical)
        return self._queue_url(name) if kind == QUEUE else name

    def _distribution_id(self, logical: str) -> str:
        """CloudFront's id shape (E + 13 upper-case letters and digits), stable per stack."""
        digest = uuid.uuid5(uuid.NAMESPACE_URL, f"embedded:{self._stack}:{logical}").hex.upper()
        return f"E{digest[:13]}"

    def _get_att(self, logical: str, attribute: str, where: str) -> str:
        if self._type(logical, where) == DISTRIBUTION and attribute in ("DomainName", "Id"):
            # Not created here (nothing serves it locally); its name still resolves, like a real one.
            distribution_id = self._distribution_id(logical)
            return (
                f"d{distribution_id[1:].lower()}.cloudfront.net"
                if attribute == "DomainName"
                else distribution_id
            )
        kind, name = self._type(logical, where), self._name(logical, where)
        if attribute == "Arn":
            return self._arn(logical)
        region = self._region
        attributes: dict[str, dict[str, str]] = {
            BUCKET: {
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
                "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
            },
            QUEUE: {"QueueName": name, "QueueUrl": self._queue_url(name)},
        }
        value = attributes.get(kind, {}).get(attribute)
        if value is None:
            raise UnsupportedTemplateFeature(
                f"{where}: GetAtt {logical}.{attribute} ({kind}) is not supported"
            )
        return value

    # -- value helpers ----------------------------------------------------------------------------

    def _resolve(self, value: Any, where: str) -> Any:
        return self._resolver.resolve(value, where)

    def _text(self, value: Any, where: str) -> str:
        resolved = self._resolve(value, where)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if not isinstance(resolved, str | int | float):
            raise TemplateError(f"{where}: expected a string, got {resolved!r}")
        return str(resolved)

    def _int(self, value: Any, where: str) -> int:
        text = self._text(value, where)
        try:
            return int(text)
        except ValueError as error:
            raise TemplateError(f"{where}: expected a whole number, got {text!r}") from error

    def _flag(self, value: Any, where: str) -> bool:
        if value is None:
            return False
        text = self._text(value, where).lower()
        if text not in ("true", "false"):
            raise TemplateError(f"{where}: expected true or false, got {text!r}")
        return text == "true"

    def _logical_of_arn(self, arn: Any, expected_type: str, where: str) -> str:
        logical = self._logical_by_arn.get(str(arn))
        if logical is None or self._resources[logical]["Type"] != expected_type:
            raise TemplateError(f"{where}: {arn!r} is not the ARN of a {expected_type} in this template")
        return logical

    # -- queues -------------------------------------------------------------------------------------

    def _queue(self, logical: str) -> QueueSpec:
        where = f"Resources.{logical}.Properties"
        props = self._props(logical)
        attributes = {
            key: self._text(props[key], f"{where}.{key}") for key in _QUEUE_ATTRIBUTES if key in props
        }
        attributes = {k: v.lower() if v in ("True", "False") else v for k, v in attributes.items()}
        if "RedriveAllowPolicy" in props:
            allow = self._resolve(props["RedriveAllowPolicy"], f"{where}.RedriveAllowPolicy")
            attributes["RedriveAllowPolicy"] = allow if isinstance(allow, str) else json.dumps(allow)
        name = self._name(logical, where)
        return QueueSpec(
            logical_id=logical,
            name=name,
            url=self._queue_url(name),
            arn=self._arn(logical),
            visibility_timeout=int(attributes.get("VisibilityTimeout", _DEFAULT_VISIBILITY_TIMEOUT)),
            attributes=attributes,
            redrive=self._redrive(props.get("RedrivePolicy"), f"{where}.RedrivePolicy"),
        )

    def _redrive(self, policy: Any, where: str) -> Redrive | None:
        if policy is None:
            return None
        resolved = self._resolve(policy, where)
        if isinstance(resolved, str):
            resolved = json.loads(resolved)
        if not isinstance(resolved, dict) or "deadLetterTargetArn" not in resolved:
            raise TemplateError(f"{where}: needs deadLetterTargetArn and maxReceiveCount")
        return Redrive(
            dead_letter_queue=self._logical_of_arn(resolved["deadLetterTargetArn"], QUEUE, where),
            max_receive_count=self._int(resolved.get("maxReceiveCount"), f"{where}.maxReceiveCount"),
        )

    # -- buckets ------------------------------------------------------------------------------------

    def _bucket(self, logical: str) -> BucketSpec:
        where = f"Resources.{logical}.Properties"
        props = self._props(logical)
        versioning = self._resolve(
            props.get("VersioningConfiguration") or {}, f"{where}.VersioningConfiguration"
        )
        encryption = self._resolve(props.get("BucketEncryption"), f"{where}.BucketEncryption")
        access_block = self._resolve(
            props.get("PublicAccessBlockConfiguration"), f"{where}.PublicAccessBlockConfiguration"
        )
        return BucketSpec(
            logical_id=logical,
            name=self._name(logical, where),
            arn=self._arn(logical),
            versioned=versioning.get("Status") == "Enabled",
            encryption=_encryption(encryption),
            public_access_block={k: self._flag(v, where) for k, v in access_block.items()}
            if isinstance(access_block, dict)
            else None,
            notifications=self._notifications(props.get("NotificationConfiguration"), where),
        )

    def _notifications(self, configuration: Any, where: str) -> tuple[QueueNotification, ...]:
        if configuration is None:
            return ()
        where = f"{where}.NotificationConfiguration"
        resolved = self._resolve(configuration, where)
        for unsupported in ("LambdaConfigurations", "TopicConfigurations", "EventBridgeConfiguration"):
            if resolved.get(unsupported):
                raise UnsupportedTemplateFeature(
                    f"{where}.{unsupported}: the embedded runtime delivers only S3 -> SQS notifications"
                )
        notifications = []
        for index, item in enumerate(resolved.get("QueueConfigurations") or []):
            place = f"{where}.QueueConfigurations[{index}]"
            rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            # Rule names are case-insensitive in S3 ("prefix" or "Prefix").
            by_name = {str(rule["Name"]).lower(): str(rule["Value"]) for rule in rules}
            unknown = set(by_name) - {"prefix", "suffix"}
            if unknown:
                raise TemplateError(f"{place}.Filter: unknown filter rule(s) {sorted(unknown)}")
            notifications.append(
                QueueNotification(
                    queue=self._logical_of_arn(item.get("Queue"), QUEUE, f"{place}.Queue"),
                    events=(str(item["Event"]),),
                    prefix=by_name.get("prefix", ""),
                    suffix=by_name.get("suffix", ""),
                )
            )
        return tuple(notifications)

    # -- tables -------------------------------------------------------------------------------------

    def _table(self, logical: str) -> TableSpec:
        where = f"Resources.{logical}.Properties"
        props = self._resolve(self._props(logical), where)
        name = self._name(logical, where)
        billing = props.get("BillingMode", "PROVISIONED")
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": billing,
        }
        if billing == "PROVISIONED":
            args["ProvisionedThroughput"] = _numbers(props.get("ProvisionedThroughput", {}))
        indexes = [
            {
                k: (_numbers(v) if k == "ProvisionedThroughput" else v)
                for k, v in index.items()
                if k in _GSI_KEYS
            }
            for index in props.get("GlobalSecondaryIndexes") or []
        ]
        if indexes:
            args["GlobalSecondaryIndexes"] = indexes
        if props.get("LocalSecondaryIndexes"):
            args["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
        stream = props.get("StreamSpecification")
        if stream:
            args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = props.get("SSESpecification")
        if sse:
            args["SSESpecification"] = {
                "Enabled": self._flag(sse.get("SSEEnabled"), where),
                **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
                **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
            }
        ttl = props.get("TimeToLiveSpecification") or {}
        pitr = props.get("PointInTimeRecoverySpecification") or {}
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        return TableSpec(
            logical_id=logical,
            name=name,
            arn=self._arn(logical),
            create_args=args,
            hash_key=keys["HASH"],
            range_key=keys.get("RANGE"),
            global_indexes=tuple(str(index["IndexName"]) for index in indexes),
            ttl_attribute=ttl.get("AttributeName") if self._flag(ttl.get("Enabled"), where) else None,
            point_in_time_recovery=self._flag(pitr.get("PointInTimeRecoveryEnabled"), where),
        )

    # -- functions ----------------------------------------------------------------------------------

    def _function(self, logical: str, queues: Mapping[str, QueueSpec]) -> FunctionSpec:
        where = f"Resources.{logical}.Properties"
        kind = self._resources[logical]["Type"]
        props = (
            _merge_globals(self._globals, self._props(logical))
            if kind != "AWS::Lambda::Function"
            else (self._props(logical))
        )
        if "Handler" not in props:
            raise TemplateError(f"{where}.Handler: a function needs a Handler")
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        environment = {
            name: self._text(value, f"{where}.Environment.Variables.{name}")
            for name, value in variables.items()
        }
        logging_config = props.get("LoggingConfig") or {}
        log_format = self._text(logging_config.get("LogFormat", "Text"), f"{where}.LoggingConfig.LogFormat")
        log_level = logging_config.get("ApplicationLogLevel")
        sqs_events: list[SqsEventSource] = []
        api_routes: list[ApiRoute] = []
        schedules: list[ScheduleSpec] = []
        other_events: list[str] = []
        for event_id, event in (props.get("Events") or {}).items():
            if event.get("Type") == "SQS":
                sqs_events.append(self._sqs_event(event_id, event.get("Properties") or {}, queues, where))
            elif event.get("Type") == "Api":
                api_routes.append(self._api_route(event_id, event.get("Properties") or {}, where))
            elif event.get("Type") in ("Schedule", "ScheduleV2"):
                schedules.append(self._schedule(event_id, event, where))
            else:
                other_events.append(str(event.get("Type")))
        return FunctionSpec(
            logical_id=logical,
            name=self._name(logical, where),
            arn=self._arn(logical),
            handler=self._text(props["Handler"], f"{where}.Handler"),
            timeout=self._int(props.get("Timeout", _DEFAULT_TIMEOUT), f"{where}.Timeout"),
            memory_size=self._int(props.get("MemorySize", _DEFAULT_MEMORY), f"{where}.MemorySize"),
            code_uri=self._code_uri(props.get("CodeUri")),
            environment=environment,
            sqs_events=tuple(sqs_events),
            other_event_types=tuple(other_events),
            log_format=log_format.upper(),
            application_log_level=(
                None
                if log_level is None
                else self._text(log_level, f"{where}.LoggingConfig.ApplicationLogLevel")
            ),
            has_logging_config="LoggingConfig" in props,
            api_routes=tuple(api_routes),
            schedules=tuple(schedules),
            run_when_drained=self._runs_when_drained(logical),
        )

    def _runs_when_drained(self, logical: str) -> bool:
        metadata = self._resources[logical].get("Metadata") or {}
        section, flag = RUN_WHEN_DRAINED
        value = (metadata.get(section) or {}).get(flag) if isinstance(metadata, dict) else None
        return self._flag(value, f"Resources.{logical}.Metadata.{section}.{flag}")

    def _schedule(self, event_id: str, event: dict[str, Any], where: str) -> ScheduleSpec:
        place = f"{where}.Events.{event_id}.Properties"
        props = event.get("Properties") or {}
        # Schedule names it Schedule (and Enabled); ScheduleV2 ScheduleExpression (and State).
        key = "Schedule" if event.get("Type") == "Schedule" else "ScheduleExpression"
        expression = self._text(props.get(key), f"{place}.{key}")
        enabled = True
        if "Enabled" in props:
            enabled = self._flag(props["Enabled"], f"{place}.Enabled")
        elif "State" in props:
            enabled = self._text(props["State"], f"{place}.State").upper() == "ENABLED"
        return ScheduleSpec(event_id=event_id, expression=expression, enabled=enabled)

    def _sqs_event(
        self, event_id: str, props: dict[str, Any], queues: Mapping[str, QueueSpec], where: str
    ) -> SqsEventSource:
        place = f"{where}.Events.{event_id}.Properties"
        if props.get("FilterCriteria"):
            raise UnsupportedTemplateFeature(f"{place}.FilterCriteria: event filtering is not emulated")
        queue = self._logical_of_arn(
            self._resolve(props.get("Queue"), f"{place}.Queue"), QUEUE, f"{place}.Queue"
        )
        if queues[queue].attributes.get("FifoQueue") == "true":
            raise UnsupportedTemplateFeature(f"{place}.Queue: FIFO event sources are not emulated")
        response_types = self._resolve(
            props.get("FunctionResponseTypes") or [], f"{place}.FunctionResponseTypes"
        )
        return SqsEventSource(
            event_id=event_id,
            queue=queue,
            batch_size=self._int(props.get("BatchSize", _DEFAULT_SQS_BATCH_SIZE), f"{place}.BatchSize"),
            report_batch_item_failures="ReportBatchItemFailures" in response_types,
            enabled=not ("Enabled" in props and not self._flag(props["Enabled"], f"{place}.Enabled")),
            maximum_batching_window=self._int(
                props.get("MaximumBatchingWindowInSeconds", 0), f"{place}.MaximumBatchingWindowInSeconds"
            ),
        )

    def _api_route(self, event_id: str, props: dict[str, Any], where: str) -> ApiRoute:
        place = f"{where}.Events.{event_id}.Properties"
        api = props.get("RestApiId", {"Ref": IMPLICIT_API})
        # Ref of an API is its generated id, which nothing here needs: the logical id names the route's API.
        if not (isinstance(api, dict) and isinstance(api.get("Ref"), str)):
            raise UnsupportedTemplateFeature(f"{place}.RestApiId: only !Ref of an API in this template")
        return ApiRoute(
            event_id=event_id,
            api=api["Ref"],
            method=self._text(props.get("Method"), f"{place}.Method").upper(),
            path=self._text(props.get("Path"), f"{place}.Path"),
        )

    # -- secrets and APIs ---------------------------------------------------------------------------

    def _secret(self, logical: str) -> SecretSpec:
        where = f"Resources.{logical}.Properties"
        props = self._props(logical)
        literal = props.get("SecretString")
        generate = self._resolve(props.get("GenerateSecretString"), f"{where}.GenerateSecretString")
        if literal is not None and generate is not None:
            raise TemplateError(f"{where}: SecretString and GenerateSecretString are mutually exclusive")
        description = props.get("Description")
        return SecretSpec(
            logical_id=logical,
            name=self._name(logical, where),
            arn=self._arn(logical),
            description=None if description is None else self._text(description, f"{where}.Description"),
            secret_string=None if literal is None else self._text(literal, f"{where}.SecretString"),
            generate=generate if isinstance(generate, dict) else None,
        )

    def _api(self, logical: str) -> ApiSpec:
        where = f"Resources.{logical}.Properties"
        props = self._props(logical)
        media_types = self._resolve(props.get("BinaryMediaTypes") or [], f"{where}.BinaryMediaTypes")
        rate: float | None = None
        burst: int | None = None
        for index, setting in enumerate(
            self._resolve(props.get("MethodSettings") or [], f"{where}.MethodSettings")
        ):
            # Only the stage-wide default (every resource, every method) is emulated.
            if setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*":
                place = f"{where}.MethodSettings[{index}]"
                if "ThrottlingRateLimit" in setting:
                    rate = float(self._text(setting["ThrottlingRateLimit"], place))
                if "ThrottlingBurstLimit" in setting:
                    burst = self._int(setting["ThrottlingBurstLimit"], place)
        return ApiSpec(
            logical_id=logical,
            stage=self._text(props.get("StageName", "Prod"), f"{where}.StageName"),
            binary_media_types=tuple(str(media).replace("~1", "/") for media in media_types),
            throttle_rate=rate,
            throttle_burst=burst,
        )

    def _code_uri(self, code_uri: Any) -> Path | None:
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            return None
        base = self._path.parent if self._path else Path.cwd()
        return (base / code_uri).resolve()


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge: maps merge, lists concatenate, anything else (intrinsics too) is replaced."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = _merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


def _encryption(bucket_encryption: Any) -> dict[str, Any] | None:
    """CloudFormation's BucketEncryption as PutBucketEncryption's ServerSideEncryptionConfiguration."""
    if not isinstance(bucket_encryption, dict):
        return None
    rules = []
    for rule in bucket_encryption.get("ServerSideEncryptionConfiguration") or []:
        converted = {k: v for k, v in rule.items() if k != "ServerSideEncryptionByDefault"}
        if "ServerSideEncryptionByDefault" in rule:
            # Same content, different name in the S3 API.
            converted["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
        rules.append(converted)
    return {"Rules": rules} if rules else None


def _numbers(throughput: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in throughput.items()}
