"""What test_pipeline.py needs around the real stack: the stack with the channels' local fakes, uploads,
hand-driven deliveries, and readers for every place the pipeline writes (receipts, what the fake
LinkedIn received, the Indeed feed, the site, the state and idempotency tables).

Readers use plain boto3 and the standard library, never the product's own adapters, so a bug in an
adapter cannot hide itself from the test that reads its output.
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from infra.fakes.local import LINKEDIN_REQUESTS, LocalChannelApis
from infra.runtime import EmbeddedStack
from infra.runtime.lambda_runner import sqs_event

from tests.factories import raw_posting

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
SITE_BASE_URL = "https://jobs.example.com"
PARAMETERS = {
    "SiteBaseUrl": SITE_BASE_URL,
    "FeedPublisher": "Example Jobs",
    "FeedPublisherUrl": "https://www.example.com",
}
CHANNEL_QUEUES = ("LinkedInQueue", "IndeedQueue", "SchemaOrgQueue")
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_DESERIALIZER = TypeDeserializer()
_RECORDINGS: dict[int, Path] = {}  # id(stack) -> the directory its fakes record into


@contextmanager
def local_stack(
    parameters: Mapping[str, str] = PARAMETERS, **fakes: Any
) -> Iterator[tuple[EmbeddedStack, LocalChannelApis]]:
    """The real stack with LinkedIn and Google as local fakes over HTTP (`fakes`: LocalChannelApis
    options, e.g. fault plans); never the internet."""
    with (
        tempfile.TemporaryDirectory(prefix="syndicate-fakes-") as record_dir,
        LocalChannelApis.running(record_dir=Path(record_dir), **fakes) as apis,
        EmbeddedStack.from_template(TEMPLATE, dict(parameters)) as stack,
    ):
        apis.connect(stack)
        _RECORDINGS[id(stack)] = Path(record_dir)
        try:
            yield stack, apis
        finally:
            _RECORDINGS.pop(id(stack), None)


def posting(posting_id: str, **changes: Any) -> dict[str, Any]:
    """A valid posting ready for every channel (tests/factories.py's MINIMAL) under `posting_id`."""
    return raw_posting(id=posting_id, **changes)


def indeed_only_posting(number: int) -> dict[str, Any]:
    """The smallest posting Indeed takes, for Indeed only: the cheap one for volume tests."""
    return {
        "id": f"P{number:04d}",
        "title": "Cook",
        "description": "Cook food.",
        "hiring_organization": {"name": "Diner"},
        "locations": [{"locality": "Denver", "region": "CO", "country": "US"}],
        "date_posted": "2026-11-20",
        "apply_url": f"https://diner.example.com/jobs/{number}",
        "contact_email": "jobs@diner.example.com",
        "channels": ["indeed"],
    }


# -- uploads -----------------------------------------------------------------------------------------


def intake(stack: EmbeddedStack) -> str:
    return stack.bucket("IntakeBucket").name


def upload_json(stack: EmbeddedStack, key: str, document: Any) -> str:
    """Put a .json document under `key` in the intake bucket; the S3 version id it got."""
    return put_bytes(stack, key, json.dumps(document, indent=1).encode("utf-8"))


def upload_jsonl(stack: EmbeddedStack, key: str, lines: list[str]) -> str:
    return put_bytes(stack, key, ("\n".join(lines) + "\n").encode("utf-8"))


def put_bytes(stack: EmbeddedStack, key: str, data: bytes) -> str:
    return str(stack.s3.put_object(Bucket=intake(stack), Key=key, Body=data)["VersionId"])


# -- delivering by hand --------------------------------------------------------------------------------


def take_messages(stack: EmbeddedStack, queue_logical_id: str) -> list[Any]:
    """Receive every message a queue holds now, with all attributes, and delete them."""
    url = stack.queue(queue_logical_id).url
    taken: list[Any] = []
    while True:
        batch = stack.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return taken
        taken.extend(batch)
        stack.sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )


