"""moto for every AWS call in these tests: dummy credentials, one region, never the real AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    saved = {
        k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    try:
        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
