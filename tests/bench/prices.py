"""AWS list prices the load benchmark turns its counts into dollars with: us-east-1, arm64, on-demand.

Looked up on PRICES_DATE (sources in docs/load-benchmark.md); free tiers and volume discounts are
left out, so the figures are what a large account pays at the first price tier.
"""

from __future__ import annotations

PRICES_DATE = "2026-11-27"

LAMBDA_ARM_GB_SECOND = 0.0000133334  # first tier (7.5 billion GB-s a month)
LAMBDA_REQUEST = 0.20 / 1_000_000
DYNAMODB_WRITE_UNIT = 0.625 / 1_000_000  # on-demand write request unit
DYNAMODB_READ_UNIT = 0.125 / 1_000_000  # on-demand read request unit
S3_WRITE_CLASS_REQUEST = 0.005 / 1_000  # PUT, COPY, POST, LIST (S3 Standard)
S3_READ_CLASS_REQUEST = 0.0004 / 1_000  # GET, SELECT and all other requests
SQS_REQUEST = 0.40 / 1_000_000  # standard queue; each 64 KB of payload is one request
SECRETS_MANAGER_CALL = 0.05 / 10_000
XRAY_TRACE_RECORDED = 5.00 / 1_000_000
XRAY_SAMPLED_SHARE = 0.05  # the default sampling rule: one a second, then 5% of the rest
LOGS_INGESTED_GB = 0.50  # CloudWatch Logs, standard class

PRICE_TABLE = (
    ("Lambda (arm64) duration", "$0.0000133334 per GB-second"),
    ("Lambda requests", "$0.20 per million"),
    ("DynamoDB on-demand writes", "$0.625 per million write request units"),
    ("DynamoDB on-demand reads", "$0.125 per million read request units"),
    ("S3 Standard PUT, COPY, POST, LIST", "$0.005 per 1,000"),
    ("S3 Standard GET and others", "$0.0004 per 1,000"),
    ("SQS standard", "$0.40 per million requests (64 KB each)"),
    ("Secrets Manager", "$0.05 per 10,000 API calls"),
    ("X-Ray", "$5.00 per million traces recorded, 5% sampled"),
    ("CloudWatch Logs", "$0.50 per GB ingested"),
)