def event_for(stack: EmbeddedStack, queue_logical_id: str, messages: list[Any]) -> dict[str, Any]:
    """The SQS event Lambda would hand the queue's consumer for these messages."""
    return sqs_event(messages, stack.queue(queue_logical_id), stack.model.region)


def upload_notifications(stack: EmbeddedStack) -> list[Any]:
    """Take the IngestQueue's messages that announce uploads (S3's configuration test events dropped)."""
    return [m for m in take_messages(stack, "IngestQueue") if "Records" in json.loads(m["Body"])]


def ingest_only(stack: EmbeddedStack) -> list[Any]:
    """Run the ingest function on every queued upload, one per invocation (its BatchSize is 1),
    without running any publisher; returns the messages it consumed."""
    messages = upload_notifications(stack)
    for message in messages:
        response = stack.invoke("IngestFunction", event_for(stack, "IngestQueue", [message]))
        assert response == {"batchItemFailures": []}, response
    return messages


def send_bodies(stack: EmbeddedStack, queue_logical_id: str, bodies: list[str]) -> None:
    url = stack.queue(queue_logical_id).url
    for body in bodies:  # one call each: every body becomes a message of its own
        stack.sqs.send_message(QueueUrl=url, MessageBody=body)


def channel_depths(stack: EmbeddedStack) -> dict[str, int]:
    depths = stack.queue_depths()
    return {queue: depths[queue] for queue in CHANNEL_QUEUES}


def drain_clean(stack: EmbeddedStack) -> None:
    """Drain, and insist nothing failed on the way."""
    report = stack.drain()
    assert report.failed_batches == [], report.failed_batches
    assert not any(report.dead_lettered.values()), report.dead_lettered


# -- reading what the pipeline wrote ------------------------------------------------------------------


def object_bytes(stack: EmbeddedStack, bucket_logical_id: str, key: str) -> bytes | None:
    name = stack.bucket(bucket_logical_id).name
    try:
        return bytes(stack.s3.get_object(Bucket=name, Key=key)["Body"].read())
    except stack.s3.exceptions.NoSuchKey:
        return None


def keys_under(stack: EmbeddedStack, bucket_logical_id: str, prefix: str) -> list[str]:
    name = stack.bucket(bucket_logical_id).name
    keys: list[str] = []
    for page in stack.s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def receipt(stack: EmbeddedStack, upload_key: str) -> dict[str, Any]:
    body = object_bytes(stack, "IntakeBucket", f"reports/{upload_key}.json")
    assert body is not None, f"no receipt for {upload_key}"
    document: dict[str, Any] = json.loads(body)
    return document


def receipt_entries(stack: EmbeddedStack, upload_key: str) -> dict[str, dict[str, Any]]:
    """The receipt's posting entries by posting id (or "#<index>" when it has none)."""
    return {
        entry["id"] if entry["id"] is not None else f"#{entry['index']}": entry
        for entry in receipt(stack, upload_key)["postings"]
    }


def linkedin_requests(stack: EmbeddedStack) -> list[dict[str, Any]]:
    """Every batch_create body the fake LinkedIn answered, in the order it received them."""
    path = _RECORDINGS[id(stack)] / LINKEDIN_REQUESTS
    if not path.is_file():
        return []
    return [json.loads(line)["body"] for line in path.read_text("utf-8").splitlines() if line]


def linkedin_elements(stack: EmbeddedStack, posting_id: str | None = None) -> list[dict[str, Any]]:
    """The jobs of every recorded request body, in order; only `posting_id`'s when given."""
    return [
        element
        for body in linkedin_requests(stack)
        for element in body["elements"]
        if posting_id is None or element["externalJobPostingId"] == posting_id
    ]


def feed_jobs(stack: EmbeddedStack) -> list[dict[str, str]]:
    """The <job> elements of indeed/feed.xml as {element name: text}; [] when there is no feed."""
    body = object_bytes(stack, "FeedBucket", "indeed/feed.xml")
    if body is None:
        return []
    root = ET.fromstring(body)
    assert root.tag == "source"
    return [{child.tag: child.text or "" for child in job} for job in root.findall("job")]


