"""The channels' clients are built at first use, and a handler's hook runs just before the first one."""

from __future__ import annotations

from syndicate.adapters.channel_clients import ChannelClients
from syndicate.core.delivery import HttpTuning
from syndicate.settings import IndexingApiSettings, LinkedInApiSettings


def _no_secrets() -> object:
    raise AssertionError("building a client must not read a secret")


def test_the_http_hook_runs_once_just_before_the_first_client_is_built() -> None:
    calls: list[str] = []
    clients = ChannelClients(
        _no_secrets,
        linkedin=LinkedInApiSettings("arn:aws:secretsmanager:us-east-1:1:secret:li", "202504", HttpTuning()),
        indexing=IndexingApiSettings("arn:aws:secretsmanager:us-east-1:1:secret:g", HttpTuning()),
        before_http=lambda: calls.append("before"),
    )
    assert calls == []  # not at the container's start
    linkedin = clients.linkedin()
    assert calls == ["before"]
    assert clients.indexing() is clients.indexing()
    assert clients.linkedin() is linkedin
    assert calls == ["before"]


def test_without_a_hook_the_clients_are_built_as_before() -> None:
    clients = ChannelClients(
        _no_secrets, indexing=IndexingApiSettings("arn:aws:secretsmanager:us-east-1:1:secret:g", HttpTuning())
    )
    assert clients.indexing() is clients.indexing()
