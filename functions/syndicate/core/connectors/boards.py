"""A whole board, mapped: every job of a Greenhouse or Lever answer as a posting with defaults laid under."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from syndicate.core.connectors import NOT_DEFAULTABLE, Mapped, greenhouse, lever, with_defaults

MAPPERS = {"greenhouse": greenhouse.map_job, "lever": lever.map_posting}


class DefaultsRejected(ValueError):
    """The defaults are not a posting fragment; the message says why."""


def check_defaults(document: Any) -> dict[str, Any]:
    """The `--defaults` document as posting fields laid under the ATS's, or why it cannot be."""
    if not isinstance(document, dict):
        raise DefaultsRejected("the defaults must be a JSON object of posting fields")
    refused = sorted(NOT_DEFAULTABLE & set(document))
    if refused:
        raise DefaultsRejected(f"the defaults may not set {', '.join(refused)}: each job has the ATS's own")
    return document


def map_board(ats: str, jobs: Iterable[Mapping[str, Any]], defaults: Mapping[str, Any]) -> list[Mapped]:
    mapper = MAPPERS[ats]
    mapped = []
    for job in jobs:
        result = mapper(job)
        mapped.append(Mapped(with_defaults(defaults, result.posting), result.notes))
    return mapped