def feed_posting_ids(stack: EmbeddedStack) -> list[str]:
    """One entry per feed job: the posting id its referencenumber ("<id>-<12 hex>") starts with."""
    return [job["referencenumber"].rsplit("-", 1)[0] for job in feed_jobs(stack)]


def page(stack: EmbeddedStack, posting_id: str) -> str | None:
    body = object_bytes(stack, "SiteBucket", f"jobs/{posting_id}.html")
    return None if body is None else body.decode("utf-8")


def jsonld(stack: EmbeddedStack, posting_id: str) -> dict[str, Any] | None:
    """The JobPosting the job page embeds (the page is the one object per job; crawlers read it)."""
    html = page(stack, posting_id)
    if html is None:
        return None
    [document] = embedded_jsonld(html)
    return dict(document)


def sitemap_urls(stack: EmbeddedStack) -> list[str]:
    """Every page URL the sitemap lists: sitemap.xml is a sitemap index, each sitemap it names is read
    from the site bucket (its URL is the site's base URL and the object's key)."""
    body = object_bytes(stack, "SiteBucket", "sitemap.xml")
    if body is None:
        return []
    index = ET.fromstring(body)
    assert index.tag == f"{SITEMAP_NS}sitemapindex", index.tag
    base = stack.environment()["SITE_BASE_URL"].rstrip("/") + "/"
    urls: list[str] = []
    for loc in index.iter(f"{SITEMAP_NS}loc"):
        location = (loc.text or "").strip()
        assert location.startswith(base), location
        sitemap = object_bytes(stack, "SiteBucket", location[len(base) :])
        assert sitemap is not None, f"the index names {location}, which is not in the site bucket"
        urls += [(url.text or "").strip() for url in ET.fromstring(sitemap).iter(f"{SITEMAP_NS}loc")]
    return urls


def page_url(posting_id: str) -> str:
    return f"{SITE_BASE_URL}/jobs/{posting_id}.html"


def state_item(stack: EmbeddedStack, posting_id: str) -> dict[str, Any] | None:
    """The posting's item in the state table, as plain Python values."""
    item = stack.dynamodb.get_item(
        TableName=stack.environment()["STATE_TABLE"],
        Key={"posting_id": {"S": posting_id}},
        ConsistentRead=True,
    ).get("Item")
    return None if item is None else {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}


def state_item_bytes(stack: EmbeddedStack, posting_id: str) -> int:
    """The posting's state item size as DynamoDB bills it (developer guide, "DynamoDB item sizes and
    formats"): names and values in UTF-8, numbers about a byte per two digits plus one, 3 bytes a
    map or list plus 1 a member."""
    item = stack.dynamodb.get_item(
        TableName=stack.environment()["STATE_TABLE"],
        Key={"posting_id": {"S": posting_id}},
        ConsistentRead=True,
    )["Item"]
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Mapping[str, Any]) -> int:
    [(kind, inner)] = value.items()
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in inner)
    if kind == "N":
        return (len(inner.strip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode()) for member in inner)
    return len(inner.encode()) if isinstance(inner, str) else len(inner)


def idempotency_records(stack: EmbeddedStack) -> list[dict[str, Any]]:
    table = stack.environment()["IDEMPOTENCY_TABLE"]
    records: list[dict[str, Any]] = []
    for page_ in stack.dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        records.extend({k: _DESERIALIZER.deserialize(v) for k, v in i.items()} for i in page_["Items"])
    return records


class _JsonLdScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and ("type", "application/ld+json") in attrs
        if self._inside:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


def embedded_jsonld(html: str) -> list[Any]:
    """The JSON-LD documents a page embeds in <script type="application/ld+json">."""
    parser = _JsonLdScripts()
    parser.feed(html)
    parser.close()
    return [json.loads(script) for script in parser.scripts]
