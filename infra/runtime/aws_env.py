"""Process environment for an embedded stack: dummy credentials, a fixed region, nothing that points at AWS.

Credentials in the environment come first in botocore's chain, so a developer's real profile is never
read; endpoint overrides (AWS_ENDPOINT_URL*) and config files are hidden too, since either could send
a request somewhere other than moto.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def offline_aws_variables(region: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def variables_to_hide() -> list[str]:
    return [
        name
        for name in os.environ
        if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") or name.startswith("AWS_ENDPOINT_URL")
    ]


@contextmanager
def patched_environ(values: Mapping[str, str], hide: tuple[str, ...] | list[str] = ()) -> Iterator[None]:
    """Set `values` and remove `hide` for the duration; restore exactly what was there before."""
    saved = {name: os.environ.get(name) for name in (*values, *hide)}
    try:
        for name in hide:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
